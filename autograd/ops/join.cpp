// join.cpp: concat, stack, gather and index_select.
//   concat(xs, d)          dx_i = g.narrow(d, offset_i, size_i)
//   stack(xs, d)           dx_i = g.select(d, i)
//   gather(a, d, index)    da = scatter_add(zeros(a.shape), d, index, g)   (the adjoint of gather)
//   index_select(a, d, i)  da = zeros(a.shape), then da.select(d, i[k]) += g.select(d, k)
#include "autograd/ops.hpp"
#include "tensor/index.hpp"

namespace ag {

Variable concat(const std::vector<Variable>& xs, int64_t dim) {
  std::vector<Tensor> data;
  for (const Variable& x : xs) data.push_back(x.data());
  Tensor out = concat(data, dim);
  int64_t d = wrap_dim(dim, out.dim(), "concat");
  std::vector<int64_t> sizes;
  for (const Tensor& t : data) sizes.push_back(t.size(d));
  return record("concat", out, xs, [d, sizes](const Tensor& g) {
    TensorList grads;
    int64_t at = 0;
    for (int64_t s : sizes) {
      grads.push_back(g.narrow(d, at, s));
      at += s;
    }
    return grads;
  });
}

Variable stack(const std::vector<Variable>& xs, int64_t dim) {
  std::vector<Tensor> data;
  for (const Variable& x : xs) data.push_back(x.data());
  Tensor out = stack(data, dim);
  int64_t d = wrap_dim(dim, out.dim(), "stack");
  return record("stack", out, xs, [d, n = xs.size()](const Tensor& g) {
    TensorList grads;
    for (size_t i = 0; i < n; ++i) grads.push_back(g.select(d, static_cast<int64_t>(i)));
    return grads;
  });
}

Variable gather(const Variable& a, int64_t dim, const Tensor& index) {
  return record("gather", gather(a.data(), dim, index), {a}, [dim, index, sa = a.shape(), dt = a.dtype()](const Tensor& g) {
    return TensorList{scatter_add(zeros(sa, dt), dim, index, g)};
  });
}

Variable index_select(const Variable& a, int64_t dim, const Tensor& index) {
  Tensor out = index_select(a.data(), dim, index);
  int64_t d = wrap_dim(dim, a.dim(), "index_select");
  return record("index_select", out, {a}, [d, index, sa = a.shape(), dt = a.dtype()](const Tensor& g) {
    Tensor ga = zeros(sa, dt);
    std::vector<int64_t> idx = index.to_vector<int64_t>();
    for (size_t k = 0; k < idx.size(); ++k) ga.select(d, idx[k]).add_(g.select(d, static_cast<int64_t>(k)));
    return TensorList{ga};
  });
}

}  // namespace ag
