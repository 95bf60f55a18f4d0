// docs/examples/ch2_broadcasting.cpp
#include <iostream>

#include "check.hpp"
#include "tensor/elementwise.hpp"
#include "tensor/io.hpp"
#include "tensor/reduce.hpp"
#include "tensor/tensor.hpp"

using namespace ag;

int main() {
  // A batch of 4 feature vectors (4, 3), centred by their mean (3,): shapes align from the
  // right, the missing leading dimension stretches to 4.
  Tensor x = arange(12).reshape({4, 3});
  Tensor mu = mean(x, {0});                        // (3,)
  Tensor centred = x - mu;                         // (4, 3)
  CHECK(centred.shape() == Shape({4, 3}));
  CHECK(allclose(mean(centred, {0}), zeros({3})));

  // A column (3, 1) against a row (4,) gives a (3, 4) table: an outer product without matmul.
  Tensor col = tensor({1, 2, 3}, {3, 1});
  Tensor row = tensor({10, 20, 30, 40});
  Tensor table = col * row;
  CHECK(table.shape() == Shape({3, 4}));
  CHECK(table.at({2, 3}) == 120);

  // The backward of broadcasting is a sum: sum_to folds a (3, 4) gradient back onto (3, 1).
  CHECK(sum_to(ones({3, 4}), {3, 1}).at({0, 0}) == 4);

  // Shapes that do not align are an error that shows both.
  try {
    add(zeros({4, 3}), zeros({4}));
    return 1;
  } catch (const ShapeError& e) {
    std::cout << e.what() << "\n";  // add: shapes (4, 3) and (4,) cannot be broadcast (dimension 1: 3 vs 4)
  }
  std::cout << table << "\n";
}
