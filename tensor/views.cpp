// views.cpp: the Tensor methods that return a view of the same storage (view, reshape, transpose,
// permute, narrow, slice, select, expand, squeeze, unsqueeze, flatten); reshape copies only when
// no view exists.
#include "tensor/tensor.hpp"

#include <algorithm>

namespace ag {

namespace {

// Resolves one -1 in a requested shape against numel.
Shape infer_shape(Shape shape, int64_t numel, const Shape& from, const char* op) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail<ValueError>(op, ": only one dimension can be -1 in ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      fail<ValueError>(op, ": invalid size ", shape[i], " in ", shape_str(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      fail<ShapeError>(op, ": shape ", shape_str(shape), " is invalid for input of shape ", shape_str(from), " (", numel, " elements)");
    shape[infer] = numel / known;
  }
  if (shape_numel(shape) != numel)
    fail<ShapeError>(op, ": shape ", shape_str(shape), " is invalid for input of shape ", shape_str(from), " (", numel, " elements)");
  return shape;
}

// Strides for viewing (shape, strides) as new_shape without copying, if possible (the algorithm of
// PyTorch's computeStride: each run of old dimensions that is contiguous in memory may be split
// or merged freely). Returns false when the view would need a copy.
bool view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape, Shape& out) {
  out.assign(new_shape.size(), 0);
  if (shape_numel(shape) == 0) {
    out = contiguous_strides(new_shape);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  while (view_d >= 0) {  // leftover size-1 dims
    out[view_d] = 1;
    --view_d;
  }
  return true;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  check_defined(*this, "view");
  Shape s = infer_shape(shape, numel(), shape_, "view");
  Shape st;
  if (!view_strides(shape_, strides_, s, st))
    fail<ShapeError>("view: cannot view a tensor of shape ", shape_str(shape_), " and strides ", shape_str(strides_), " as ",
                     shape_str(s), " without a copy; use reshape() (which copies) or contiguous() first");
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::reshape(const Shape& shape) const {
  check_defined(*this, "reshape");
  Shape s = infer_shape(shape, numel(), shape_, "reshape");
  Shape st;
  if (view_strides(shape_, strides_, s, st)) return Tensor(storage_, s, st, offset_, dtype_);
  return clone().view(s);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  check_defined(*this, "transpose");
  d0 = wrap_dim(d0, dim(), "transpose");
  d1 = wrap_dim(d1, dim(), "transpose");
  if (dim() == 0) return *this;
  Shape s = shape_, st = strides_;
  std::swap(s[d0], s[d1]);
  std::swap(st[d0], st[d1]);
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::t() const {
  if (dim() > 2) fail<ShapeError>("t: expects a tensor with <= 2 dimensions, got shape ", shape_str(shape_));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  check_defined(*this, "permute");
  if (static_cast<int64_t>(dims.size()) != dim())
    fail<ShapeError>("permute: got ", dims.size(), " dims for a tensor of shape ", shape_str(shape_));
  Shape s(dims.size()), st(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], dim(), "permute");
    if (seen[d]) fail<ValueError>("permute: dimension ", d, " appears twice in ", shape_str(dims));
    seen[d] = true;
    s[i] = shape_[d];
    st[i] = strides_[d];
  }
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  check_defined(*this, "narrow");
  if (dim() == 0) fail<IndexError>("narrow: cannot narrow a 0-d tensor");
  d = wrap_dim(d, dim(), "narrow");
  if (start < 0) start += shape_[d];
  if (start < 0 || length < 0 || start + length > shape_[d])
    fail<IndexError>("narrow: start ", start, " + length ", length, " exceeds dimension ", d, " of size ", shape_[d], " in shape ",
                     shape_str(shape_));
  Shape s = shape_;
  s[d] = length;
  return Tensor(storage_, s, strides_, offset_ + start * strides_[d], dtype_);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  check_defined(*this, "slice");
  if (dim() == 0) fail<IndexError>("slice: cannot slice a 0-d tensor");
  d = wrap_dim(d, dim(), "slice");
  if (step <= 0) fail<ValueError>("slice: step must be positive, got ", step);
  int64_t n = shape_[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = shape_, st = strides_;
  s[d] = (end - start + step - 1) / step;
  st[d] = strides_[d] * step;
  return Tensor(storage_, s, st, offset_ + start * strides_[d], dtype_);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  check_defined(*this, "select");
  if (dim() == 0) fail<IndexError>("select: cannot select from a 0-d tensor");
  d = wrap_dim(d, dim(), "select");
  int64_t i = index < 0 ? index + shape_[d] : index;
  if (i < 0 || i >= shape_[d])
    fail<IndexError>("select: index ", index, " is out of range for dimension ", d, " of size ", shape_[d]);
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return Tensor(storage_, s, st, offset_ + i * strides_[d], dtype_);
}

Tensor Tensor::expand(const Shape& shape) const {
  check_defined(*this, "expand");
  if (shape.size() < shape_.size())
    fail<ShapeError>("expand: cannot expand ", shape_str(shape_), " to fewer dimensions ", shape_str(shape));
  size_t lead = shape.size() - shape_.size();
  Shape s(shape.size()), st(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      if (shape[i] < 0) fail<ShapeError>("expand: size -1 is not allowed for a new leading dimension in ", shape_str(shape));
      s[i] = shape[i];
      st[i] = 0;
      continue;
    }
    int64_t cur = shape_[i - lead];
    int64_t want = shape[i] == -1 ? cur : shape[i];
    if (cur == want) {
      s[i] = cur;
      st[i] = strides_[i - lead];
    } else if (cur == 1) {
      s[i] = want;
      st[i] = 0;
    } else {
      fail<ShapeError>("expand: cannot expand ", shape_str(shape_), " to ", shape_str(shape), " (dimension ", i, ": ", cur,
                       " is not 1)");
    }
  }
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::squeeze() const {
  check_defined(*this, "squeeze");
  Shape s, st;
  for (int64_t d = 0; d < dim(); ++d)
    if (shape_[d] != 1) {
      s.push_back(shape_[d]);
      st.push_back(strides_[d]);
    }
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::squeeze(int64_t d) const {
  check_defined(*this, "squeeze");
  if (dim() == 0) return *this;
  d = wrap_dim(d, dim(), "squeeze");
  if (shape_[d] != 1) return *this;
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  check_defined(*this, "unsqueeze");
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = shape_, st = strides_;
  int64_t new_stride = d < dim() ? strides_[d] * shape_[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, new_stride);
  return Tensor(storage_, s, st, offset_, dtype_);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  check_defined(*this, "flatten");
  if (dim() == 0) return reshape({1});
  start_dim = wrap_dim(start_dim, dim(), "flatten");
  end_dim = wrap_dim(end_dim, dim(), "flatten");
  if (start_dim > end_dim) fail<ValueError>("flatten: start_dim ", start_dim, " is after end_dim ", end_dim);
  Shape s(shape_.begin(), shape_.begin() + start_dim);
  int64_t n = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) n *= shape_[d];
  s.push_back(n);
  s.insert(s.end(), shape_.begin() + end_dim + 1, shape_.end());
  return reshape(s);
}

}  // namespace ag
