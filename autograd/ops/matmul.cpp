// matmul.cpp: the matrix product (torch.matmul semantics, see tensor/linalg.hpp).
//
// For a (..., m, n), b (..., n, p), out (..., m, p) and its gradient g (..., m, p):
//   da = g @ b^T    (..., m, n)    summed over the batch dims a was broadcast along
//   db = a^T @ g    (..., n, p)    likewise for b
// Derivation: out_ij = sum_k a_ik b_kj, so d out_ij / d a_ik = b_kj and
// dL/da_ik = sum_j g_ij b_kj = (g b^T)_ik; symmetrically dL/db_kj = sum_i a_ik g_ij = (a^T g)_kj.
// 1-d operands are handled by composition: unsqueeze to a matrix, multiply, squeeze.
#include "autograd/ops.hpp"
#include "tensor/linalg.hpp"
#include "tensor/reduce.hpp"

namespace ag {

Variable matmul(const Variable& a, const Variable& b) {
  if (a.dim() == 0 || b.dim() == 0)
    fail<ShapeError>("matmul: both arguments need at least 1 dimension, got ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  if (a.dim() == 1 && b.dim() == 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), {});
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  Tensor keep_a = need_b ? a.data() : Tensor(), keep_b = need_a ? b.data() : Tensor();
  return record("matmul", matmul(a.data(), b.data()), {a, b},
                [keep_a, keep_b, sa = a.shape(), sb = b.shape()](const Tensor& g) {
                  Tensor ga, gb;
                  if (keep_b.defined()) ga = sum_to(matmul(g, keep_b.transpose(-1, -2)), sa);
                  if (keep_a.defined()) gb = sum_to(matmul(keep_a.transpose(-1, -2), g), sb);
                  return TensorList{ga, gb};
                });
}

}  // namespace ag
