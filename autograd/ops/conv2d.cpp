// conv2d.cpp: 2-d convolution (cross-correlation) as im2col + GEMM, forward and backward.
//
// Shapes (letters from the glossary; H and W are time and mel bins in the audio models):
//   x (B, C, H, W), w (O, C, KH, KW), bias (O)  ->  y (B, O, OH, OW)
//   OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1,  OW likewise.
//
// Math. With ih = oh sh - ph + kh dh and iw = ow sw - pw + kw dw (x is 0 outside the image):
//   y[b, o, oh, ow] = bias[o] + sum_{c, kh, kw} w[o, c, kh, kw] x[b, c, ih, iw]
//
// im2col turns that into one matrix product per sample. Let col_b be the (C KH KW, OH OW) matrix
//   col_b[(c, kh, kw), (oh, ow)] = x[b, c, ih, iw]
// and read w as the (O, C KH KW) matrix W and y[b] as the (O, OH OW) matrix Y_b. Then
//   Y_b = W col_b + bias 1^T.
//
// Backward, from G_b = dL/dY_b (O, OH OW), by differentiating that product:
//   dL/dW    = sum_b G_b col_b^T                      (O, C KH KW)
//   dL/dbias = sum_b G_b 1                            (O)
//   dL/dcol_b = W^T G_b                               (C KH KW, OH OW)
//   dL/dx[b] = col2im(dL/dcol_b): the adjoint of im2col, which ADDS each column entry back to the
//              pixel it was copied from (a pixel appears in up to KH KW columns when kernels overlap).
//
// Speed. Samples run in parallel on OpenMP threads, each calling single-threaded BLAS (OpenBLAS runs
// one thread when called inside a parallel region) on its own workspace. A sample's col matrix for a
// large layer is tens of MB (CNN14 block 1: 576 x 32064 floats = 74 MB), so it is built a band of
// output rows at a time (about 1 MB, so that it stays in the core's 2 MB L2 cache between being
// written by im2col and read by the GEMM). Workspaces are thread_local and only grow: no allocation per call
// once warmed up. A 1x1 stride-1 unpadded convolution skips im2col (col_b is x[b] itself).
// For float32 layers with unit stride along W and rows of 32 outputs or more, direct kernels (below)
// replace im2col for the forward, the input gradient and (up to 32 channels) the weight gradient.
// ReferenceKernelsGuard forces the im2col path, so tests can compare the two.
//
// conv2d_reference / conv2d_backward_reference below are the plain loops the tests compare against.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "tensor/kernels.hpp"

namespace ag {
namespace {

// The sizes of one convolution, checked once.
struct ConvGeom {
  int64_t B, C, H, W;   // input
  int64_t O, KH, KW;    // weight
  int64_t OH, OW;       // output
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t ckk() const { return C * KH * KW; }
  int64_t L() const { return OH * OW; }
  // col_b is x[b] itself: nothing to gather.
  bool pointwise() const { return KH == 1 && KW == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
};

ConvGeom check_conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, Size2 stride, Size2 padding,
                      Size2 dilation, const char* op) {
  if (x.dim() != 4) fail<ShapeError>(op, ": expected a 4-d input (B, C, H, W), got ", shape_str(x.shape()));
  if (w.dim() != 4) fail<ShapeError>(op, ": expected a 4-d weight (O, C, KH, KW), got ", shape_str(w.shape()));
  if (!is_floating(x.dtype()) || x.dtype() != w.dtype())
    fail<TypeError>(op, ": input is ", dtype_name(x.dtype()), " and weight is ", dtype_name(w.dtype()),
                    "; both must be float32 or both float64");
  if (stride.h < 1 || stride.w < 1 || dilation.h < 1 || dilation.w < 1 || padding.h < 0 || padding.w < 0)
    fail<ValueError>(op, ": stride (", stride.h, ", ", stride.w, ") and dilation (", dilation.h, ", ", dilation.w,
                     ") must be >= 1 and padding (", padding.h, ", ", padding.w, ") >= 0");
  ConvGeom g{};
  g.B = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.O = w.size(0), g.KH = w.size(2), g.KW = w.size(3);
  g.sh = stride.h, g.sw = stride.w, g.ph = padding.h, g.pw = padding.w, g.dh = dilation.h, g.dw = dilation.w;
  if (w.size(1) != g.C)
    fail<ShapeError>(op, ": input ", shape_str(x.shape()), " has ", g.C, " channels, weight ", shape_str(w.shape()),
                     " expects ", w.size(1));
  if (bias && bias->defined()) {
    if (bias->dtype() != w.dtype()) fail<TypeError>(op, ": bias is ", dtype_name(bias->dtype()), ", weight is ", dtype_name(w.dtype()));
    if (bias->dim() != 1 || bias->size(0) != g.O)
      fail<ShapeError>(op, ": bias ", shape_str(bias->shape()), " should be (", g.O, ",) for weight ", shape_str(w.shape()));
  }
  const int64_t ext_h = g.dh * (g.KH - 1) + 1, ext_w = g.dw * (g.KW - 1) + 1;
  if (g.H + 2 * g.ph < ext_h || g.W + 2 * g.pw < ext_w || g.KH < 1 || g.KW < 1)
    fail<ShapeError>(op, ": input ", shape_str(x.shape()), " padded to (", g.H + 2 * g.ph, ", ", g.W + 2 * g.pw,
                     ") is smaller than the dilated kernel (", ext_h, ", ", ext_w, ") of weight ", shape_str(w.shape()));
  g.OH = (g.H + 2 * g.ph - ext_h) / g.sh + 1;
  g.OW = (g.W + 2 * g.pw - ext_w) / g.sw + 1;
  return g;
}

// --- BLAS, by element type ----------------------------------------------------------------------
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// A per-thread scratch buffer that only grows. `slot` keeps col, dcol and dW apart.
template <class T>
T* workspace(size_t n, int slot) {
  thread_local std::vector<T> buffers[3];
  std::vector<T>& buf = buffers[slot];
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

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

// --- direct kernel (float32, unit stride along W) -----------------------------------------------
//
// im2col copies every input pixel KH KW times, and for layers with few channels (ERANN's first
// stage: 16 channels on 640 x 128) that copy and BLAS's packing of it cost more than the
// arithmetic. The direct kernel reads the (zero-padded) input in place instead:
//   y[b, o, oh, ow .. ow+15] = sum_{c, kh, kw} w[o, c, kh, kw] x_pad[b, c, oh sh + kh dh, ow + kw dw .. +15]
// 16 consecutive outputs of one row are one vector (x_pad's row is contiguous when the W stride is
// 1), and kTile output channels are computed together, so each vector load of x feeds kTile
// fused multiply-adds with a broadcast weight. The weights are repacked per call as
// (O / kTile, C KH KW, kTile) so that a tile's weights are contiguous (zero rows pad the last tile).
// GCC vector extensions keep this portable: v16 is one AVX-512 register here, two AVX2 ones elsewhere.
// The same kernel computes the input gradient of a stride-1 convolution, which is the convolution of
// the output gradient, padded by d (K - 1) - p, with the kernel flipped and its channel axes swapped.
typedef float v16 __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16, kTile = 8;

inline v16 load16(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct DirectGeom {
  int64_t B, C, H, W, O, KH, KW, sh, ph, pw, dh, dw, OH, OW, Hp, Wp;
};

// y (B, O, OH, OW) = conv(x (B, C, H, W), w (O, C, KH, KW)), stride (sh, 1).
void direct_conv_f32(const float* x, const float* w, float* y, DirectGeom g) {
  const int64_t OWr = (g.OW + kLanes - 1) / kLanes * kLanes;
  g.Hp = g.H + 2 * g.ph;
  g.Wp = std::max(g.W + 2 * g.pw, OWr + (g.KW - 1) * g.dw);  // room for the last block's full vector
  const int64_t CK = g.C * g.KH * g.KW, tiles = (g.O + kTile - 1) / kTile;
  // Zero-padded input (B, C, Hp, Wp).
  Tensor xp_t({g.B, g.C, g.Hp, g.Wp}, DType::Float32);
  float* xp = xp_t.data_ptr<float>();
  // Why parallel: B C independent planes to copy.
#pragma omp parallel for schedule(static)
  for (int64_t bc = 0; bc < g.B * g.C; ++bc)
    for (int64_t h = 0; h < g.H; ++h)
      std::memcpy(xp + (bc * g.Hp + h + g.ph) * g.Wp + g.pw, x + (bc * g.H + h) * g.W, size_t(g.W) * sizeof(float));
  // Packed weights (tiles, CK, kTile).
  std::vector<float> wt(size_t(tiles * CK * kTile), 0.0f);
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t k = 0; k < CK; ++k) wt[size_t(((o / kTile) * CK + k) * kTile + o % kTile)] = w[o * CK + k];

  // Why parallel over (sample, channel tile): independent outputs; the tile's weights (CK kTile
  // floats) stay in cache while the thread sweeps the sample's rows.
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < g.B; ++b)
    for (int64_t tile = 0; tile < tiles; ++tile) {
      const float* wtile = wt.data() + tile * CK * kTile;
      const float* xb = xp + b * g.C * g.Hp * g.Wp;
      const int64_t o0 = tile * kTile, nt = std::min(kTile, g.O - o0);
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow0 = 0; ow0 < g.OW; ow0 += kLanes) {
          v16 acc[kTile] = {};
          const float* wk = wtile;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh) {
              const float* row = xb + (c * g.Hp + oh * g.sh + kh * g.dh) * g.Wp + ow0;
              for (int64_t kw = 0; kw < g.KW; ++kw, wk += kTile) {
                const v16 xv = load16(row + kw * g.dw);
                for (int64_t t = 0; t < kTile; ++t) acc[t] += xv * wk[t];
              }
            }
          const size_t n = size_t(std::min(kLanes, g.OW - ow0)) * sizeof(float);
          for (int64_t t = 0; t < nt; ++t) std::memcpy(y + ((b * g.O + o0 + t) * g.OH + oh) * g.OW + ow0, &acc[t], n);
        }
    }
}

// When each kernel is used was measured with bench/nn (1 thread, A/B interleaved): the direct
// forward beats im2col + sgemm by 1.1-1.5x on rows of 32 or more outputs, and loses on 16-wide rows
// (CNN14 block 3, ERANN stage 3), where a vector covers a whole row and the loop overhead shows.
bool direct_forward_ok(const ConvGeom& g) { return g.sw == 1 && g.OW >= 2 * kLanes; }
// dx by the direct kernel: stride 1 both ways, and padding p <= d (K - 1) so the flipped
// convolution's padding d (K - 1) - p is not negative.
bool direct_backward_ok(const ConvGeom& g) {
  return g.sh == 1 && g.sw == 1 && g.W >= 2 * kLanes && g.ph <= g.dh * (g.KH - 1) && g.pw <= g.dw * (g.KW - 1);
}

void direct_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g) {
  DirectGeom d{g.B, g.C, g.H, g.W, g.O, g.KH, g.KW, g.sh, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, 0, 0};
  direct_conv_f32(x, w, y, d);
  if (bias)
#pragma omp parallel for schedule(static)
    for (int64_t bo = 0; bo < g.B * g.O; ++bo)
      for (int64_t l = 0; l < g.L(); ++l) y[bo * g.L() + l] += bias[bo % g.O];
}

// dx (B, C, H, W) = conv(gy padded, w flipped with O and C swapped).
void direct_input_grad(const float* gy, const float* w, float* dx, const ConvGeom& g) {
  std::vector<float> wf(size_t(g.C * g.O * g.KH * g.KW));
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw = 0; kw < g.KW; ++kw)
          wf[size_t(((c * g.O + o) * g.KH + (g.KH - 1 - kh)) * g.KW + (g.KW - 1 - kw))] = w[((o * g.C + c) * g.KH + kh) * g.KW + kw];
  DirectGeom d{g.B, g.O, g.OH, g.OW, g.C, g.KH, g.KW, 1, g.dh * (g.KH - 1) - g.ph, g.dw * (g.KW - 1) - g.pw,
               g.dh, g.dw, g.H, g.W, 0, 0};
  direct_conv_f32(gy, wf.data(), dx, d);
}

// The weight gradient, directly (float32, unit stride along W, kernel width KW):
//   dw[o, c, kh, kw] = sum_{b, oh, ow} gy[b, o, oh, ow] x_pad[b, c, oh sh + kh dh, ow + kw dw]
// 16 consecutive ow are one vector, and a register tile of kTile output channels x KW kernel
// columns accumulates lane-wise products (kTile + KW vector loads feed kTile KW multiply-adds); the
// lanes are summed at the end. Work is split into (sample, channel tile, block of kRows output
// rows), whose inputs (kTile gy rows and C (rows + KH - 1) x rows) stay in L2 while every (c, kh)
// pair sweeps them. A block holds at least kBlockElems outputs per channel so that the lane sums at
// the end of each (c, kh) sweep are a small fraction of the work. Each thread sums into its own dW;
// the partial sums are added in thread order (deterministic for a given thread count).
constexpr int64_t kBlockElems = 4096;

inline float hsum(const v16& v) {
  float s = 0;
  for (int i = 0; i < int(kLanes); ++i) s += v[i];
  return s;
}

template <int KW>
void direct_weight_grad_f32(const float* gy, const float* x, float* dw, const ConvGeom& g) {
  const int64_t OWr = (g.OW + kLanes - 1) / kLanes * kLanes;
  const int64_t Hp = g.H + 2 * g.ph, Wp = std::max(g.W + 2 * g.pw, OWr + (KW - 1) * g.dw);
  Tensor xp_t({g.B, g.C, Hp, Wp}, DType::Float32);      // zero-padded input
  Tensor gp_t({g.B, g.O, g.OH, OWr}, DType::Float32);   // gy with rows zero-padded to whole vectors
  float* xp = xp_t.data_ptr<float>();
  float* gp = gp_t.data_ptr<float>();
  // Why parallel: independent planes to copy.
#pragma omp parallel for schedule(static)
  for (int64_t bc = 0; bc < g.B * g.C; ++bc)
    for (int64_t h = 0; h < g.H; ++h)
      std::memcpy(xp + (bc * Hp + h + g.ph) * Wp + g.pw, x + (bc * g.H + h) * g.W, size_t(g.W) * sizeof(float));
#pragma omp parallel for schedule(static)
  for (int64_t bo = 0; bo < g.B * g.O; ++bo)
    for (int64_t h = 0; h < g.OH; ++h)
      std::memcpy(gp + (bo * g.OH + h) * OWr, gy + (bo * g.OH + h) * g.OW, size_t(g.OW) * sizeof(float));
  const std::vector<float> zero_row(size_t(OWr), 0.0f);  // stands in for channels past O in the last tile
  const int64_t rows = std::min(g.OH, (kBlockElems + OWr - 1) / OWr);
  const int64_t tiles = (g.O + kTile - 1) / kTile, blocks = (g.OH + rows - 1) / rows, n = g.O * g.C * g.KH * KW;
  const int nthreads = omp_get_max_threads();
  std::vector<float*> partial(size_t(nthreads), nullptr);
  // Why parallel over (sample, tile, row block): many independent items; see above.
#pragma omp parallel num_threads(nthreads)
  {
    float* dw_t = workspace<float>(size_t(n), 2);
    std::fill(dw_t, dw_t + n, 0.0f);
    partial[size_t(omp_get_thread_num())] = dw_t;
#pragma omp for collapse(3) schedule(static)
    for (int64_t b = 0; b < g.B; ++b)
      for (int64_t tile = 0; tile < tiles; ++tile)
        for (int64_t blk = 0; blk < blocks; ++blk) {
          const int64_t o0 = tile * kTile, nt = std::min(kTile, g.O - o0);
          const int64_t oh0 = blk * rows, oh1 = std::min(g.OH, oh0 + rows);
          const float* grows[kTile];  // row oh of gy channel o0 + t is grows[t] + oh * gstride[t]
          int64_t gstride[kTile];
          for (int64_t t = 0; t < kTile; ++t) {
            grows[t] = t < nt ? gp + (b * g.O + o0 + t) * g.OH * OWr : zero_row.data();
            gstride[t] = t < nt ? OWr : 0;
          }
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh) {
              v16 acc[kTile][KW] = {};
              for (int64_t oh = oh0; oh < oh1; ++oh) {
                const float* xr = xp + ((b * g.C + c) * Hp + oh * g.sh + kh * g.dh) * Wp;
                for (int64_t ow0 = 0; ow0 < OWr; ow0 += kLanes) {
                  v16 xv[KW];
                  for (int kw = 0; kw < KW; ++kw) xv[kw] = load16(xr + ow0 + kw * g.dw);
                  for (int64_t t = 0; t < kTile; ++t) {
                    const v16 gv = load16(grows[t] + oh * gstride[t] + ow0);
                    for (int kw = 0; kw < KW; ++kw) acc[t][kw] += gv * xv[kw];
                  }
                }
              }
              for (int64_t t = 0; t < nt; ++t)
                for (int kw = 0; kw < KW; ++kw) dw_t[(((o0 + t) * g.C + c) * g.KH + kh) * KW + kw] += hsum(acc[t][kw]);
            }
        }
#pragma omp barrier
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      float s = 0;
      for (int u = 0; u < nthreads; ++u)
        if (partial[size_t(u)]) s += partial[size_t(u)][i];
      dw[i] = s;
    }
  }
}

// Measured as above: the direct weight gradient wins for up to 32 channels (ERANN stages 0 and 1,
// where im2col's copies dominate) and loses to sgemm's blocking from 64 channels on.
bool direct_weight_grad_ok(const ConvGeom& g) {
  return g.sw == 1 && g.OW >= 2 * kLanes && (g.KW == 3 || g.KW == 5) && g.C <= 32 && g.O <= 32;
}

void direct_weight_grad(const float* gy, const float* x, float* dw, const ConvGeom& g) {
  if (g.KW == 3) direct_weight_grad_f32<3>(gy, x, dw, g);
  else direct_weight_grad_f32<5>(gy, x, dw, g);
}

// y (B, O, OH, OW) = conv(x (B, C, H, W), w (O, C KH KW)) + bias (O, or null).
template <class T>
void conv2d_forward_kernel(const T* x, const T* w, const T* bias, T* y, const ConvGeom& g) {
  const int64_t L = g.L(), K = g.ckk(), rows = band_rows(g, sizeof(T));
  // Why parallel over samples: each sample is an independent GEMM of O x L x CKK; with B >= threads
  // this splits the work evenly without any synchronisation.
#pragma omp parallel for schedule(static) if (batch_parallel(g))
  for (int64_t b = 0; b < g.B; ++b) {
    const T* xb = x + b * g.C * g.H * g.W;
    T* yb = y + b * g.O * L;
    if (g.pointwise()) {
      gemm(CblasNoTrans, CblasNoTrans, g.O, L, K, T(1), w, K, xb, L, T(0), yb, L);
    } else {
      T* col = workspace<T>(size_t(K * rows * g.OW), 0);
      for (int64_t oh0 = 0; oh0 < g.OH; oh0 += rows) {
        const int64_t oh1 = std::min(g.OH, oh0 + rows), Lc = (oh1 - oh0) * g.OW;
        im2col(xb, g, oh0, oh1, col);
        gemm(CblasNoTrans, CblasNoTrans, g.O, Lc, K, T(1), w, K, col, Lc, T(0), yb + oh0 * g.OW, L);
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
void conv2d_backward_kernel(const T* gy, const T* x, const T* w, T* dx, T* dw, const ConvGeom& g) {
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
        if (dw_t) gemm(CblasNoTrans, CblasTrans, g.O, K, L, T(1), gb, L, xb, L, T(1), dw_t, K);
        if (dx) gemm(CblasTrans, CblasNoTrans, K, L, g.O, T(1), w, K, gb, L, T(0), dx + b * g.C * L, L);
        continue;
      }
      T* col = dw_t ? workspace<T>(size_t(K * rows * g.OW), 0) : nullptr;
      T* dcol = dx ? workspace<T>(size_t(K * rows * g.OW), 1) : nullptr;
      for (int64_t oh0 = 0; oh0 < g.OH; oh0 += rows) {
        const int64_t oh1 = std::min(g.OH, oh0 + rows), Lc = (oh1 - oh0) * g.OW;
        const T* gband = gb + oh0 * g.OW;  // (O, Lc) with leading dimension L
        if (dw_t) {
          im2col(xb, g, oh0, oh1, col);
          gemm(CblasNoTrans, CblasTrans, g.O, K, Lc, T(1), gband, L, col, Lc, T(1), dw_t, K);
        }
        if (dx) {
          gemm(CblasTrans, CblasNoTrans, K, Lc, g.O, T(1), w, K, gband, L, T(0), dcol, Lc);
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
void bias_grad(const T* gy, T* db, const ConvGeom& g) {
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

}  // namespace

Variable conv2d(const Variable& input, const Variable& weight, const Variable& bias, Size2 stride, Size2 padding,
                Size2 dilation) {
  check_defined(input.data(), "conv2d");
  check_defined(weight.data(), "conv2d");
  const Tensor x = input.data().contiguous(), w = weight.data().contiguous();
  const Tensor b = bias.defined() ? bias.data().contiguous() : Tensor();
  const ConvGeom g = check_conv2d(x, w, &b, stride, padding, dilation, "conv2d");

  Tensor y({g.B, g.O, g.OH, g.OW}, x.dtype());
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>) {
      if (direct_forward_ok(g) && !kernels::use_reference()) {
        direct_forward(x.data_ptr<float>(), w.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr,
                       y.data_ptr<float>(), g);
        return;
      }
    }
    conv2d_forward_kernel<T>(x.data_ptr<T>(), w.data_ptr<T>(), b.defined() ? b.data_ptr<T>() : nullptr,
                             y.data_ptr<T>(), g);
  });

  std::vector<Variable> inputs = {input, weight};
  if (bias.defined()) inputs.push_back(bias);
  const bool need_x = input.requires_grad(), need_w = weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  return record("conv2d", y, inputs, [x, w, g, need_x, need_w, need_b, has_bias = bias.defined()](const Tensor& grad) {
    const Tensor gy = grad.contiguous();
    Tensor dx = need_x ? Tensor(x.shape(), x.dtype()) : Tensor();
    Tensor dw = need_w ? Tensor(w.shape(), w.dtype()) : Tensor();
    Tensor db = need_b ? Tensor({g.O}, w.dtype()) : Tensor();
    dispatch_floating(x.dtype(), "conv2d backward", [&](auto tag) {
      using T = decltype(tag);
      bool dx_done = false;
      if constexpr (std::is_same_v<T, float>) {
        if (need_x && direct_backward_ok(g) && !kernels::use_reference()) {
          direct_input_grad(gy.data_ptr<float>(), w.data_ptr<float>(), dx.data_ptr<float>(), g);
          dx_done = true;
        }
      }
      bool dw_done = false;
      if constexpr (std::is_same_v<T, float>) {
        if (need_w && direct_weight_grad_ok(g) && !kernels::use_reference()) {
          direct_weight_grad(gy.data_ptr<float>(), x.data_ptr<float>(), dw.data_ptr<float>(), g);
          dw_done = true;
        }
      }
      const bool im2col_dx = need_x && !dx_done, im2col_dw = need_w && !dw_done;
      if (im2col_dx || im2col_dw)
        conv2d_backward_kernel<T>(gy.data_ptr<T>(), x.data_ptr<T>(), w.data_ptr<T>(),
                                  im2col_dx ? dx.data_ptr<T>() : nullptr, im2col_dw ? dw.data_ptr<T>() : nullptr, g);
      if (need_b) bias_grad<T>(gy.data_ptr<T>(), db.data_ptr<T>(), g);
    });
    TensorList grads = {dx, dw};
    if (has_bias) grads.push_back(db);
    return grads;
  });
}

// --- the plain-loop references ------------------------------------------------------------------

Tensor conv2d_reference(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding,
                        Size2 dilation) {
  const ConvGeom g = check_conv2d(input, weight, &bias, stride, padding, dilation, "conv2d_reference");
  const Tensor x = input.contiguous().to(DType::Float64), w = weight.contiguous().to(DType::Float64);
  Tensor y({g.B, g.O, g.OH, g.OW}, DType::Float64);
  const double* px = x.data_ptr<double>();
  const double* pw = w.data_ptr<double>();
  double* py = y.data_ptr<double>();
  for (int64_t b = 0; b < g.B; ++b)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          double s = bias.defined() ? bias.at({o}) : 0.0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t ih = oh * g.sh - g.ph + kh * g.dh, iw = ow * g.sw - g.pw + kw * g.dw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                s += pw[((o * g.C + c) * g.KH + kh) * g.KW + kw] * px[((b * g.C + c) * g.H + ih) * g.W + iw];
              }
          py[((b * g.O + o) * g.OH + oh) * g.OW + ow] = s;
        }
  return y.to(input.dtype());
}

Conv2dGrads conv2d_backward_reference(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                      Size2 stride, Size2 padding, Size2 dilation) {
  const ConvGeom g = check_conv2d(input, weight, nullptr, stride, padding, dilation, "conv2d_backward_reference");
  const Tensor gy = grad_output.contiguous().to(DType::Float64);
  const Tensor x = input.contiguous().to(DType::Float64), w = weight.contiguous().to(DType::Float64);
  Tensor dx(x.shape(), DType::Float64), dw(w.shape(), DType::Float64), db({g.O}, DType::Float64);
  const double* pg = gy.data_ptr<double>();
  const double* px = x.data_ptr<double>();
  const double* pw = w.data_ptr<double>();
  double* pdx = dx.data_ptr<double>();
  double* pdw = dw.data_ptr<double>();
  double* pdb = db.data_ptr<double>();
  for (int64_t b = 0; b < g.B; ++b)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const double go = pg[((b * g.O + o) * g.OH + oh) * g.OW + ow];
          pdb[o] += go;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t ih = oh * g.sh - g.ph + kh * g.dh, iw = ow * g.sw - g.pw + kw * g.dw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                const int64_t xi = ((b * g.C + c) * g.H + ih) * g.W + iw, wi = ((o * g.C + c) * g.KH + kh) * g.KW + kw;
                pdw[wi] += go * px[xi];
                pdx[xi] += go * pw[wi];
              }
        }
  return {dx.to(input.dtype()), dw.to(weight.dtype()), db.to(weight.dtype())};
}

}  // namespace ag
