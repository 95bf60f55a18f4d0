// reference.hpp: the plain seven-loop convolution, the definition every fast kernel is tested
// against (tests/tensor/test_conv_kernels.cpp, tests/nn/test_conv.cpp). float64, one thread, no
// blocking: read it to know what the kernels in im2col.hpp and direct.hpp compute.
//
//   y[b, o, oh, ow] = bias[o] + sum_{c, kh, kw} w[o, c, kh, kw] x[b, c, ih, iw]
//   with ih = oh sh - ph + kh dh, iw = ow sw - pw + kw dw, and x = 0 outside the image.
// Backward, from gy = dL/dy, each term of that sum hands its gradient to both factors:
//   dx[b, c, ih, iw] += gy[b, o, oh, ow] w[o, c, kh, kw]
//   dw[o, c, kh, kw] += gy[b, o, oh, ow] x[b, c, ih, iw]
//   db[o]            += gy[b, o, oh, ow]
#pragma once

#include "tensor/conv/geometry.hpp"

namespace ag::conv {

// y (B, O, OH, OW) = conv(x (B, C, H, W), w (O, C, KH, KW)) + bias (O, or null).
void forward_reference(const double* x, const double* w, const double* bias, double* y, const ConvGeom& g);

// dx (B, C, H, W), dw (O, C, KH, KW), db (O), all zero on entry, += the gradients from gy (B, O, OH, OW).
void backward_reference(const double* gy, const double* x, const double* w, double* dx, double* dw, double* db,
                        const ConvGeom& g);

}  // namespace ag::conv
