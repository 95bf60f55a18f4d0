// reduce.hpp: reductions over any set of dimensions, with keepdim, like torch.sum(x, dims, keepdim).
//
// An empty `dims` list means "all dimensions" and gives a 0-d tensor. float32 sums accumulate in
// double (cheap, and it keeps batch-norm statistics of 10^6 elements accurate). Results are new
// contiguous tensors. Sum of int64 stays int64; mean/var/logsumexp of int64 are float32.
#pragma once

#include <utility>

#include "tensor/tensor.hpp"

namespace ag {

using Dims = std::vector<int64_t>;

Tensor sum(const Tensor& a, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& a, const Dims& dims = {}, bool keepdim = false);
// Variance; unbiased divides by N - 1 (torch's default), biased by N.
Tensor var(const Tensor& a, const Dims& dims = {}, bool unbiased = true, bool keepdim = false);
// log(sum(exp(a))) over dims, computed as m + log(sum(exp(a - m))) with m the max (no overflow).
Tensor logsumexp(const Tensor& a, const Dims& dims, bool keepdim = false);
// Largest / smallest element over dims (no indices), like torch.amax / torch.amin.
Tensor amax(const Tensor& a, const Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& a, const Dims& dims = {}, bool keepdim = false);

// Max / min along one dimension with the index of the first extreme element (int64), like
// torch.max(x, dim). NaN counts as the extreme, as in torch.
struct ValuesIndices {
  Tensor values;
  Tensor indices;
};
ValuesIndices max(const Tensor& a, int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& a, int64_t dim, bool keepdim = false);
// Index of the largest element along dim (int64); without dim, into the flattened tensor (0-d).
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& a);
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim = false);

// The shape a reduction over `dims` produces (sorted, wrapped, deduplicated dims).
Shape reduced_shape(const Shape& shape, const Dims& dims, bool keepdim, const char* op);
// Sums `grad` down to `shape`, the inverse of broadcasting `shape` up to grad.shape(). Used by
// every broadcasting op's backward: the gradient of a stretched operand is the sum over the
// positions it was stretched to.
Tensor sum_to(const Tensor& grad, const Shape& shape);

}  // namespace ag
