// im2col.hpp: the general convolution kernel, im2col + GEMM, for every shape, float32 and float64.
//
// What it computes is the definition in reference.hpp. How: let col_b be the (C KH KW, OH OW) matrix
//   col_b[(c, kh, kw), (oh, ow)] = x[b, c, ih, iw]
// and read w as the (O, C KH KW) matrix W and y[b] as the (O, OH OW) matrix Y_b. Then
//   Y_b = W col_b + bias 1^T,
// and, from G_b = dL/dY_b, by differentiating that product:
//   dL/dW = sum_b G_b col_b^T,   dL/dcol_b = W^T G_b,   dL/dx[b] = col2im(dL/dcol_b)
// where col2im, the adjoint of im2col, ADDS each column entry back to the pixel it was copied from.
// The products go to BLAS through ag::gemm (tensor/linalg.hpp).
//
// Layout: NCHW, contiguous row-major. Speed: samples run in parallel on OpenMP threads when there
// are at least as many samples as threads (each calling single-threaded BLAS on its own workspace),
// otherwise one after another with BLAS threaded inside. A sample's col matrix for a large layer is
// tens of MB (CNN14 block 1: 576 x 32064 floats = 74 MB), so it is built a band of output rows at a
// time (about 1 MB, so that it stays in the core's 2 MB L2 cache between being written by im2col
// and read by the GEMM). Workspaces are thread_local and only grow. A 1x1 stride-1 unpadded
// convolution skips im2col (col_b is x[b] itself).
#pragma once

#include "tensor/conv/geometry.hpp"

namespace ag::conv {

// y (B, O, OH, OW) = conv(x (B, C, H, W), w (O, C KH KW)) + bias (O, or null). T is float or double.
template <class T>
void im2col_forward(const T* x, const T* w, const T* bias, T* y, const ConvGeom& g);

// dx (B, C, H, W, zero on entry, or null) += and dw (O, C KH KW, or null) = the gradients from
// gy (B, O, OH, OW). dW sums per thread are added in thread order (deterministic).
template <class T>
void im2col_backward(const T* gy, const T* x, const T* w, T* dx, T* dw, const ConvGeom& g);

// db[o] = sum over b and output positions of gy[b, o, :] (a double accumulator).
template <class T>
void bias_backward(const T* gy, T* db, const ConvGeom& g);

}  // namespace ag::conv
