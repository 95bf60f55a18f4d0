// index.hpp: joining tensors and moving elements by index.
#pragma once

#include <vector>

#include "tensor/tensor.hpp"

namespace ag {

// Joins tensors along an existing dim; all other sizes must match (dtypes are promoted).
Tensor concat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Joins tensors of one shape along a new dim.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// out[i][j][k] = a[i][index[i][j][k]][k] for dim = 1 (torch.gather); index is int64, same rank.
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
// Returns a copy of `a` with src added at the gathered positions: the adjoint of gather.
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
// Picks whole slices along dim: out.select(dim, i) = a.select(dim, index[i]); index is 1-d int64.
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
// A one-hot float tensor (..., num_classes) from int64 labels.
Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype = DType::Float32);

}  // namespace ag
