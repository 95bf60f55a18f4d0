// tensor.cpp: the Tensor class's basics (construction, element access) and its copies and in-place
// updates. Storage is in storage.cpp, views in views.cpp, creation functions in creation.cpp.
#include "tensor/tensor.hpp"

#include <array>

#include "tensor/kernels.hpp"

namespace ag {

Tensor::Tensor(const Shape& shape, DType dtype)
    : storage_(std::make_shared<Storage>(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype))),
      shape_(shape),
      strides_(contiguous_strides(shape)),
      dtype_(dtype) {}

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype)
    : storage_(std::move(storage)), shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset), dtype_(dtype) {}

Tensor Tensor::uninitialized(const Shape& shape, DType dtype) {
  return Tensor(std::make_shared<Storage>(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype), /*zero=*/false), shape,
                contiguous_strides(shape), 0, dtype);
}

int64_t Tensor::size(int64_t d) const { return shape_[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides_[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (shape_[d] == 1) continue;
    if (strides_[d] != expected) return false;
    expected *= shape_[d];
  }
  return true;
}

template <class T>
T* Tensor::data_ptr() const {
  check_defined(*this, "data_ptr");
  if (dtype_of<T>() != dtype_)
    fail<TypeError>("data_ptr: tensor is ", dtype_name(dtype_), ", requested ", dtype_name(dtype_of<T>()));
  return static_cast<T*>(storage_->data()) + offset_;
}
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template int64_t* Tensor::data_ptr<int64_t>() const;

template <class T>
T Tensor::item() const {
  check_defined(*this, "item");
  if (numel() != 1) fail<ValueError>("item: expected a one-element tensor, got shape ", shape_str(shape_));
  return dispatch(dtype_, [&](auto tag) { return static_cast<T>(*data_ptr<decltype(tag)>()); });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;

double Tensor::at(const std::vector<int64_t>& index) const {
  check_defined(*this, "at");
  if (static_cast<int64_t>(index.size()) != dim())
    fail<IndexError>("at: index has ", index.size(), " entries for a ", dim(), "-d tensor");
  int64_t off = 0;
  for (int64_t d = 0; d < dim(); ++d) {
    int64_t i = index[d] < 0 ? index[d] + shape_[d] : index[d];
    if (i < 0 || i >= shape_[d]) fail<IndexError>("at: index ", index[d], " out of range for dimension ", d, " of size ", shape_[d]);
    off += i * strides_[d];
  }
  return dispatch(dtype_, [&](auto tag) { return static_cast<double>(data_ptr<decltype(tag)>()[off]); });
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  check_defined(*this, "to_vector");
  Tensor c = to(dtype_of<T>()).contiguous();
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

// ---------------------------------------------------------------------------------------------
// Copies
// ---------------------------------------------------------------------------------------------

Tensor Tensor::contiguous() const {
  check_defined(*this, "contiguous");
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  check_defined(*this, "clone");
  Tensor out = uninitialized(shape_, dtype_);
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  check_defined(*this, "to");
  if (dtype == dtype_) return *this;
  Tensor out = uninitialized(shape_, dtype);
  out.copy_(*this);
  return out;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_defined(*this, "copy_");
  check_defined(src, "copy_");
  Shape b = broadcast_shapes(src.shape(), shape_, "copy_");
  if (b != shape_) fail<ShapeError>("copy_: source ", shape_str(src.shape()), " cannot be broadcast to ", shape_str(shape_));
  Tensor s = src;
  if (storage_ == src.storage_) s = src.clone();  // overlapping source and destination
  dispatch(dtype_, [&](auto dtag) {
    using D = decltype(dtag);
    dispatch(s.dtype(), [&](auto stag) {
      using S = decltype(stag);
      std::array<Shape, 2> strides{strides_, kernels::broadcast_strides(s, shape_)};
      D* dst = data_ptr<D>();
      const S* sp = s.data_ptr<S>();
      kernels::for_each_fast<2>(shape_, strides, [&](int64_t n, const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st) {
        for (int64_t i = 0; i < n; ++i) dst[off[0] + i * st[0]] = static_cast<D>(sp[off[1] + i * st[1]]);
      });
    });
  });
  return *this;
}

namespace {
// Applies `f(element, value)` in place to every element of t (any strides), value cast to t's type:
// the one loop behind fill_ and mul_.
template <class F>
void update_each(Tensor& t, double value, F f) {
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = static_cast<T>(value);
    T* dst = t.data_ptr<T>();
    std::array<Shape, 1> strides{t.strides()};
    kernels::for_each_fast<1>(t.shape(), strides, [&](int64_t n, const std::array<int64_t, 1>& off, const std::array<int64_t, 1>& st) {
      for (int64_t i = 0; i < n; ++i) f(dst[off[0] + i * st[0]], v);
    });
  });
}
}  // namespace

Tensor& Tensor::fill_(double value) {
  check_defined(*this, "fill_");
  update_each(*this, value, [](auto& x, auto v) { x = v; });
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_defined(*this, "add_");
  check_defined(other, "add_");
  Shape b = broadcast_shapes(other.shape(), shape_, "add_");
  if (b != shape_) fail<ShapeError>("add_: ", shape_str(other.shape()), " cannot be broadcast to ", shape_str(shape_));
  Tensor o = other.to(dtype_);
  if (storage_ == o.storage_) o = o.clone();
  dispatch(dtype_, [&](auto tag) {
    using T = decltype(tag);
    T a = static_cast<T>(alpha);
    T* dst = data_ptr<T>();
    const T* src = o.data_ptr<T>();
    std::array<Shape, 2> strides{strides_, kernels::broadcast_strides(o, shape_)};
    kernels::for_each_fast<2>(shape_, strides, [&](int64_t n, const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st) {
      for (int64_t i = 0; i < n; ++i) dst[off[0] + i * st[0]] += a * src[off[1] + i * st[1]];
    });
  });
  return *this;
}

Tensor& Tensor::mul_(double value) {
  check_defined(*this, "mul_");
  update_each(*this, value, [](auto& x, auto v) { x *= v; });
  return *this;
}

}  // namespace ag
