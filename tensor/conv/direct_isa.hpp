// direct_isa.hpp (internal to tensor/conv/): the inner loops of the direct kernels, one set per
// instruction set (isa.hpp), and what direct.cpp needs to know to call them.
//
// direct.cpp does everything that does not depend on the vector width (padding the input, packing
// the weights, OpenMP over the work items, summing per-thread partials) and hands each work item to
// one of these functions. They are compiled from direct_kernels.inc in direct_generic.cpp,
// direct_avx2.cpp and direct_avx512.cpp, each with its own -march, and use nothing but this
// header, so no inline function compiled for a wide instruction set can leak into the rest of the
// program.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/conv/isa.hpp"

namespace ag::conv::detail {

// One (sample, tile of output channels) of y = conv(x_pad, w), stride (sh, 1), for every output row.
struct ForwardTile {
  const float* x;  // the sample's zero-padded input, (C, Hp, Wp); Wp leaves room for whole vectors
  const float* w;  // the tile's packed weights, (C KH KW, tile channels): a tap's weights side by side
  float* y;        // output channel o0; channel o0 + t is y + t OH OW
  int64_t channels;  // output channels of the tile that exist (<= the tile width; the rest are padding)
  int64_t C, KH, KW, Hp, Wp, sh, dh, dw, OH, OW;
};

// One (sample, tile of output channels, block of output rows) of the weight gradient:
//   dw[o0 + t, c, kh, kw] += sum_{oh in [oh0, oh1), ow} gy[o0 + t, oh, ow] x_pad[c, oh sh + kh dh, ow + kw dw]
struct WeightGradBlock {
  const float* x;         // the sample's zero-padded input, (C, Hp, Wp)
  const float* const* g;  // row oh of channel o0 + t's gradient is g[t] + oh * gstride[t], padded to OWr
  const int64_t* gstride;
  float* dw;              // this thread's (O, C, KH, KW) partial sums
  int64_t o0, channels;   // first output channel and how many of the tile exist
  int64_t C, KH, KW, Hp, Wp, sh, dh, dw_step, oh0, oh1, OWr;
};

struct DirectKernels {
  Isa isa;
  int64_t lanes;          // floats per vector
  int64_t row_step;       // outputs of a row the forward computes at once (a multiple of lanes)
  int64_t fwd_channels;   // output channels per forward tile
  int64_t wg_channels3;   // output channels per weight-gradient tile, KW = 3
  int64_t wg_channels5;   // and KW = 5
  void (*forward_tile)(const ForwardTile&);
  void (*weight_grad_block)(const WeightGradBlock&);  // KW 3 or 5
};

DirectKernels generic_kernels();
DirectKernels avx2_kernels();
DirectKernels avx512_kernels();

// The set for active_isa() (isa.cpp).
const DirectKernels& active_kernels();

}  // namespace ag::conv::detail
