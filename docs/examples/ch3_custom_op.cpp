// docs/examples/ch3_custom_op.cpp
#include <iostream>

#include "autograd/autograd.hpp"
#include "check.hpp"

using namespace ag;

// softsign(x) = x / (1 + |x|), written as a new op: a forward on Tensors, then record() with the
// backward. d/dx softsign = 1 / (1 + |x|)^2, so dL/dx = g / (1 + |x|)^2.
Variable softsign(const Variable& x) {
  Tensor denom = add(abs(x.data()), 1.0);
  Tensor out = div(x.data(), denom);
  return record("softsign", out, {x}, [denom](const Tensor& g) {
    return TensorList{div(g, mul(denom, denom))};
  });
}

// The same with the factor squared forgotten: gradcheck must catch it.
Variable softsign_wrong(const Variable& x) {
  Tensor denom = add(abs(x.data()), 1.0);
  return record("softsign_wrong", div(x.data(), denom), {x}, [denom](const Tensor& g) {
    return TensorList{div(g, denom)};
  });
}

int main() {
  Tensor x = randn({3, 4}, DType::Float64);        // gradcheck works in float64
  GradcheckResult good = gradcheck([](const std::vector<Variable>& v) { return softsign(v[0]); }, {x});
  std::cout << "softsign: " << (good.ok ? "ok" : good.message) << " (max error " << good.max_abs_error << ")\n";
  CHECK(good.ok);

  GradcheckResult bad = gradcheck([](const std::vector<Variable>& v) { return softsign_wrong(v[0]); }, {x});
  std::cout << bad.message << "\n";                // names the op, the input and the worst element
  CHECK(!bad.ok);
}
