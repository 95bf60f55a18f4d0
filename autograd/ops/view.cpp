// view.cpp: shape ops. Forward results are views of the input (no copy); each backward puts the
// gradient back into the input's shape:
//   reshape/view/flatten/squeeze/unsqueeze   da = g.reshape(a.shape)
//   transpose(d0, d1)                         da = g.transpose(d0, d1)
//   permute(p)                                da = g.permute(inverse of p)
//   narrow/slice/select                       da = zeros(a.shape) with g written into the picked part
//   expand                                    da = sum_to(g, a.shape)
//   contiguous                                da = g
#include "autograd/ops.hpp"
#include "tensor/reduce.hpp"

namespace ag {

namespace {
Variable reshaped(const char* name, const Variable& a, Tensor out) {
  return record(name, std::move(out), {a}, [sa = a.shape()](const Tensor& g) { return TensorList{g.reshape(sa)}; });
}

// Backward of an op that picks part of `a`: zeros everywhere else.
template <class Pick>
Variable picked(const char* name, const Variable& a, Pick pick) {
  return record(name, pick(a.data()), {a}, [pick, sa = a.shape(), dt = a.dtype()](const Tensor& g) {
    Tensor ga = zeros(sa, dt);
    pick(ga).copy_(g);
    return TensorList{ga};
  });
}
}  // namespace

Variable reshape(const Variable& a, const Shape& shape) { return reshaped("reshape", a, a.data().reshape(shape)); }
Variable view(const Variable& a, const Shape& shape) { return reshaped("view", a, a.data().view(shape)); }
Variable squeeze(const Variable& a) { return reshaped("squeeze", a, a.data().squeeze()); }
Variable squeeze(const Variable& a, int64_t dim) { return reshaped("squeeze", a, a.data().squeeze(dim)); }
Variable unsqueeze(const Variable& a, int64_t dim) { return reshaped("unsqueeze", a, a.data().unsqueeze(dim)); }
Variable flatten(const Variable& a, int64_t s, int64_t e) { return reshaped("flatten", a, a.data().flatten(s, e)); }

Variable contiguous(const Variable& a) {
  return record("contiguous", a.data().contiguous(), {a}, [](const Tensor& g) { return TensorList{g}; });
}

Variable transpose(const Variable& a, int64_t d0, int64_t d1) {
  return record("transpose", a.data().transpose(d0, d1), {a}, [d0, d1](const Tensor& g) { return TensorList{g.transpose(d0, d1)}; });
}

Variable permute(const Variable& a, const std::vector<int64_t>& dims) {
  Tensor out = a.data().permute(dims);
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[wrap_dim(dims[i], a.dim(), "permute")] = static_cast<int64_t>(i);
  return record("permute", out, {a}, [inverse](const Tensor& g) { return TensorList{g.permute(inverse)}; });
}

Variable narrow(const Variable& a, int64_t dim, int64_t start, int64_t length) {
  a.data().narrow(dim, start, length);  // validate once, with narrow's own error message
  return picked("narrow", a, [=](const Tensor& t) { return t.narrow(dim, start, length); });
}

Variable slice(const Variable& a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  a.data().slice(dim, start, end, step);
  return picked("slice", a, [=](const Tensor& t) { return t.slice(dim, start, end, step); });
}

Variable select(const Variable& a, int64_t dim, int64_t index) {
  a.data().select(dim, index);
  return picked("select", a, [=](const Tensor& t) { return t.select(dim, index); });
}

Variable expand(const Variable& a, const Shape& shape) {
  return record("expand", a.data().expand(shape), {a}, [sa = a.shape()](const Tensor& g) { return TensorList{sum_to(g, sa)}; });
}

}  // namespace ag
