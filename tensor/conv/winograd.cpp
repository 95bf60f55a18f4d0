// winograd.cpp: F(2x2, 3x3) Winograd convolution, forward and both gradients (winograd.hpp).
#include "tensor/conv/winograd.hpp"

#include <algorithm>
#include <vector>

#include "tensor/linalg.hpp"
#include "tensor/tensor.hpp"

namespace ag::conv {
namespace {

// About 4 MB of transformed input per chunk: 16 C n floats, so n = 2^16 / C tiles.
constexpr int64_t kChunkChannelTiles = int64_t{1} << 16;
constexpr int64_t kMinChunkTiles = 256;  // fewer, and deep layers re-read their 16 MB of U per chunk

// The 2x2 output tiles of a (B, H, W) output; tile t is image t / per_image, row 2 ti, column 2 tj.
struct Tiles {
  int64_t B, H, W, th, tw, per_image, total;
  Tiles(int64_t b, int64_t h, int64_t w) : B(b), H(h), W(w), th((h + 1) / 2), tw((w + 1) / 2) {
    per_image = th * tw;
    total = B * per_image;
  }
};

// V[xi][c][j] = (B^T d B)[xi] for the 4x4 input patch d (rows 2 ti - 1 .. 2 ti + 2, zero outside)
// under tile t0 + j, channel c of x (B, C, H, W).
void input_transform(const float* x, int64_t C, const Tiles& T, int64_t t0, int64_t n, float* V) {
  // Why parallel over (channel, tile): independent patches; consecutive tiles write consecutive V.
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t c = 0; c < C; ++c)
    for (int64_t j = 0; j < n; ++j) {
      const int64_t t = t0 + j, b = t / T.per_image, r = t % T.per_image;
      const int64_t h0 = 2 * (r / T.tw) - 1, w0 = 2 * (r % T.tw) - 1;
      const float* xc = x + (b * C + c) * T.H * T.W;
      float d[4][4];
      for (int a = 0; a < 4; ++a)
        for (int e = 0; e < 4; ++e) {
          const int64_t h = h0 + a, w = w0 + e;
          d[a][e] = (h >= 0 && h < T.H && w >= 0 && w < T.W) ? xc[h * T.W + w] : 0.0f;
        }
      float s[4][4];  // B^T d
      for (int e = 0; e < 4; ++e) {
        s[0][e] = d[0][e] - d[2][e];
        s[1][e] = d[1][e] + d[2][e];
        s[2][e] = d[2][e] - d[1][e];
        s[3][e] = d[1][e] - d[3][e];
      }
      for (int a = 0; a < 4; ++a) {  // (B^T d) B
        float* v = V + (a * 4 * C + c) * n + j;
        v[0 * C * n] = s[a][0] - s[a][2];
        v[1 * C * n] = s[a][1] + s[a][2];
        v[2 * C * n] = s[a][2] - s[a][1];
        v[3 * C * n] = s[a][1] - s[a][3];
      }
    }
}

// U[xi][o][c] = (G g G^T)[xi] for w (O, C, 3, 3).
std::vector<float> weight_transform(const float* w, int64_t O, int64_t C) {
  std::vector<float> U(size_t(16 * O * C));
  // Why parallel: O C independent kernels.
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c) {
      const float* g = w + (o * C + c) * 9;
      float s[4][3];  // G g
      for (int e = 0; e < 3; ++e) {
        s[0][e] = g[e];
        s[1][e] = 0.5f * (g[e] + g[3 + e] + g[6 + e]);
        s[2][e] = 0.5f * (g[e] - g[3 + e] + g[6 + e]);
        s[3][e] = g[6 + e];
      }
      for (int a = 0; a < 4; ++a) {  // (G g) G^T
        const float u[4] = {s[a][0], 0.5f * (s[a][0] + s[a][1] + s[a][2]), 0.5f * (s[a][0] - s[a][1] + s[a][2]), s[a][2]};
        for (int e = 0; e < 4; ++e) U[size_t(((a * 4 + e) * O + o) * C + c)] = u[e];
      }
    }
  return U;
}

// y tile = A^T M A (+ bias) for M[xi][o][j], written where it lies inside (H, W).
void output_transform(const float* M, int64_t O, const Tiles& T, int64_t t0, int64_t n, const float* bias, float* y) {
  // Why parallel over (channel, tile): independent tiles.
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < O; ++o)
    for (int64_t j = 0; j < n; ++j) {
      float m[4][4];
      for (int xi = 0; xi < 16; ++xi) m[xi / 4][xi % 4] = M[(xi * O + o) * n + j];
      float s[2][4];  // A^T M
      for (int e = 0; e < 4; ++e) {
        s[0][e] = m[0][e] + m[1][e] + m[2][e];
        s[1][e] = m[1][e] - m[2][e] - m[3][e];
      }
      const float add = bias ? bias[o] : 0.0f;
      const int64_t t = t0 + j, b = t / T.per_image, r = t % T.per_image;
      const int64_t h0 = 2 * (r / T.tw), w0 = 2 * (r % T.tw);
      float* yo = y + (b * O + o) * T.H * T.W;
      for (int a = 0; a < 2 && h0 + a < T.H; ++a) {
        yo[(h0 + a) * T.W + w0] = s[a][0] + s[a][1] + s[a][2] + add;  // (A^T M) A
        if (w0 + 1 < T.W) yo[(h0 + a) * T.W + w0 + 1] = s[a][1] - s[a][2] - s[a][3] + add;
      }
    }
}

// GY[xi][o][j] = (A dy A^T)[xi] for the 2x2 tile t0 + j of gy (B, O, H, W) (zero outside).
void grad_transform(const float* gy, int64_t O, const Tiles& T, int64_t t0, int64_t n, float* GY) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < O; ++o)
    for (int64_t j = 0; j < n; ++j) {
      const int64_t t = t0 + j, b = t / T.per_image, r = t % T.per_image;
      const int64_t h0 = 2 * (r / T.tw), w0 = 2 * (r % T.tw);
      const float* go = gy + (b * O + o) * T.H * T.W;
      float g[2][2];
      for (int a = 0; a < 2; ++a)
        for (int e = 0; e < 2; ++e) {
          const int64_t h = h0 + a, w = w0 + e;
          g[a][e] = (h < T.H && w < T.W) ? go[h * T.W + w] : 0.0f;
        }
      float s[4][2];  // A g, A = [1 0; 1 1; 1 -1; 0 -1]
      for (int e = 0; e < 2; ++e) {
        s[0][e] = g[0][e];
        s[1][e] = g[0][e] + g[1][e];
        s[2][e] = g[0][e] - g[1][e];
        s[3][e] = -g[1][e];
      }
      for (int a = 0; a < 4; ++a) {  // (A g) A^T
        float* q = GY + (a * 4 * O + o) * n + j;
        q[0 * O * n] = s[a][0];
        q[1 * O * n] = s[a][0] + s[a][1];
        q[2 * O * n] = s[a][0] - s[a][1];
        q[3 * O * n] = -s[a][1];
      }
    }
}

int64_t chunk_tiles(int64_t C, int64_t total) { return std::min(total, std::max(kMinChunkTiles, kChunkChannelTiles / C)); }

// y (B, O, H, W) = conv3x3_pad1(x (B, C, H, W), w) + bias.
void winograd_conv(const float* x, const float* w, const float* bias, float* y, int64_t B, int64_t C, int64_t O, int64_t H,
                   int64_t W) {
  const Tiles T(B, H, W);
  const std::vector<float> U = weight_transform(w, O, C);
  const int64_t n = chunk_tiles(std::max(C, O), T.total);
  // Scratch written in full before it is read (no zeroing), from the block cache.
  Tensor V_t = Tensor::uninitialized({16 * C * n}, DType::Float32), M_t = Tensor::uninitialized({16 * O * n}, DType::Float32);
  float *V = V_t.data_ptr<float>(), *M = M_t.data_ptr<float>();
  for (int64_t t0 = 0; t0 < T.total; t0 += n) {
    const int64_t nn = std::min(n, T.total - t0);
    input_transform(x, C, T, t0, nn, V);
    // Why parallel over the 16 positions: independent products, each on single-threaded BLAS.
#pragma omp parallel for schedule(static)
    for (int64_t xi = 0; xi < 16; ++xi)
      gemm(false, false, O, nn, C, 1.0f, U.data() + xi * O * C, C, V + xi * C * nn, nn, 0.0f, M + xi * O * nn, nn);
    output_transform(M, O, T, t0, nn, bias, y);
  }
}

}  // namespace

bool winograd_supports(const ConvGeom& g) {
  return g.KH == 3 && g.KW == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.ph == 1 && g.pw == 1;
}

bool winograd_ok(const ConvGeom& g) {
  // At least 512 tiles in the batch: below that the weight transform (16 O C values per call)
  // costs more than the products save (ERANN-2-2 inference at batch 1: 7.5 % of the time in it).
  return winograd_supports(g) && g.C >= 256 && g.C <= 512 && g.O <= 512 && Tiles(g.B, g.H, g.W).total >= 512;
}

void winograd_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g) {
  winograd_conv(x, w, bias, y, g.B, g.C, g.O, g.H, g.W);
}

void winograd_input_grad(const float* gy, const float* w, float* dx, const ConvGeom& g) {
  const std::vector<float> wf = flipped_transposed_kernel(w, g);  // (C, O, 3, 3)
  winograd_conv(gy, wf.data(), nullptr, dx, g.B, g.O, g.C, g.H, g.W);
}

void winograd_weight_grad(const float* gy, const float* x, float* dw, const ConvGeom& g) {
  const Tiles T(g.B, g.H, g.W);
  const int64_t n = chunk_tiles(std::max(g.C, g.O), T.total);
  Tensor V_t = Tensor::uninitialized({16 * g.C * n}, DType::Float32), GY_t = Tensor::uninitialized({16 * g.O * n}, DType::Float32);
  float *V = V_t.data_ptr<float>(), *GY = GY_t.data_ptr<float>();
  std::vector<float> dU(size_t(16 * g.O * g.C), 0.0f);  // accumulated over chunks
  for (int64_t t0 = 0; t0 < T.total; t0 += n) {
    const int64_t nn = std::min(n, T.total - t0);
    input_transform(x, g.C, T, t0, nn, V);
    grad_transform(gy, g.O, T, t0, nn, GY);
    // Why parallel over the 16 positions: each accumulates its own dU_xi, in chunk order.
#pragma omp parallel for schedule(static)
    for (int64_t xi = 0; xi < 16; ++xi)
      gemm(false, true, g.O, g.C, nn, 1.0f, GY + xi * g.O * nn, nn, V + xi * g.C * nn, nn, 1.0f,
           dU.data() + xi * g.O * g.C, g.C);
  }
  // dw = G^T dU G, G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1].
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c) {
      float u[4][4];
      for (int xi = 0; xi < 16; ++xi) u[xi / 4][xi % 4] = dU[size_t((xi * g.O + o) * g.C + c)];
      float s[3][4];  // G^T u
      for (int e = 0; e < 4; ++e) {
        s[0][e] = u[0][e] + 0.5f * (u[1][e] + u[2][e]);
        s[1][e] = 0.5f * (u[1][e] - u[2][e]);
        s[2][e] = 0.5f * (u[1][e] + u[2][e]) + u[3][e];
      }
      float* out = dw + (o * g.C + c) * 9;
      for (int k = 0; k < 3; ++k) {  // (G^T u) G
        out[k * 3 + 0] = s[k][0] + 0.5f * (s[k][1] + s[k][2]);
        out[k * 3 + 1] = 0.5f * (s[k][1] - s[k][2]);
        out[k * 3 + 2] = 0.5f * (s[k][1] + s[k][2]) + s[k][3];
      }
    }
}

}  // namespace ag::conv
