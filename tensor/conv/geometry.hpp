// geometry.hpp: the sizes of one 2-d convolution, shared by every kernel in tensor/conv/.
//
//   x (B, C, H, W), w (O, C, KH, KW)  ->  y (B, O, OH, OW), all contiguous, row-major
//   OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1,  OW likewise
//   y[b, o, oh, ow] = sum_{c, kh, kw} w[o, c, kh, kw] x[b, c, oh sh - ph + kh dh, ow sw - pw + kw dw]
// (x is 0 outside the image). The op in autograd/ops/conv2d.cpp checks the shapes and fills this in;
// the kernels trust it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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

// w (O, C, KH, KW) flipped in both spatial axes, with its channel axes swapped: (C, O, KH, KW).
// The input gradient of a stride-1 convolution is the convolution of the output gradient with this
// kernel (padded by d (K - 1) - p), which is how the direct and Winograd kernels compute it.
template <class T>
std::vector<T> flipped_transposed_kernel(const T* w, const ConvGeom& g) {
  std::vector<T> wf(std::size_t(g.C * g.O * g.KH * g.KW));
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw = 0; kw < g.KW; ++kw)
          wf[std::size_t(((c * g.O + o) * g.KH + (g.KH - 1 - kh)) * g.KW + (g.KW - 1 - kw))] =
              w[((o * g.C + c) * g.KH + kh) * g.KW + kw];
  return wf;
}

}  // namespace ag::conv
