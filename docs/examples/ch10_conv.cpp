// docs/examples/ch10_conv.cpp
#include <iostream>

#include "check.hpp"
#include "nn/nn.hpp"

using namespace ag;

int main() {
  // Output size per axis: floor((in + 2 padding - dilation (kernel - 1) - 1) / stride) + 1.
  // ERANN's stride-4 block on a 5 s log-mel (B, C, T, F) = (1, 1, 640, 128): a (6, 3) kernel,
  // stride (4, 2), padding 1 gives T/4 x F/2 exactly; the 1x1 shortcut with the same stride agrees.
  const Variable x(randn({1, 1, 640, 128}));
  const Variable w_main(randn({4, 1, 6, 3})), w_short(randn({4, 1, 1, 1}));
  const Variable main_path = conv2d(x, w_main, Variable(), {4, 2}, {1, 1});
  const Variable shortcut = conv2d(x, w_short, Variable(), {4, 2});
  std::cout << "main " << shape_str(main_path.shape()) << ", shortcut " << shape_str(shortcut.shape()) << "\n";
  CHECK(main_path.shape() == shortcut.shape() && main_path.shape() == (Shape{1, 4, 160, 64}));

  // The fast kernels (im2col + sgemm, or the direct kernel) against the plain seven-loop reference.
  const Tensor xs = randn({2, 3, 9, 7}, DType::Float64), ws = randn({5, 3, 3, 2}, DType::Float64);
  const Tensor fast = conv2d(Variable(xs), Variable(ws), Variable(), {2, 1}, {1, 1}, {1, 2}).data();
  const Tensor slow = conv2d_reference(xs, ws, Tensor(), {2, 1}, {1, 1}, {1, 2});
  CHECK(allclose(fast, slow, 1e-12, 1e-12));

  // The backward: dL/dW = sum_b G_b col_b^T and dL/dx = col2im(W^T G_b), checked numerically.
  const GradcheckResult r = gradcheck(
      [](const std::vector<Variable>& v) { return conv2d(v[0], v[1], Variable(), {2, 1}, {1, 1}, {1, 2}); },
      {randn({1, 2, 5, 4}, DType::Float64), randn({3, 2, 3, 2}, DType::Float64)});
  std::cout << "gradcheck " << (r.ok ? "ok" : r.message) << "\n";
  CHECK(r.ok);

  // conv1d is conv2d on (B, C, 1, T): Wavegram's stem, kernel 11, stride 5, padding 5.
  const Variable wave(randn({2, 1, 32000}));
  const Variable stem = conv1d(wave, Variable(randn({64, 1, 11})), Variable(), 5, 5);
  CHECK(stem.shape() == (Shape{2, 64, 6400}));

  // Mistakes name the op and the shapes.
  try {
    conv2d(Variable(zeros({8, 3, 64, 32})), Variable(zeros({64, 1, 3, 3})));
  } catch (const ShapeError& e) {
    std::cout << e.what() << "\n";
  }
}
