// creation.cpp: the creation functions (zeros, ones, full, arange, linspace, eye, from_vector,
// tensor).
#include "tensor/tensor.hpp"

#include <algorithm>
#include <cmath>

#include "tensor/kernels.hpp"

namespace ag {

Tensor empty(const Shape& shape, DType dtype) { return Tensor(shape, dtype); }
Tensor zeros(const Shape& shape, DType dtype) { return Tensor(shape, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t(shape, dtype);
  if (value != 0) t.fill_(value);
  return t;
}
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype()); }
Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }

Tensor arange(double start, double end, double step, DType dtype) {
  if (step == 0) fail<ValueError>("arange: step must be nonzero");
  double count = std::ceil((end - start) / step);
  if (!std::isfinite(count)) fail<ValueError>("arange: non-finite range ", start, " to ", end);
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  Tensor t({n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, DType dtype) {
  if (steps < 0) fail<ValueError>("linspace: steps must be >= 0, got ", steps);
  Tensor t({steps}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
    // Like torch: the first half counts up from start, the second half down from end, so both
    // ends are exact.
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<T>(i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i));
  });
  return t;
}

Tensor eye(int64_t n, DType dtype) {
  if (n < 0) fail<ValueError>("eye: n must be >= 0, got ", n);
  Tensor t({n, n}, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) p[i * n + i] = T(1);
  });
  return t;
}

template <class T>
Tensor from_vector(const std::vector<T>& values, Shape shape) {
  if (shape.empty()) shape = {static_cast<int64_t>(values.size())};  // 0-d tensors: scalar_tensor()
  if (shape_numel(shape) != static_cast<int64_t>(values.size()))
    fail<ShapeError>("from_vector: ", values.size(), " values do not fill shape ", shape_str(shape));
  Tensor t(shape, dtype_of<T>());
  std::copy(values.begin(), values.end(), t.data_ptr<T>());
  return t;
}
template Tensor from_vector<float>(const std::vector<float>&, Shape);
template Tensor from_vector<double>(const std::vector<double>&, Shape);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, Shape);

Tensor tensor(std::initializer_list<double> values, Shape shape, DType dtype) {
  return from_vector(std::vector<double>(values), std::move(shape)).to(dtype);
}

}  // namespace ag
