// docs/examples/ch3_graph.cpp
#include <iostream>

#include "autograd/autograd.hpp"
#include "check.hpp"

using namespace ag;

int main() {
  Variable w(tensor({0.5, -1.0}), true);           // leaves: requires_grad = true
  Variable x(tensor({2.0, 3.0}));                  // data: no gradient wanted
  Variable y = sum(w * x);                         // y = 0.5*2 - 1*3 = -2
  Variable loss = y * y;                           // 4

  // Each result remembers the op that made it; leaves have none.
  CHECK(loss.grad_fn()->name() == "mul");
  CHECK(y.grad_fn()->name() == "sum");
  CHECK(w.is_leaf() && w.grad_fn() == nullptr);

  loss.backward();                                 // dloss/dw = 2y * x = (-8, -12)
  std::cout << "dloss/dw = " << w.grad() << "\n";
  CHECK(allclose(w.grad(), tensor({-8, -12})));
  CHECK(!x.grad().defined());                      // x did not require grad

  // The graph was freed by backward(); a second call explains what to do.
  try {
    loss.backward();
    return 1;
  } catch (const Error& e) {
    std::cout << e.what() << "\n";
  }

  // Under NoGradGuard nothing is recorded: the way to evaluate a model or update weights.
  {
    NoGradGuard no_grad;
    Variable z = w * x;
    CHECK(!z.requires_grad());
  }
}
