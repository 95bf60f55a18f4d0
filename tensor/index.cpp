// index.cpp: concat / stack (copies into narrowed views of the result), and gather / scatter_add /
// index_select (moving elements by an int64 index tensor).
#include "tensor/index.hpp"

#include "tensor/kernels.hpp"

namespace ag {

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) fail<ValueError>("concat: expected at least one tensor");
  for (const Tensor& t : tensors) check_defined(t, "concat");
  const Tensor& first = tensors[0];
  if (first.dim() == 0) fail<ShapeError>("concat: zero-dimensional tensors cannot be concatenated (use stack)");
  int64_t d = wrap_dim(dim, first.dim(), "concat");
  Shape shape = first.shape();
  DType dt = first.dtype();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() != first.dim())
      fail<ShapeError>("concat: tensor ", i, " has shape ", shape_str(t.shape()), ", tensor 0 has ", shape_str(first.shape()),
                       " (same number of dimensions expected)");
    for (int64_t k = 0; k < t.dim(); ++k)
      if (k != d && t.size(k) != first.size(k))
        fail<ShapeError>("concat: tensor ", i, " has shape ", shape_str(t.shape()), ", tensor 0 has ", shape_str(first.shape()),
                         " (sizes must match except in dimension ", d, ")");
    total += t.size(d);
    dt = promote(dt, t.dtype());
  }
  shape[d] = total;
  Tensor out(shape, dt);
  int64_t at = 0;
  for (const Tensor& t : tensors) {
    out.narrow(d, at, t.size(d)).copy_(t);
    at += t.size(d);
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) fail<ValueError>("stack: expected at least one tensor");
  for (size_t i = 0; i < tensors.size(); ++i) {
    check_defined(tensors[i], "stack");
    if (tensors[i].shape() != tensors[0].shape())
      fail<ShapeError>("stack: tensor ", i, " has shape ", shape_str(tensors[i].shape()), ", tensor 0 has ",
                       shape_str(tensors[0].shape()), " (all shapes must be equal)");
  }
  int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (const Tensor& t : tensors) expanded.push_back(t.unsqueeze(d));
  return concat(expanded, d);
}

namespace {
void check_index(const Tensor& a, int64_t d, const Tensor& index, const char* op) {
  check_defined(a, op);
  check_defined(index, op);
  if (index.dtype() != DType::Int64) fail<TypeError>(op, ": index must be int64, got ", dtype_name(index.dtype()));
  if (index.dim() != a.dim())
    fail<ShapeError>(op, ": index ", shape_str(index.shape()), " must have as many dimensions as the input ", shape_str(a.shape()));
  for (int64_t k = 0; k < a.dim(); ++k)
    if (k != d && index.size(k) > a.size(k))
      fail<ShapeError>(op, ": index ", shape_str(index.shape()), " is larger than input ", shape_str(a.shape()), " in dimension ", k);
}

// Visits every position of `index` (shape of index) with the offsets into index, a (at the same
// position except along d) and an extra tensor laid out like index.
template <class F>
void for_each_index_pos(const Tensor& a, int64_t d, const Tensor& index, const Tensor& other, F f) {
  Shape a_strides = a.strides();
  a_strides[d] = 0;  // dim d is addressed by the index value
  std::array<Shape, 3> strides{index.strides(), a_strides, other.defined() ? other.strides() : Shape(index.dim(), 0)};
  kernels::for_each_reference<3>(index.shape(), strides, f);
}
}  // namespace

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  int64_t d = wrap_dim(dim, a.dim(), "gather");
  check_index(a, d, index, "gather");
  Tensor out = Tensor::uninitialized(index.shape(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = a.data_ptr<T>();
    const int64_t* idx = index.data_ptr<int64_t>();
    T* dst = out.data_ptr<T>();
    for_each_index_pos(a, d, index, out, [&](const std::array<int64_t, 3>& off) {
      int64_t i = idx[off[0]];
      if (i < 0 || i >= a.size(d)) fail<IndexError>("gather: index ", i, " is out of range for dimension ", d, " of size ", a.size(d));
      dst[off[2]] = src[off[1] + i * a.stride(d)];
    });
  });
  return out;
}

Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  int64_t d = wrap_dim(dim, a.dim(), "scatter_add");
  check_index(a, d, index, "scatter_add");
  check_defined(src, "scatter_add");
  if (src.shape() != index.shape())
    fail<ShapeError>("scatter_add: src ", shape_str(src.shape()), " must have the index's shape ", shape_str(index.shape()));
  Tensor out = a.clone();
  Tensor s = src.to(a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* sp = s.data_ptr<T>();
    const int64_t* idx = index.data_ptr<int64_t>();
    T* dst = out.data_ptr<T>();
    for_each_index_pos(out, d, index, s, [&](const std::array<int64_t, 3>& off) {
      int64_t i = idx[off[0]];
      if (i < 0 || i >= a.size(d)) fail<IndexError>("scatter_add: index ", i, " is out of range for dimension ", d, " of size ", a.size(d));
      dst[off[1] + i * out.stride(d)] += sp[off[2]];
    });
  });
  return out;
}

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  check_defined(a, "index_select");
  check_defined(index, "index_select");
  int64_t d = wrap_dim(dim, a.dim(), "index_select");
  if (index.dtype() != DType::Int64 || index.dim() != 1)
    fail<TypeError>("index_select: index must be a 1-d int64 tensor, got ", dtype_name(index.dtype()), " ", shape_str(index.shape()));
  Shape shape = a.shape();
  shape[d] = index.size(0);
  Tensor out(shape, a.dtype());
  Tensor idx = index.contiguous();
  const int64_t* ip = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < index.size(0); ++i) {
    if (ip[i] < 0 || ip[i] >= a.size(d))
      fail<IndexError>("index_select: index ", ip[i], " is out of range for dimension ", d, " of size ", a.size(d));
    out.select(d, i).copy_(a.select(d, ip[i]));
  }
  return out;
}

Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype) {
  check_defined(labels, "one_hot");
  if (labels.dtype() != DType::Int64) fail<TypeError>("one_hot: labels must be int64, got ", dtype_name(labels.dtype()));
  if (num_classes <= 0) fail<ValueError>("one_hot: num_classes must be positive, got ", num_classes);
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  Tensor out(shape, dtype);
  std::vector<int64_t> l = labels.to_vector<int64_t>();
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data_ptr<T>();
    for (size_t i = 0; i < l.size(); ++i) {
      if (l[i] < 0 || l[i] >= num_classes)
        fail<IndexError>("one_hot: label ", l[i], " at position ", i, " is outside [0, ", num_classes, ")");
      p[i * num_classes + l[i]] = T(1);
    }
  });
  return out;
}

}  // namespace ag
