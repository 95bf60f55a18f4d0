// docs/examples/ch1_first_steps.cpp
#include <iostream>

#include "autograd/autograd.hpp"
#include "check.hpp"

using namespace ag;

int main() {
  set_num_threads(2);                              // OpenMP and OpenBLAS together
  Tensor a = arange(6).reshape({2, 3});            // float32 by default
  Tensor b = ones({3, 2});
  Tensor c = matmul(a, b);                         // cblas_sgemm underneath
  std::cout << c << "\n";                          // tensor([[ 3.,  3.], [12., 12.]])
  CHECK(c.shape() == Shape({2, 2}));
  CHECK(c.at({1, 0}) == 12);

  Variable x(tensor({1.0, 2.0, 3.0}), /*requires_grad=*/true);
  Variable loss = sum(x * x);                      // loss = x1^2 + x2^2 + x3^2
  loss.backward();
  std::cout << x.grad() << "\n";                   // tensor([2., 4., 6.]) = 2x
  CHECK(allclose(x.grad(), tensor({2, 4, 6})));
}
