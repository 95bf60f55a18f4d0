// docs/examples/ch2_strides.cpp
#include <iostream>

#include "check.hpp"
#include "tensor/io.hpp"
#include "tensor/tensor.hpp"

using namespace ag;

int main() {
  Tensor a = arange(12).reshape({3, 4});
  // Row-major: one step along dim 0 skips a whole row of 4 elements.
  CHECK(a.strides() == Shape({4, 1}));

  // transpose swaps shape and strides; no element moves.
  Tensor t = a.t();
  CHECK(t.shape() == Shape({4, 3}));
  CHECK(t.strides() == Shape({1, 4}));
  CHECK(t.shares_storage(a));
  CHECK(!t.is_contiguous());
  CHECK(t.at({3, 1}) == a.at({1, 3}));

  // narrow moves the offset; select drops a dimension; both are views.
  Tensor middle = a.narrow(1, 1, 2);               // columns 1 and 2
  CHECK(middle.offset() == 1 && middle.strides() == Shape({4, 1}));
  Tensor row = a.select(0, 2);                     // the last row
  row.fill_(-1);                                   // writes through to a
  CHECK(a.at({2, 0}) == -1);

  // expand makes stride-0 dimensions: 3 x 4 "copies" of one column, zero bytes allocated.
  Tensor col = arange(3).reshape({3, 1});
  Tensor wide = col.expand({3, 4});
  CHECK(wide.strides() == Shape({1, 0}));

  // contiguous() copies only when needed.
  CHECK(a.contiguous().shares_storage(a));
  CHECK(!t.contiguous().shares_storage(a));
  std::cout << "a =\n" << a << "\nt =\n" << t << "\n";
}
