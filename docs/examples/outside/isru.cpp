// docs/examples/outside/isru.cpp
// A new activation in a project of its own, built against an installed audiograd: the op, its
// gradient check, and a training step of a small network that uses it.
#include <audiograd/nn/nn.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace ag;

// isru(x) = x / sqrt(1 + a x^2)   (Carlile et al. 2017, the inverse square root unit)
// d/dx = (1 + a x^2)^(-3/2), so dL/dx = g r^3 with r = 1 / sqrt(1 + a x^2).
// Shapes: x (any) -> y (same).
Variable isru(const Variable& x, double a = 1.0) {
  const Tensor xd = x.data();
  const Tensor r = rsqrt(add(mul(mul(xd, xd), a), 1.0));  // saved for the backward
  return record("isru", mul(xd, r), {x}, [r](const Tensor& g) { return TensorList{mul(g, mul(r, mul(r, r)))}; });
}

static void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "outside project: %s failed\n", what);
    std::exit(1);
  }
}

int main() {
  // The forward against a value by hand: isru(sqrt(3)) = sqrt(3) / 2 for a = 1.
  const Tensor y = isru(Variable(tensor({std::sqrt(3.0)}, {1}, DType::Float64))).data();
  require(std::abs(y.at({0}) - std::sqrt(3.0) / 2) < 1e-15, "forward");

  // The backward against central differences, in float64.
  const GradcheckResult check = gradcheck([](const std::vector<Variable>& v) { return isru(v[0], 0.5); },
                                          {randn({3, 4}, DType::Float64)});
  std::printf("gradcheck: %s, max error %.2e\n", check.ok ? "ok" : check.message.c_str(), check.max_abs_error);
  require(check.ok, "gradcheck");

  // A layer and a training step: Linear -> isru -> Linear, cross-entropy, SGD.
  Generator gen(0);
  nn::Sequential net;
  net.push_back("body", std::make_shared<nn::Linear>(4, 8, true, &gen))
      .push_back("act", std::make_shared<nn::Activation>("ISRU", [](const Variable& x) { return isru(x); }))
      .push_back("head", std::make_shared<nn::Linear>(8, 3, true, &gen));
  const Tensor x = randn({16, 4}, DType::Float32, &gen);
  const Tensor labels = randint(0, 3, {16}, &gen);
  nn::SGDOptions options;
  options.lr = 0.5;
  nn::SGD opt(net.parameters(), options);
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    opt.zero_grad();
    Variable loss = cross_entropy(net.forward(Variable(x)), labels);
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  std::printf("loss %.4f -> %.4f\n", first, last);
  require(last < first, "training");
}
