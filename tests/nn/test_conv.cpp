// test_conv.cpp: the im2col + GEMM convolution against the plain seven-loop reference, forward and
// backward, float32 and float64, on odd shapes: 1x1 images, sizes that are no multiple of anything,
// per-axis strides / padding / dilation, the 1x1 fast path, a single sample (BLAS-threaded path),
// several samples (batch-parallel path) and images tall enough to be split into im2col bands.
#include <memory>

#include "nn_test_util.hpp"

namespace ag::test {
namespace {

struct ConvShape {
  Shape x, w;
  Size2 stride, padding, dilation;
  bool bias;
};

std::vector<ConvShape> shapes() {
  return {
      {{1, 1, 1, 1}, {1, 1, 1, 1}, 1, 0, 1, true},
      {{3, 2, 7, 13}, {5, 2, 3, 3}, 1, 1, 1, true},
      {{2, 3, 13, 7}, {4, 3, 6, 5}, {4, 2}, {1, 2}, 1, false},
      {{5, 4, 9, 11}, {3, 4, 1, 1}, {2, 3}, 0, 1, false},
      {{4, 3, 10, 9}, {2, 3, 3, 2}, 1, {2, 1}, {2, 3}, true},
      {{1, 5, 31, 17}, {7, 5, 3, 3}, 1, 1, 1, true},
      {{2, 3, 6, 5}, {4, 3, 1, 1}, 1, 0, 1, true},      // pointwise: no im2col
      {{2, 16, 70, 64}, {8, 16, 3, 3}, 1, 1, 1, false},  // several im2col bands; direct kernels in float32
      {{2, 3, 9, 37}, {5, 3, 3, 3}, {2, 1}, 1, 1, true},  // direct forward and weight grad: partial vector and tile
      {{2, 3, 8, 40}, {10, 3, 3, 5}, 1, {1, 2}, 1, false},  // direct, kernel width 5, all three kernels
      {{1, 2, 6, 33}, {3, 2, 3, 3}, 1, {2, 3}, {2, 2}, false},  // dilated: direct input gradient only
  };
}

template <class T>
void compare(const ConvShape& s, DType dtype, double rtol, double atol) {
  Generator g(11);
  const Tensor x = randn(s.x, dtype, &g), w = randn(s.w, dtype, &g);
  const Tensor b = s.bias ? randn({s.w[0]}, dtype, &g) : Tensor();
  Variable xv(x, true), wv(w, true), bv = s.bias ? Variable(b, true) : Variable();
  const Variable y = conv2d(xv, wv, bv, s.stride, s.padding, s.dilation);
  const Tensor ref = conv2d_reference(x, w, b, s.stride, s.padding, s.dilation);
  EXPECT_TRUE(tensors_close(y.data(), ref, rtol, atol)) << "forward " << shape_str(s.x) << " * " << shape_str(s.w);

  const Tensor gy = randn(y.shape(), dtype, &g);
  y.backward(gy);
  const Conv2dGrads r = conv2d_backward_reference(gy, x, w, s.stride, s.padding, s.dilation);
  EXPECT_TRUE(tensors_close(xv.grad(), r.input, rtol, atol)) << "grad input " << shape_str(s.x);
  EXPECT_TRUE(tensors_close(wv.grad(), r.weight, rtol, atol * 10)) << "grad weight " << shape_str(s.w);
  if (s.bias) {
    EXPECT_TRUE(tensors_close(bv.grad(), r.bias, rtol, atol * 10)) << "grad bias";
  }
}

TEST(Conv2dKernels, MatchReferenceFloat64) {
  for (const ConvShape& s : shapes()) compare<double>(s, DType::Float64, 1e-10, 1e-10);
}

TEST(Conv2dKernels, MatchReferenceFloat32) {
  for (const ConvShape& s : shapes()) compare<float>(s, DType::Float32, 1e-4, 1e-4);
}

// The direct float32 kernels against the im2col + sgemm ones (ReferenceKernelsGuard forces im2col).
TEST(Conv2dKernels, DirectMatchesIm2col) {
  for (const ConvShape& s : shapes()) {
    Generator g(3);
    const Tensor x = randn(s.x, DType::Float32, &g), w = randn(s.w, DType::Float32, &g);
    Tensor out[2], gx[2], gw[2];
    for (int im2col = 0; im2col < 2; ++im2col) {
      std::unique_ptr<ReferenceKernelsGuard> guard(im2col ? new ReferenceKernelsGuard : nullptr);
      Variable xv(x, true), wv(w, true);
      const Variable y = conv2d(xv, wv, Variable(), s.stride, s.padding, s.dilation);
      Generator gg(4);
      y.backward(randn(y.shape(), DType::Float32, &gg));
      out[im2col] = y.data(), gx[im2col] = xv.grad(), gw[im2col] = wv.grad();
    }
    EXPECT_TRUE(tensors_close(out[0], out[1], 1e-5, 1e-4)) << shape_str(s.x) << " * " << shape_str(s.w);
    EXPECT_TRUE(tensors_close(gx[0], gx[1], 1e-5, 1e-4)) << shape_str(s.x) << " * " << shape_str(s.w);
    EXPECT_TRUE(tensors_close(gw[0], gw[1], 1e-5, 1e-3)) << shape_str(s.x) << " * " << shape_str(s.w);
  }
}

// Same result with 1 and 2 threads (the batch-parallel weight-gradient reduction is deterministic).
TEST(Conv2dKernels, ThreadCountDoesNotChangeTheResult) {
  const int before = get_num_threads();
  Generator g(5);
  const Tensor x = randn({4, 3, 12, 10}, DType::Float32, &g), w = randn({6, 3, 3, 3}, DType::Float32, &g);
  std::vector<Tensor> grads;
  for (int n : {1, 2}) {
    set_num_threads(n);
    Variable wv(w, true);
    sum(conv2d(Variable(x), wv, Variable(), 1, 1)).backward();
    grads.push_back(wv.grad());
  }
  set_num_threads(before);
  EXPECT_TRUE(tensors_close(grads[0], grads[1], 1e-5, 1e-5));
}

// Only the gradients that are needed are computed (the first layer's input needs none).
TEST(Conv2dKernels, SkipsUnneededGradients) {
  Variable w(randn64({2, 1, 3, 3}, 1), true);
  const Variable x(randn64({1, 1, 5, 5}, 2));
  sum(conv2d(x, w)).backward();
  EXPECT_TRUE(w.grad().defined());
  EXPECT_FALSE(x.grad().defined());
}

}  // namespace
}  // namespace ag::test
