// im2col.cpp: the im2col + GEMM convolution of im2col.hpp, forward and backward, float32 and float64.
#include "tensor/conv/im2col.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "tensor/conv/workspace.hpp"
#include "tensor/linalg.hpp"

namespace ag::conv {
namespace {

using detail::workspace;

// The range [lo, hi) of output columns ow whose input column iw = ow sw + off lies inside [0, W).
inline void valid_range(int64_t off, int64_t sw, int64_t W, int64_t OW, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  hi = (W - 1 - off) < 0 ? 0 : std::min(OW, (W - 1 - off) / sw + 1);
  lo = std::min(lo, OW);
  if (hi < lo) hi = lo;
}

// Output rows per im2col band: about 1 MB of col (half of a core's 2 MB L2), but at least 256
// columns for the GEMM's sake.
int64_t band_rows(const ConvGeom& g, size_t elem_size) {
  const int64_t target = int64_t(1 << 20) / int64_t(elem_size);
  int64_t rows = std::max<int64_t>(1, target / std::max<int64_t>(1, g.ckk() * g.OW));
  rows = std::max(rows, (256 + g.OW - 1) / g.OW);
  return std::min(rows, g.OH);
}

// col (C KH KW, (oh1 - oh0) OW) <- x (C, H, W) for output rows [oh0, oh1).
template <class T>
void im2col(const T* x, const ConvGeom& g, int64_t oh0, int64_t oh1, T* col) {
  const int64_t Lc = (oh1 - oh0) * g.OW;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        T* row = col + ((c * g.KH + kh) * g.KW + kw) * Lc;
        const int64_t off = kw * g.dw - g.pw;
        int64_t lo, hi;
        valid_range(off, g.sw, g.W, g.OW, lo, hi);
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          T* dst = row + (oh - oh0) * g.OW;
          const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
          if (ih < 0 || ih >= g.H) {
            std::fill(dst, dst + g.OW, T(0));
            continue;
          }
          const T* src = x + (c * g.H + ih) * g.W + off;  // src[ow * sw] is x[c, ih, ow sw + off]
          std::fill(dst, dst + lo, T(0));
          std::fill(dst + hi, dst + g.OW, T(0));
          if (g.sw == 1) {
            std::memcpy(dst + lo, src + lo, size_t(hi - lo) * sizeof(T));
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * g.sw];
          }
        }
      }
}

// dx (C, H, W) += col2im(dcol) for output rows [oh0, oh1): the adjoint of im2col.
template <class T>
void col2im_add(const T* dcol, const ConvGeom& g, int64_t oh0, int64_t oh1, T* dx) {
  const int64_t Lc = (oh1 - oh0) * g.OW;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const T* row = dcol + ((c * g.KH + kh) * g.KW + kw) * Lc;
        const int64_t off = kw * g.dw - g.pw;
        int64_t lo, hi;
        valid_range(off, g.sw, g.W, g.OW, lo, hi);
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          const T* src = row + (oh - oh0) * g.OW;
          T* dst = dx + (c * g.H + ih) * g.W + off;
          if (g.sw == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += src[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow * g.sw] += src[ow];
          }
        }
      }
}

// Parallel over samples only when there are at least as many samples as threads; otherwise the
// samples run one after another and BLAS uses all threads inside each product.
bool batch_parallel(const ConvGeom& g) { return g.B >= 2 && g.B >= omp_get_max_threads(); }

}  // namespace

// y (B, O, OH, OW) = conv(x (B, C, H, W), w (O, C KH KW)) + bias (O, or null).
template <class T>
void im2col_forward(const T* x, const T* w, const T* bias, T* y, const ConvGeom& g) {
  const int64_t L = g.L(), K = g.ckk(), rows = band_rows(g, sizeof(T));
  // Why parallel over samples: each sample is an independent GEMM of O x L x CKK; with B >= threads
  // this splits the work evenly without any synchronisation.
#pragma omp parallel for schedule(static) if (batch_parallel(g))
  for (int64_t b = 0; b < g.B; ++b) {
    const T* xb = x + b * g.C * g.H * g.W;
    T* yb = y + b * g.O * L;
    if (g.pointwise()) {
      gemm(false, false, g.O, L, K, T(1), w, K, xb, L, T(0), yb, L);
    } else {
      T* col = workspace<T>(size_t(K * rows * g.OW), 0);
      for (int64_t oh0 = 0; oh0 < g.OH; oh0 += rows) {
        const int64_t oh1 = std::min(g.OH, oh0 + rows), Lc = (oh1 - oh0) * g.OW;
        im2col(xb, g, oh0, oh1, col);
        gemm(false, false, g.O, Lc, K, T(1), w, K, col, Lc, T(0), yb + oh0 * g.OW, L);
      }
    }
    if (bias)
      for (int64_t o = 0; o < g.O; ++o) {
        T* yo = yb + o * L;
        const T bo = bias[o];
        for (int64_t l = 0; l < L; ++l) yo[l] += bo;
      }
  }
}

// dx (B, C, H, W, zero on entry, or null) and dw (O, C KH KW, or null) from gy (B, O, OH, OW).
template <class T>
void im2col_backward(const T* gy, const T* x, const T* w, T* dx, T* dw, const ConvGeom& g) {
  const int64_t L = g.L(), K = g.ckk(), rows = band_rows(g, sizeof(T));
  const bool par = batch_parallel(g);
  const int nthreads = par ? omp_get_max_threads() : 1;
  std::vector<T*> partial(size_t(nthreads), nullptr);  // each thread's private dW
  // Why parallel over samples: as in the forward; each thread sums its samples' G_b col_b^T into a
  // private dW, and the partial sums are added in thread order afterwards (deterministic).
#pragma omp parallel num_threads(nthreads) if (par)
  {
    const int t = omp_get_thread_num();
    T* dw_t = nullptr;
    if (dw) {
      dw_t = workspace<T>(size_t(g.O * K), 2);
      std::fill(dw_t, dw_t + g.O * K, T(0));
      partial[size_t(t)] = dw_t;
    }
#pragma omp for schedule(static)
    for (int64_t b = 0; b < g.B; ++b) {
      const T* xb = x + b * g.C * g.H * g.W;
      const T* gb = gy + b * g.O * L;
      if (g.pointwise()) {
        if (dw_t) gemm(false, true, g.O, K, L, T(1), gb, L, xb, L, T(1), dw_t, K);
        if (dx) gemm(true, false, K, L, g.O, T(1), w, K, gb, L, T(0), dx + b * g.C * L, L);
        continue;
      }
      T* col = dw_t ? workspace<T>(size_t(K * rows * g.OW), 0) : nullptr;
      T* dcol = dx ? workspace<T>(size_t(K * rows * g.OW), 1) : nullptr;
      for (int64_t oh0 = 0; oh0 < g.OH; oh0 += rows) {
        const int64_t oh1 = std::min(g.OH, oh0 + rows), Lc = (oh1 - oh0) * g.OW;
        const T* gband = gb + oh0 * g.OW;  // (O, Lc) with leading dimension L
        if (dw_t) {
          im2col(xb, g, oh0, oh1, col);
          gemm(false, true, g.O, K, Lc, T(1), gband, L, col, Lc, T(1), dw_t, K);
        }
        if (dx) {
          gemm(true, false, K, Lc, g.O, T(1), w, K, gband, L, T(0), dcol, Lc);
          col2im_add(dcol, g, oh0, oh1, dx + b * g.C * g.H * g.W);
        }
      }
    }
    if (dw) {
#pragma omp barrier
      // Why parallel: the O x CKK partial sums are independent elements.
#pragma omp for schedule(static)
      for (int64_t i = 0; i < g.O * K; ++i) {
        T s = 0;
        for (int u = 0; u < nthreads; ++u)
          if (partial[size_t(u)]) s += partial[size_t(u)][i];
        dw[i] = s;
      }
    }
  }
}

// dbias[o] = sum over b and output positions of gy[b, o, :].
template <class T>
void bias_backward(const T* gy, T* db, const ConvGeom& g) {
  const int64_t L = g.L();
  for (int64_t o = 0; o < g.O; ++o) {
    double s = 0;  // double accumulator: L B terms can be ~10^6
    for (int64_t b = 0; b < g.B; ++b) {
      const T* p = gy + (b * g.O + o) * L;
      for (int64_t l = 0; l < L; ++l) s += p[l];
    }
    db[o] = T(s);
  }
}

template void im2col_forward<float>(const float*, const float*, const float*, float*, const ConvGeom&);
template void im2col_forward<double>(const double*, const double*, const double*, double*, const ConvGeom&);
template void im2col_backward<float>(const float*, const float*, const float*, float*, float*, const ConvGeom&);
template void im2col_backward<double>(const double*, const double*, const double*, double*, double*, const ConvGeom&);
template void bias_backward<float>(const float*, float*, const ConvGeom&);
template void bias_backward<double>(const double*, double*, const ConvGeom&);

}  // namespace ag::conv
