// docs/examples/ch8_squareplus.cpp
#include <cmath>
#include <iostream>

#include "check.hpp"
#include "nn/nn.hpp"

using namespace ag;

// squareplus(x) = (x + sqrt(x^2 + b)) / 2   (Barron 2021: a softplus without exp or log)
// d/dx = (1 + x / sqrt(x^2 + b)) / 2, so dL/dx = g (1 + x / sqrt(x^2 + b)) / 2.
// Shapes: x (any) -> y (same).
Variable squareplus(const Variable& x, double b = 4.0) {
  const Tensor xd = x.data();
  const Tensor root = sqrt(add(mul(xd, xd), b));  // saved for the backward
  const Tensor y = mul(add(xd, root), 0.5);
  return record("squareplus", y, {x}, [xd, root](const Tensor& g) {
    return TensorList{mul(g, mul(add(div(xd, root), 1.0), 0.5))};
  });
}

// As a layer: parameter-free, so nn::Activation wraps the function.
struct Squareplus : nn::Activation {
  explicit Squareplus(double b = 4.0)
      : nn::Activation("Squareplus", [b](const Variable& x) { return squareplus(x, b); }, "b=" + std::to_string(b)) {}
};

int main() {
  // 1. Forward against values computed by hand (b = 4): squareplus(0) = 1, squareplus(1.5) = (1.5 + 2.5) / 2 = 2.
  const Tensor y = squareplus(Variable(tensor({0, 1.5}, {2}, DType::Float64))).data();
  CHECK(std::abs(y.at({0}) - 1.0) < 1e-15 && std::abs(y.at({1}) - 2.0) < 1e-15);

  // 2. The backward against central differences, in float64.
  const GradcheckResult r = gradcheck([](const std::vector<Variable>& v) { return squareplus(v[0]); },
                                      {randn({4, 5}, DType::Float64)});
  std::cout << "gradcheck: " << (r.ok ? "ok" : r.message) << ", max error " << r.max_abs_error << "\n";
  CHECK(r.ok);

  // 3. Bad input: the op inherits the element-wise errors; here, an int64 tensor.
  try {
    squareplus(Variable(tensor({1, 2}, {2}, DType::Int64)));
  } catch (const Error& e) {
    std::cout << "int64 input: " << e.what() << "\n";
  }

  // 4. Use it like any layer.
  nn::Sequential net;
  net.push_back(std::make_shared<nn::Linear>(3, 4)).push_back("act", std::make_shared<Squareplus>());
  std::cout << nn::summary(net, {2, 3});
  CHECK(net.forward(Variable(randn({2, 3}))).shape() == (Shape{2, 4}));
}
