// softmax.cpp: softmax and log-softmax along one dimension, fused for numerical stability.
//
// Shapes: x (any, n along dim) -> y (same). View x as (outer, n, inner) around dim; each of the
// outer x inner rows of n values is normalised on its own. With m = max of the row,
//   log_softmax(x)_i = x_i - m - log(sum_j e^(x_j - m))      (never overflows: every e^ <= 1)
//   softmax(x)_i     = e^(x_i - m) / sum_j e^(x_j - m)
//
// Backward, with g = dL/dy per row (dy_i/dx_j from the formulas above):
//   softmax:      dL/dx = y (g - sum_j g_j y_j)
//   log_softmax:  dL/dx = g - softmax(x) sum_j g_j = g - e^y sum_j g_j
// Both save only the output y. (A composite of exp, sum and div would overflow for logits > 88 in
// float32 and store three tensors.)
#include <cmath>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "tensor/parallel.hpp"

namespace ag {
namespace {

struct RowGeom {
  int64_t outer, n, inner;
};

RowGeom row_geom(const Shape& shape, int64_t dim) {
  RowGeom r{1, shape.empty() ? 1 : shape[size_t(dim)], 1};
  for (int64_t d = 0; d < dim; ++d) r.outer *= shape[size_t(d)];
  for (size_t d = size_t(dim) + 1; d < shape.size(); ++d) r.inner *= shape[d];
  return r;
}

template <class T>
void softmax_forward(const T* x, T* y, const RowGeom& r, bool log) {
  // Why parallel over rows: each row (outer, inner) is normalised independently.
#pragma omp parallel for schedule(static) if (r.outer * r.n * r.inner >= kParallelGrain / 4)
  for (int64_t row = 0; row < r.outer * r.inner; ++row) {
    const int64_t o = row / r.inner, i = row % r.inner;
    const T* xr = x + o * r.n * r.inner + i;
    T* yr = y + o * r.n * r.inner + i;
    T m = xr[0];
    for (int64_t j = 1; j < r.n; ++j) m = std::max(m, xr[j * r.inner]);
    double s = 0;
    for (int64_t j = 0; j < r.n; ++j) s += std::exp(double(xr[j * r.inner] - m));
    if (log) {
      // (x - m) - log s, not x - (m + log s): x - m is exact for nearby values, while m + log s
      // would round to the spacing of m (6e-5 at m = 1000 in float32).
      const T log_s = T(std::log(s));
      for (int64_t j = 0; j < r.n; ++j) yr[j * r.inner] = (xr[j * r.inner] - m) - log_s;
    } else {
      for (int64_t j = 0; j < r.n; ++j) yr[j * r.inner] = T(std::exp(double(xr[j * r.inner] - m)) / s);
    }
  }
}

template <class T>
void softmax_backward(const T* g, const T* y, T* dx, const RowGeom& r, bool log) {
  // Why parallel over rows: as in the forward.
#pragma omp parallel for schedule(static) if (r.outer * r.n * r.inner >= kParallelGrain / 4)
  for (int64_t row = 0; row < r.outer * r.inner; ++row) {
    const int64_t base = (row / r.inner) * r.n * r.inner + row % r.inner;
    double s = 0;
    for (int64_t j = 0; j < r.n; ++j) {
      const int64_t k = base + j * r.inner;
      s += log ? double(g[k]) : double(g[k]) * double(y[k]);
    }
    for (int64_t j = 0; j < r.n; ++j) {
      const int64_t k = base + j * r.inner;
      dx[k] = log ? T(double(g[k]) - std::exp(double(y[k])) * s) : T(double(y[k]) * (double(g[k]) - s));
    }
  }
}

Variable softmax_impl(const char* name, const Variable& input, int64_t dim, bool log) {
  check_defined(input.data(), name);
  const Tensor x = input.data().contiguous();
  if (!is_floating(x.dtype())) fail<TypeError>(name, ": expected a float32 or float64 tensor, got ", dtype_name(x.dtype()));
  const int64_t d = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), name);
  const RowGeom r = row_geom(x.shape(), d);
  Tensor y = Tensor::uninitialized(x.shape(), x.dtype());  // every element written below
  if (x.numel() > 0)
    dispatch_floating(x.dtype(), name, [&](auto tag) {
      using T = decltype(tag);
      softmax_forward<T>(x.data_ptr<T>(), y.data_ptr<T>(), r, log);
    });
  return record(name, y, {input}, [y, r, log, name](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    Tensor dx = Tensor::uninitialized(y.shape(), y.dtype());
    if (y.numel() > 0)
      dispatch_floating(y.dtype(), name, [&](auto tag) {
        using T = decltype(tag);
        softmax_backward<T>(g.data_ptr<T>(), y.data_ptr<T>(), dx.data_ptr<T>(), r, log);
      });
    return TensorList{dx};
  });
}

}  // namespace

Variable softmax(const Variable& x, int64_t dim) { return softmax_impl("softmax", x, dim, false); }
Variable log_softmax(const Variable& x, int64_t dim) { return softmax_impl("log_softmax", x, dim, true); }

}  // namespace ag
