// direct.cpp: the direct float32 kernels of direct.hpp (forward, input gradient, weight gradient).
#include "tensor/conv/direct.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "tensor/conv/direct_isa.hpp"
#include "tensor/conv/workspace.hpp"
#include "tensor/tensor.hpp"

namespace ag::conv {
namespace {

using detail::DirectKernels;
using detail::ForwardTile;
using detail::WeightGradBlock;
using detail::workspace;

// How the direct kernels work.
//
// im2col copies every input pixel KH KW times, and for layers with few channels (ERANN's first
// stage: 16 channels on 640 x 128) that copy and BLAS's packing of it cost more than the
// arithmetic. The direct kernel reads the (zero-padded) input in place instead:
//   y[b, o, oh, ow .. ow+n) = sum_{c, kh, kw} w[o, c, kh, kw] x_pad[b, c, oh sh + kh dh, ow + kw dw .. +n)
// n consecutive outputs of one row are a few vectors (x_pad's row is contiguous when the W stride is
// 1), and a tile of output channels is computed together, so each vector load of x feeds one fused
// multiply-add per channel of the tile with a broadcast weight. The weights are repacked per call as
// (O / tile, C KH KW, tile) so that a tap's weights for the tile are side by side (zero rows pad the
// last tile). The vector width, the tile and the row block depend on the instruction set, chosen at
// run time (isa.hpp); the inner loops are in direct_kernels.inc, compiled once per set; this file
// does the rest, which does not depend on the width.
// The same kernel computes the input gradient of a stride-1 convolution, which is the convolution of
// the output gradient, padded by d (K - 1) - p, with the kernel flipped and its channel axes swapped.
constexpr int64_t kMinRow = 32;  // the shortest output row the direct kernels take (see below)

struct DirectGeom {
  int64_t B, C, H, W, O, KH, KW, sh, ph, pw, dh, dw, OH, OW;
};

inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// x (B, C, H, W) into a zero-padded (B, C, Hp, Wp), rows at (ph, pw). xp may be uninitialised: the
// border is zeroed here, row by row, rather than the whole buffer first (a memset of every padded
// element was ~7 % of an ERANN-3-1 training step, on top of the copy).
void pad_input(const float* x, float* xp, int64_t BC, int64_t H, int64_t W, int64_t Hp, int64_t Wp, int64_t ph,
               int64_t pw) {
  const int64_t right = Wp - W - pw;
  // Why parallel: B C independent planes to copy.
#pragma omp parallel for schedule(static)
  for (int64_t bc = 0; bc < BC; ++bc) {
    float* plane = xp + bc * Hp * Wp;
    std::memset(plane, 0, size_t(ph * Wp) * sizeof(float));                                   // top rows
    std::memset(plane + (ph + H) * Wp, 0, size_t((Hp - H - ph) * Wp) * sizeof(float));        // bottom rows
    for (int64_t h = 0; h < H; ++h) {
      float* row = plane + (h + ph) * Wp;
      std::memset(row, 0, size_t(pw) * sizeof(float));
      std::memcpy(row + pw, x + (bc * H + h) * W, size_t(W) * sizeof(float));
      std::memset(row + pw + W, 0, size_t(right) * sizeof(float));
    }
  }
}

// y (B, O, OH, OW) = conv(x (B, C, H, W), w (O, C, KH, KW)), stride (sh, 1).
void direct_conv_f32(const float* x, const float* w, float* y, const DirectGeom& g) {
  const DirectKernels& k = detail::active_kernels();
  const int64_t Hp = g.H + 2 * g.ph;
  const int64_t Wp = std::max(g.W + 2 * g.pw, round_up(g.OW, k.row_step) + (g.KW - 1) * g.dw);  // room for whole vectors
  const int64_t CK = g.C * g.KH * g.KW, T = k.fwd_channels, tiles = (g.O + T - 1) / T;
  Tensor xp_t = Tensor::uninitialized({g.B, g.C, Hp, Wp}, DType::Float32);
  float* xp = xp_t.data_ptr<float>();
  pad_input(x, xp, g.B * g.C, g.H, g.W, Hp, Wp, g.ph, g.pw);
  // Packed weights (tiles, CK, T).
  std::vector<float> wt(size_t(tiles * CK * T), 0.0f);
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t i = 0; i < CK; ++i) wt[size_t(((o / T) * CK + i) * T + o % T)] = w[o * CK + i];

  // Why parallel over (sample, channel tile): independent outputs; the tile's weights (CK T
  // floats) stay in cache while the thread sweeps the sample's rows.
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < g.B; ++b)
    for (int64_t tile = 0; tile < tiles; ++tile) {
      const int64_t o0 = tile * T;
      const ForwardTile a{xp + b * g.C * Hp * Wp, wt.data() + tile * CK * T, y + (b * g.O + o0) * g.OH * g.OW,
                          std::min(T, g.O - o0), g.C, g.KH, g.KW, Hp, Wp, g.sh, g.dh, g.dw, g.OH, g.OW};
      k.forward_tile(a);
    }
}

// The weight gradient, directly (float32, unit stride along W, kernel width KW):
//   dw[o, c, kh, kw] = sum_{b, oh, ow} gy[b, o, oh, ow] x_pad[b, c, oh sh + kh dh, ow + kw dw]
// A vector of consecutive ow, and a register tile of output channels x KW kernel columns
// accumulates lane-wise products (tile + KW vector loads feed tile KW multiply-adds); the lanes are
// summed at the end. Work is split into (sample, channel tile, block of output rows), whose inputs
// (the tile's gy rows and C (rows + KH - 1) x rows) stay in L2 while every (c, kh) pair sweeps them.
// A block holds at least kBlockElems outputs per channel so that the lane sums at the end of each
// (c, kh) sweep are a small fraction of the work. Each thread sums into its own dW; the partial
// sums are added in thread order (deterministic for a given thread count and instruction set).
constexpr int64_t kBlockElems = 4096;
constexpr int64_t kMaxTile = 16;

}  // namespace

void direct_weight_grad(const float* gy, const float* x, float* dw, const ConvGeom& g) {
  const DirectKernels& k = detail::active_kernels();
  const int64_t T = g.KW == 3 ? k.wg_channels3 : k.wg_channels5;
  const int64_t OWr = round_up(g.OW, k.lanes);
  const int64_t Hp = g.H + 2 * g.ph, Wp = std::max(g.W + 2 * g.pw, OWr + (g.KW - 1) * g.dw);
  Tensor xp_t = Tensor::uninitialized({g.B, g.C, Hp, Wp}, DType::Float32);      // zero-padded input
  Tensor gp_t = Tensor::uninitialized({g.B, g.O, g.OH, OWr}, DType::Float32);   // gy with rows zero-padded to whole vectors
  float* xp = xp_t.data_ptr<float>();
  float* gp = gp_t.data_ptr<float>();
  pad_input(x, xp, g.B * g.C, g.H, g.W, Hp, Wp, g.ph, g.pw);
  pad_input(gy, gp, g.B * g.O, g.OH, g.OW, g.OH, OWr, 0, 0);
  const std::vector<float> zero_row(size_t(OWr), 0.0f);  // stands in for channels past O in the last tile
  const int64_t rows = std::min(g.OH, (kBlockElems + OWr - 1) / OWr);
  const int64_t tiles = (g.O + T - 1) / T, blocks = (g.OH + rows - 1) / rows, n = g.O * g.C * g.KH * g.KW;
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
          const int64_t o0 = tile * T, nt = std::min(T, g.O - o0);
          const float* grows[kMaxTile];  // row oh of gy channel o0 + t is grows[t] + oh * gstride[t]
          int64_t gstride[kMaxTile];
          for (int64_t t = 0; t < T; ++t) {
            grows[t] = t < nt ? gp + (b * g.O + o0 + t) * g.OH * OWr : zero_row.data();
            gstride[t] = t < nt ? OWr : 0;
          }
          const WeightGradBlock a{xp + b * g.C * Hp * Wp, grows, gstride, dw_t, o0, nt, g.C, g.KH, g.KW, Hp, Wp,
                                  g.sh, g.dh, g.dw, blk * rows, std::min(g.OH, blk * rows + rows), OWr};
          k.weight_grad_block(a);
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


// When each kernel is used was measured with bench/nn (1 thread, A/B interleaved): the direct
// forward beats im2col + sgemm by 1.1-1.5x on rows of 32 or more outputs, and loses on 16-wide rows
// (CNN14 block 3, ERANN stage 3), where a vector covers a whole row and the loop overhead shows.
bool direct_forward_ok(const ConvGeom& g) { return g.sw == 1 && g.OW >= kMinRow; }
// dx by the direct kernel: stride 1 both ways, and padding p <= d (K - 1) so the flipped
// convolution's padding d (K - 1) - p is not negative.
bool direct_backward_ok(const ConvGeom& g) {
  return g.sh == 1 && g.sw == 1 && g.W >= kMinRow && g.ph <= g.dh * (g.KH - 1) && g.pw <= g.dw * (g.KW - 1);
}

void direct_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g) {
  direct_conv_f32(x, w, y, {g.B, g.C, g.H, g.W, g.O, g.KH, g.KW, g.sh, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW});
  if (bias)
#pragma omp parallel for schedule(static)
    for (int64_t bo = 0; bo < g.B * g.O; ++bo)
      for (int64_t l = 0; l < g.L(); ++l) y[bo * g.L() + l] += bias[bo % g.O];
}

// dx (B, C, H, W) = conv(gy padded, w flipped with O and C swapped).
void direct_input_grad(const float* gy, const float* w, float* dx, const ConvGeom& g) {
  const std::vector<float> wf = flipped_transposed_kernel(w, g);
  direct_conv_f32(gy, wf.data(), dx,
                  {g.B, g.O, g.OH, g.OW, g.C, g.KH, g.KW, 1, g.dh * (g.KH - 1) - g.ph, g.dw * (g.KW - 1) - g.pw, g.dh,
                   g.dw, g.H, g.W});
}

// Measured as above: the direct weight gradient wins for up to 32 channels (ERANN stages 0 and 1,
// where im2col's copies dominate) and loses to sgemm's blocking from 64 channels on.
bool direct_weight_grad_ok(const ConvGeom& g) {
  return g.sw == 1 && g.OW >= kMinRow && (g.KW == 3 || g.KW == 5) && g.C <= 32 && g.O <= 32;
}

}  // namespace ag::conv
