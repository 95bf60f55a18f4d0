// conv2d_kernels.hpp: the convolution kernels below autograd, and the choice between them.
//
//   reference.hpp  the plain seven-loop definition (float64), what every kernel is tested against
//   im2col.hpp     im2col + GEMM: any shape, float32 and float64; the path ReferenceKernelsGuard forces
//   direct.hpp     direct float32 kernels for unit W stride and rows of 32 outputs or more
//   winograd.hpp   F(2x2, 3x3) Winograd, float32, 3x3 stride 1 padding 1 with 32+ channels
//
// forward / backward pick, per call, Winograd where winograd.hpp takes the shape, else the direct
// kernel where direct.hpp says it wins, else im2col; under a ReferenceKernelsGuard (tensor/kernels.hpp) always im2col, so tests can compare.
// The op that checks shapes and records the gradient is autograd/ops/conv2d.cpp.
#pragma once

#include "tensor/conv/direct.hpp"
#include "tensor/conv/geometry.hpp"
#include "tensor/conv/im2col.hpp"
#include "tensor/conv/reference.hpp"
#include "tensor/conv/winograd.hpp"

namespace ag::conv {

// y (B, O, OH, OW) = conv(x (B, C, H, W), w (O, C, KH, KW)) + bias (O, or null); T float or double.
template <class T>
void forward(const T* x, const T* w, const T* bias, T* y, const ConvGeom& g);

// The gradients from gy (B, O, OH, OW): dx (B, C, H, W), dw (O, C, KH, KW), db (O); each may be null
// (not wanted). dx must be zero on entry.
template <class T>
void backward(const T* gy, const T* x, const T* w, T* dx, T* dw, T* db, const ConvGeom& g);

}  // namespace ag::conv
