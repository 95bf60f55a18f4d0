// geometry.hpp: the sizes of one 2-d convolution, shared by every kernel in tensor/conv/.
//
//   x (B, C, H, W), w (O, C, KH, KW)  ->  y (B, O, OH, OW), all contiguous, row-major
//   OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1,  OW likewise
//   y[b, o, oh, ow] = sum_{c, kh, kw} w[o, c, kh, kw] x[b, c, oh sh - ph + kh dh, ow sw - pw + kw dw]
// (x is 0 outside the image). The op in autograd/ops/conv2d.cpp checks the shapes and fills this in;
// the kernels trust it.
#pragma once

#include <cstdint>

namespace ag::conv {

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

}  // namespace ag::conv
