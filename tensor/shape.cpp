// shape.cpp: shape arithmetic (numel, contiguous strides, dim wrapping, broadcasting) and the
// broadcast strides the kernels' loops use.
#include "tensor/tensor.hpp"

#include <algorithm>

#include "tensor/kernels.hpp"

namespace ag {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) fail<ValueError>("shape ", shape_str(shape), " has a negative size");
    if (__builtin_mul_overflow(n, s, &n)) fail<ValueError>("shape ", shape_str(shape), " has more than 2^63 elements");
  }
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    strides[d] = s;
    s *= std::max<int64_t>(shape[d], 1);
  }
  return strides;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1, like torch
  if (dim < -n || dim >= n)
    fail<IndexError>(op, ": dimension ", dim, " is out of range for a ", ndim, "-d tensor (expected ", -n, " to ", n - 1, ")");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail<ShapeError>(op, ": shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast (dimension ", i,
                       ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void check_defined(const Tensor& t, const char* op) {
  if (!t.defined()) fail<ValueError>(op, ": tensor is undefined (default-constructed)");
}

// ---------------------------------------------------------------------------------------------
// Loop helpers shared with the kernels
// ---------------------------------------------------------------------------------------------

namespace kernels {
Shape broadcast_strides(const Tensor& t, const Shape& shape) {
  Shape st(shape.size(), 0);
  size_t lead = shape.size() - t.shape().size();
  for (size_t i = 0; i < t.shape().size(); ++i)
    st[lead + i] = (t.shape()[i] == 1 && shape[lead + i] != 1) ? 0 : t.strides()[i];
  return st;
}
}  // namespace kernels

}  // namespace ag
