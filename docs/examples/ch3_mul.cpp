// docs/examples/ch3_mul.cpp
#include <iostream>

#include "autograd/autograd.hpp"
#include "check.hpp"

using namespace ag;

// y = a * b, written as the library writes it: the forward on Tensors, then record() with the
// backward. dL/da = g * b and dL/db = g * a, each summed back to its input's shape by sum_to,
// because broadcasting copied the smaller input along the dimensions it lacked.
Variable my_mul(const Variable& a, const Variable& b) {
  Tensor out = mul(a.data(), b.data());                  // forward, on Tensors
  return record("my_mul", out, {a, b}, [a_ = a.data(), b_ = b.data()](const Tensor& g) {
    return TensorList{sum_to(mul(g, b_), a_.shape()),    // dL/da = g * b
                      sum_to(mul(g, a_), b_.shape())};   // dL/db = g * a
  });
}

int main() {
  Variable a(tensor({1, 2, 3, 4, 5, 6}, {2, 3}), true);  // (2, 3)
  Variable b(tensor({10, 20, 30}), true);                // (3,), broadcast over the two rows
  Variable y = my_mul(a, b);
  CHECK(y.grad_fn()->name() == "my_mul");

  sum(y).backward();                                     // g = 1 everywhere
  std::cout << "dL/da = " << a.grad() << "\ndL/db = " << b.grad() << "\n";
  CHECK(allclose(a.grad(), tensor({10, 20, 30, 10, 20, 30}, {2, 3})));  // b, on every row
  CHECK(allclose(b.grad(), tensor({5, 7, 9})));                         // a, summed over the rows

  // The library's mul gives the same gradients, and gradcheck agrees with the backward.
  Variable a2(a.data(), true), b2(b.data(), true);
  sum(a2 * b2).backward();
  CHECK(allclose(a2.grad(), a.grad()) && allclose(b2.grad(), b.grad()));
  GradcheckResult r = gradcheck([](const std::vector<Variable>& v) { return my_mul(v[0], v[1]); },
                                {randn({2, 3}, DType::Float64), randn({3}, DType::Float64)});
  std::cout << "gradcheck: " << (r.ok ? "ok" : r.message) << "\n";
  CHECK(r.ok);
}
