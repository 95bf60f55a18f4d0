// winograd.hpp: 3x3, stride 1, padding 1 convolutions by Winograd's minimal filtering F(2x2, 3x3)
// (Lavin & Gray 2016), float32: every convolution of CNN14 but its first.
//
// What it computes is the definition in reference.hpp. How: the output is cut into 2x2 tiles; the
// 4x4 input patch d under a tile and the 3x3 kernel g are transformed, multiplied element-wise,
// summed over input channels and transformed back:
//   Y = A^T [ sum_c (G g_oc G^T) (.) (B^T d_c B) ] A
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1]
// For each of the 16 positions xi of a transformed tile the sum over channels is a matrix product,
// M_xi (O, tiles) = U_xi (O, C) V_xi (C, tiles), done by sgemm: 16 products of 1/2.25 the
// multiply-adds of im2col's one (4 products per 2x2 outputs instead of 9).
// Backward, by differentiating the same formula:
//   input gradient:  the forward of gy with the kernel flipped and its channel axes swapped (padding
//                    K - 1 - p = 1, still 3x3 stride 1);
//   weight gradient: dU_xi (O, C) = sum_tiles (A dY A^T)_xi V_xi^T, then dg = G^T dU G.
// The tiles of the whole batch are taken a chunk at a time (about 4 MB of transformed input), the
// 16 products of a chunk in parallel on OpenMP threads, each calling single-threaded BLAS.
#pragma once

#include "tensor/conv/geometry.hpp"

namespace ag::conv {

// The shapes these kernels compute: 3x3 kernel, stride 1, dilation 1, padding 1 both ways.
bool winograd_supports(const ConvGeom& g);

// The shapes where conv2d_kernels.hpp chooses them: supported, with 256-512 input channels, at
// most 512 output channels, and at least 512 2x2 tiles in the batch. Measured with bench/nn/bench_conv (forward + both gradients, batch 8,
// 2 threads, AVX2 machine, against the same build with Winograd off, two alternations): CNN14's
// 256 -> 256 at 125 x 16 0.36-0.39 s against 0.39-0.40, 256 -> 512 at 62 x 8 0.19-0.20 against
// 0.19-0.21, 512 -> 512 at 62 x 8 0.31-0.32 against 0.38-0.41; ERANN's 256 -> 256 at 10 x 8
// (batch 32) 0.066 against 0.069. It loses elsewhere: 2.2x slower on CNN14's 64-channel layer at
// 501 x 64 and 1.4x on its 128-channel ones (the transforms here are scalar loops that stride
// through memory, costlier than the products they save at large images and few channels), and
// 1.1-1.2x on the 1024- and 2048-channel layers (each chunk re-reads U_xi, 16 of them of O C
// floats). What would make it win there: the transforms vectorised across 8 tiles and fused into
// the GEMM's packing, and F(4x4, 3x3) (4x fewer multiply-adds than direct, against 2.25x).
bool winograd_ok(const ConvGeom& g);

// y (B, O, H, W) = conv(x (B, C, H, W), w (O, C, 3, 3)) + bias (O, or null).
void winograd_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g);

// dx (B, C, H, W) from gy (B, O, H, W) and w; overwrites dx.
void winograd_input_grad(const float* gy, const float* w, float* dx, const ConvGeom& g);

// dw (O, C, 3, 3) from gy and x; overwrites dw.
void winograd_weight_grad(const float* gy, const float* x, float* dw, const ConvGeom& g);

}  // namespace ag::conv
