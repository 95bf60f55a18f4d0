// direct.hpp: direct float32 convolution kernels, the fast path for the audio models' early layers.
//
// What they compute is the definition in reference.hpp (geometry.hpp for the sizes); what they
// avoid is im2col's copy of every input pixel KH KW times. Layout: x (B, C, H, W), w (O, C, KH, KW),
// y and gy (B, O, OH, OW), all contiguous row-major float32, NCHW as everywhere in the library.
// Each kernel zero-pads its input once, then computes 16 consecutive outputs of a row as one
// vector (GCC vector extension v16: one AVX-512 register, or two AVX2 ones) for a tile of 8 output
// channels at a time; direct.cpp explains the register blocking.
//
//   direct_forward      y = conv(x, w) + bias                     when direct_forward_ok(g)
//   direct_input_grad   dx = conv(gy padded, w flipped, O <-> C)  when direct_backward_ok(g)
//   direct_weight_grad  dw[o, c, kh, kw] = sum gy x_pad           when direct_weight_grad_ok(g)
//
// When each is chosen (measured with bench/nn, 1 thread, A/B interleaved):
//   forward: unit stride along W and rows of 32 outputs or more (1.1-1.5x im2col + sgemm; on
//            16-wide rows a vector covers a whole row and the loop overhead shows);
//   input gradient: stride 1 both ways, rows of 32 or more, padding p <= d (K - 1);
//   weight gradient: unit W stride, rows of 32 or more, KW 3 or 5, C and O up to 32 (ERANN stages
//            0 and 1, where im2col's copies dominate; from 64 channels on sgemm's blocking wins).
// conv2d_kernels.hpp makes that choice; ReferenceKernelsGuard turns these kernels off.
#pragma once

#include "tensor/conv/geometry.hpp"

namespace ag::conv {

bool direct_forward_ok(const ConvGeom& g);
bool direct_backward_ok(const ConvGeom& g);
bool direct_weight_grad_ok(const ConvGeom& g);

// y (B, O, OH, OW) = conv(x (B, C, H, W), w (O, C, KH, KW)) + bias (O, or null).
void direct_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g);

// dx (B, C, H, W) from gy (B, O, OH, OW) and w (O, C, KH, KW); overwrites dx.
void direct_input_grad(const float* gy, const float* w, float* dx, const ConvGeom& g);

// dw (O, C, KH, KW) from gy (B, O, OH, OW) and x (B, C, H, W); overwrites dw. Partial sums per
// thread are added in thread order: deterministic for a given thread count.
void direct_weight_grad(const float* gy, const float* x, float* dw, const ConvGeom& g);

}  // namespace ag::conv
