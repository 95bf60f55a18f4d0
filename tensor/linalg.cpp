// linalg.cpp: matmul on BLAS.
//
// BLAS multiplies row-major matrices given a pointer, a leading dimension (the row stride) and a
// "transpose" flag. A 2-d view with strides (ld, 1) is a row-major matrix; one with strides (1, ld)
// is the transpose of a row-major matrix, so `a.t()` is handed over as CblasTrans with no copy.
// Anything else (a slice with step, an expanded dim) is made contiguous once.
#include "tensor/linalg.hpp"

#include <cblas.h>

#include <algorithm>

#include "tensor/elementwise.hpp"

namespace ag {

namespace {

// How a (rows, cols) matrix view can be passed to BLAS without a copy.
struct BlasOperand {
  bool ok = false;
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int64_t ld = 0;
};

BlasOperand blas_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  if ((col_stride == 1 || cols == 1) && row_stride >= std::max<int64_t>(1, cols)) return {true, CblasNoTrans, row_stride};
  if ((row_stride == 1 || rows == 1) && col_stride >= std::max<int64_t>(1, rows)) return {true, CblasTrans, col_stride};
  return {};
}

// out (m, p) = a (m, n) @ b (n, p) for 2-d views of one floating dtype.
template <class T>
void matmul_2d(const Tensor& a, const Tensor& b, const Tensor& out) {
  int64_t m = a.size(0), n = a.size(1), p = b.size(1);
  if (m == 0 || p == 0) return;
  if (n == 0) return;  // out is already zero
  Tensor aa = a, bb = b;
  BlasOperand la = blas_layout(m, n, a.stride(0), a.stride(1));
  if (!la.ok) {
    aa = a.contiguous();
    la = {true, CblasNoTrans, std::max<int64_t>(1, n)};
  }
  BlasOperand lb = blas_layout(n, p, b.stride(0), b.stride(1));
  if (!lb.ok) {
    bb = b.contiguous();
    lb = {true, CblasNoTrans, std::max<int64_t>(1, p)};
  }
  gemm(la.trans == CblasTrans, lb.trans == CblasTrans, m, p, n, T(1), aa.data_ptr<T>(), la.ld, bb.data_ptr<T>(), lb.ld,
       T(0), out.data_ptr<T>(), out.stride(0));
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

Tensor matmul_reference(const Tensor& a, const Tensor& b) {
  check_defined(a, "matmul_reference");
  check_defined(b, "matmul_reference");
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(0))
    fail<ShapeError>("matmul_reference: expects (m, n) and (n, p), got ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  DType dt = promote(a.dtype(), b.dtype());
  Tensor out({a.size(0), b.size(1)}, dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    Tensor ac = a.to(dt), bc = b.to(dt);
    const T* pa = ac.data_ptr<T>();
    const T* pb = bc.data_ptr<T>();
    T* po = out.data_ptr<T>();
    for (int64_t i = 0; i < a.size(0); ++i)
      for (int64_t j = 0; j < b.size(1); ++j) {
        T acc = 0;
        for (int64_t k = 0; k < a.size(1); ++k) acc += pa[i * ac.stride(0) + k * ac.stride(1)] * pb[k * bc.stride(0) + j * bc.stride(1)];
        po[i * b.size(1) + j] = acc;
      }
  });
  return out;
}

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  check_defined(a_in, "matmul");
  check_defined(b_in, "matmul");
  if (a_in.dim() == 0 || b_in.dim() == 0)
    fail<ShapeError>("matmul: both arguments need at least 1 dimension, got ", shape_str(a_in.shape()), " and ", shape_str(b_in.shape()));
  DType dt = promote(a_in.dtype(), b_in.dtype());
  Tensor a = a_in.to(dt), b = b_in.to(dt);
  // 1-d operands: a vector on the left is a row (1, n), on the right a column (n, 1); the added
  // dimension is removed from the result.
  bool squeeze_rows = a.dim() == 1, squeeze_cols = b.dim() == 1;
  if (squeeze_rows) a = a.unsqueeze(0);
  if (squeeze_cols) b = b.unsqueeze(1);
  int64_t m = a.size(-2), n = a.size(-1), n2 = b.size(-2), p = b.size(-1);
  if (n != n2)
    fail<ShapeError>("matmul: cannot multiply ", shape_str(a_in.shape()), " by ", shape_str(b_in.shape()), ": inner dimensions ", n,
                     " and ", n2, " differ");

  Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(p);
  // BLAS with beta = 0 writes every element; an empty inner dimension (n = 0) must give zeros.
  Tensor out = n == 0 ? Tensor(out_shape, dt) : Tensor::uninitialized(out_shape, dt);
  const int64_t nb = shape_numel(batch);  // explicit sizes below: -1 is ambiguous with 0 elements

  if (dt == DType::Int64) {  // no integer BLAS: the plain loop, batch by batch
    Tensor ae = a.expand([&] { Shape s = batch; s.push_back(m); s.push_back(n); return s; }()).reshape({nb, m, n});
    Tensor be = b.expand([&] { Shape s = batch; s.push_back(n); s.push_back(p); return s; }()).reshape({nb, n, p});
    Tensor o = out.view({nb, m, p});
    for (int64_t i = 0; i < nb; ++i) o.select(0, i).copy_(matmul_reference(ae.select(0, i), be.select(0, i)));
  } else if (batch_b.empty() || shape_numel(batch_b) == 1) {
    // (..., m, n) @ (n, p): fold the batch into the rows, one large GEMM (Linear on sequences).
    Tensor b2 = b.reshape({n, p});
    Tensor a2 = a.expand([&] { Shape s = batch; s.push_back(m); s.push_back(n); return s; }()).reshape({nb * m, n});
    dispatch_floating(dt, "matmul", [&](auto tag) { matmul_2d<decltype(tag)>(a2, b2, out.view({nb * m, p})); });
  } else {
    Shape sa = batch, sb = batch;
    sa.push_back(m);
    sa.push_back(n);
    sb.push_back(n);
    sb.push_back(p);
    Tensor ae = a.expand(sa), be = b.expand(sb);
    Tensor o = out.view({nb, m, p});
    // Walk the batch index over the broadcast batch shape; each matrix is a 2-d view (no copy).
    std::vector<int64_t> idx(batch.size(), 0);
    dispatch_floating(dt, "matmul", [&](auto tag) {
      using T = decltype(tag);
      for (int64_t i = 0; i < nb; ++i) {
        Tensor am = ae, bm = be;
        for (size_t d = 0; d < batch.size(); ++d) {
          am = am.select(0, idx[d]);
          bm = bm.select(0, idx[d]);
        }
        matmul_2d<T>(am, bm, o.select(0, i));
        for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
          if (++idx[d] < batch[d]) break;
          idx[d] = 0;
        }
      }
    });
  }
  if (squeeze_rows) out = out.squeeze(-2);
  if (squeeze_cols) out = out.squeeze(-1);
  return out;
}

}  // namespace ag
