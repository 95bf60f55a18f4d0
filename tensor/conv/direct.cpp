// direct.cpp: the direct float32 kernels of direct.hpp (forward, input gradient, weight gradient).
#include "tensor/conv/direct.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "tensor/conv/workspace.hpp"
#include "tensor/tensor.hpp"

namespace ag::conv {
namespace {

using detail::workspace;

// How the direct kernel works.
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
}  // namespace

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

// Measured as above: the direct weight gradient wins for up to 32 channels (ERANN stages 0 and 1,
// where im2col's copies dominate) and loses to sgemm's blocking from 64 channels on.
bool direct_weight_grad_ok(const ConvGeom& g) {
  return g.sw == 1 && g.OW >= 2 * kLanes && (g.KW == 3 || g.KW == 5) && g.C <= 32 && g.O <= 32;
}

void direct_weight_grad(const float* gy, const float* x, float* dw, const ConvGeom& g) {
  if (g.KW == 3) direct_weight_grad_f32<3>(gy, x, dw, g);
  else direct_weight_grad_f32<5>(gy, x, dw, g);
}

}  // namespace ag::conv
