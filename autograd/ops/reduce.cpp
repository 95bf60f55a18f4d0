// reduce.cpp: differentiable reductions.
//
// Let K be a's shape with the reduced dims set to 1 (keepdim's shape); g_K is the incoming
// gradient viewed in K, so it broadcasts back against a.
//   sum        da = expand(g_K, a.shape)
//   mean       da = expand(g_K, a.shape) / n          (n = elements per reduced group)
//   logsumexp  da = g_K * exp(a - out_K)              (= g times the softmax of a)
//   max(dim)   da = g_K scattered to the arg-max index (zero elsewhere)
//   amax       da = g_K * [a == out_K] / count        (ties share the gradient, as torch)
//   var        composite: mean((a - mean(a))^2) * n / (n - 1); no backward of its own
#include "autograd/ops.hpp"
#include "tensor/elementwise.hpp"
#include "tensor/index.hpp"
#include "tensor/reduce.hpp"

namespace ag {

namespace {
Shape keep_shape(const Shape& shape, const Dims& dims, const char* op) { return reduced_shape(shape, dims, true, op); }
}  // namespace

Variable sum(const Variable& a, const Dims& dims, bool keepdim) {
  Shape k = keep_shape(a.shape(), dims, "sum");
  return record("sum", sum(a.data(), dims, keepdim), {a}, [k, sa = a.shape()](const Tensor& g) {
    return TensorList{g.reshape(k).expand(sa)};
  });
}

Variable mean(const Variable& a, const Dims& dims, bool keepdim) {
  Shape k = keep_shape(a.shape(), dims, "mean");
  double n = static_cast<double>(a.numel()) / static_cast<double>(std::max<int64_t>(1, shape_numel(k)));
  return record("mean", mean(a.data(), dims, keepdim), {a}, [k, n, sa = a.shape()](const Tensor& g) {
    return TensorList{div(g.reshape(k), n).expand(sa)};
  });
}

Variable var(const Variable& a, const Dims& dims, bool unbiased, bool keepdim) {
  Shape k = keep_shape(a.shape(), dims, "var");
  int64_t n = a.numel() / std::max<int64_t>(1, shape_numel(k));
  Variable d = sub(a, mean(a, dims, true));
  return div(sum(mul(d, d), dims, keepdim), static_cast<double>(n - (unbiased ? 1 : 0)));
}

Variable logsumexp(const Variable& a, const Dims& dims, bool keepdim) {
  Shape k = keep_shape(a.shape(), dims, "logsumexp");
  Tensor out = logsumexp(a.data(), dims, keepdim);
  return record("logsumexp", out, {a}, [k, ad = a.data(), out](const Tensor& g) {
    return TensorList{mul(g.reshape(k), exp(sub(ad, out.reshape(k))))};
  });
}

namespace {
VariableIndices arg_extreme(const char* name, const Variable& a, int64_t dim, bool keepdim, bool is_max) {
  ValuesIndices r = is_max ? max(a.data(), dim, keepdim) : min(a.data(), dim, keepdim);
  int64_t d = wrap_dim(dim, a.dim(), name);
  Shape k = keep_shape(a.shape(), a.dim() ? Dims{d} : Dims{}, name);
  Tensor idx = r.indices.reshape(k);
  Variable v = record(name, r.values, {a}, [k, d, idx, sa = a.shape(), dt = a.dtype()](const Tensor& g) {
    if (sa.empty()) return TensorList{g.reshape(sa)};
    return TensorList{scatter_add(zeros(sa, dt), d, idx, g.reshape(k).contiguous())};
  });
  return {v, r.indices};
}

Variable all_extreme(const char* name, const Variable& a, const Dims& dims, bool keepdim, bool is_max) {
  Shape k = keep_shape(a.shape(), dims, name);
  Tensor out = is_max ? amax(a.data(), dims, keepdim) : amin(a.data(), dims, keepdim);
  return record(name, out, {a}, [k, dims, ad = a.data(), out](const Tensor& g) {
    Tensor hit = eq(ad, out.reshape(k));
    Tensor count = sum(hit, dims, true);
    return TensorList{mul(div(g.reshape(k), count), hit)};
  });
}
}  // namespace

VariableIndices max(const Variable& a, int64_t dim, bool keepdim) { return arg_extreme("max", a, dim, keepdim, true); }
VariableIndices min(const Variable& a, int64_t dim, bool keepdim) { return arg_extreme("min", a, dim, keepdim, false); }
Variable amax(const Variable& a, const Dims& dims, bool keepdim) { return all_extreme("amax", a, dims, keepdim, true); }
Variable amin(const Variable& a, const Dims& dims, bool keepdim) { return all_extreme("amin", a, dims, keepdim, false); }

}  // namespace ag
