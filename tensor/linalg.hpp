// linalg.hpp: matrix products through BLAS (cblas_sgemm for float32, cblas_dgemm for float64).
//
// matmul follows torch.matmul:
//   (n) @ (n)          -> ()          dot product
//   (m, n) @ (n)       -> (m)
//   (n) @ (n, p)       -> (p)
//   (m, n) @ (n, p)    -> (m, p)
//   (..., m, n) @ (..., n, p) -> (..., m, p)   batch dims broadcast
// A transposed view (strides (1, ld)) goes to BLAS as a transposed operand without a copy; any
// other non-contiguous layout is copied once. int64 matmul uses a plain loop.
#pragma once

#include "tensor/tensor.hpp"

namespace ag {

Tensor matmul(const Tensor& a, const Tensor& b);

// The plain triple-loop product of two 2-d tensors, the reference that tests compare BLAS with.
Tensor matmul_reference(const Tensor& a, const Tensor& b);

// The one BLAS wrapper: c (m, n) = alpha op(a) op(b) + beta c for row-major matrices, op(a) (m, k)
// being a or its transpose (trans_a), likewise b. matmul and the convolution kernels (tensor/conv/)
// call it.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

}  // namespace ag
