// pool_geometry.hpp (internal): the window arithmetic and argument checks shared by max_pool2d.cpp
// and avg_pool2d.cpp (and through them the 1-d forms).
//
// x (B, C, H, W) -> (B, C, OH, OW), OH = floor((H + 2 ph - KH) / sh) + 1 (same for W); window
// (oh, ow) covers rows oh sh - ph .. oh sh - ph + KH - 1 and the matching columns.
#pragma once

#include <algorithm>

#include "autograd/nn_ops.hpp"

namespace ag::pooling {

struct PoolGeom {
  int64_t planes, H, W, KH, KW, sh, sw, ph, pw, OH, OW;
  bool count_pad = true;  // average pooling: divide by KH KW (true) or by the real elements
  // The window of output (oh, ow), clipped to the image, and its averaging divisor.
  void window(int64_t oh, int64_t ow, int64_t& h0, int64_t& h1, int64_t& w0, int64_t& w1, double& div) const {
    h0 = oh * sh - ph, w0 = ow * sw - pw;
    h1 = std::min(h0 + KH, H), w1 = std::min(w0 + KW, W);
    h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
    div = count_pad ? double(KH * KW) : double((h1 - h0) * (w1 - w0));
  }
};

// Checks the arguments (naming `op` in errors) and computes the output size.
inline PoolGeom check_pool2d(const Shape& x, Size2 kernel, Size2 stride, Size2 padding, bool count_pad, const char* op) {
  if (x.size() != 4) fail<ShapeError>(op, ": expected a 4-d input (B, C, H, W), got ", shape_str(x));
  if (kernel.h < 1 || kernel.w < 1 || stride.h < 1 || stride.w < 1 || padding.h < 0 || padding.w < 0)
    fail<ValueError>(op, ": kernel (", kernel.h, ", ", kernel.w, ") and stride (", stride.h, ", ", stride.w,
                     ") must be >= 1 and padding (", padding.h, ", ", padding.w, ") >= 0");
  if (2 * padding.h > kernel.h || 2 * padding.w > kernel.w)
    fail<ValueError>(op, ": padding (", padding.h, ", ", padding.w, ") should be at most half the kernel (", kernel.h,
                     ", ", kernel.w, ")");
  PoolGeom g{x[0] * x[1], x[2], x[3], kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w, 0, 0, count_pad};
  if (g.H + 2 * g.ph < g.KH || g.W + 2 * g.pw < g.KW)
    fail<ShapeError>(op, ": input ", shape_str(x), " padded to (", g.H + 2 * g.ph, ", ", g.W + 2 * g.pw,
                     ") is smaller than the kernel (", g.KH, ", ", g.KW, ")");
  g.OH = (g.H + 2 * g.ph - g.KH) / g.sh + 1;
  g.OW = (g.W + 2 * g.pw - g.KW) / g.sw + 1;
  return g;
}

}  // namespace ag::pooling
