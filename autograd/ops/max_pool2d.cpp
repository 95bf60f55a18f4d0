// max_pool2d.cpp: max pooling over windows of a (B, C, H, W) tensor, and its 1-d form.
//
// Shapes: x (B, C, H, W) -> y (B, C, OH, OW), OH = floor((H + 2 ph - KH) / sh) + 1 (same for W).
// Window (oh, ow) covers rows oh sh - ph .. oh sh - ph + KH - 1 (and columns likewise); padding
// counts as -inf, so it never wins (padding <= K / 2 keeps at least one real element per window).
//
//   y[b, c, oh, ow] = max over the window of x[b, c, ih, iw]
//   dL/dx[b, c, ih, iw] = sum of g[b, c, oh, ow] over the windows whose (first) maximum is (ih, iw)
//
// The forward saves, per output, the position of its maximum inside the (H, W) plane; the backward
// scatters the gradient there. A NaN in a window wins (as in PyTorch), so NaNs propagate.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "autograd/ops/pool_geometry.hpp"
#include "tensor/parallel.hpp"

namespace ag {
namespace {

using pooling::PoolGeom;
PoolGeom check_pool2d(const Shape& x, Size2 kernel, Size2 stride, Size2 padding, const char* op) {
  return pooling::check_pool2d(x, kernel, stride, padding, /*count_pad=*/true, op);
}

template <class T>
void max_pool_forward(const T* x, T* y, int64_t* arg, const PoolGeom& g) {
  // Why parallel over planes: each (b, c) plane is pooled independently.
#pragma omp parallel for schedule(static) if (g.planes * g.OH * g.OW * g.KH * g.KW >= kParallelGrain)
  for (int64_t p = 0; p < g.planes; ++p) {
    const T* xp = x + p * g.H * g.W;
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
        T best = -std::numeric_limits<T>::infinity();
        int64_t best_i = -1;
        for (int64_t ih = std::max<int64_t>(h0, 0); ih < std::min(h0 + g.KH, g.H); ++ih)
          for (int64_t iw = std::max<int64_t>(w0, 0); iw < std::min(w0 + g.KW, g.W); ++iw) {
            const T v = xp[ih * g.W + iw];
            // The first NaN wins and keeps winning (v > NaN is false).
            if (best_i < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
              best = v;
              best_i = ih * g.W + iw;
            }
          }
        const int64_t o = (p * g.OH + oh) * g.OW + ow;
        y[o] = best;
        arg[o] = best_i;
      }
  }
}

}  // namespace

Variable max_pool2d(const Variable& input, Size2 kernel, std::optional<Size2> stride, Size2 padding) {
  check_defined(input.data(), "max_pool2d");
  const Size2 st = stride.value_or(kernel);
  const PoolGeom g = check_pool2d(input.shape(), kernel, st, padding, "max_pool2d");
  const Tensor x = input.data().contiguous();
  Tensor y({input.size(0), input.size(1), g.OH, g.OW}, x.dtype());
  // Positions of the maxima, shared with the backward (int64: planes can exceed 2^31 elements).
  auto arg = std::make_shared<std::vector<int64_t>>(size_t(g.planes * g.OH * g.OW));
  dispatch_floating(x.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    max_pool_forward<T>(x.data_ptr<T>(), y.data_ptr<T>(), arg->data(), g);
  });
  return record("max_pool2d", y, {input}, [g, arg, shape = x.shape(), dtype = x.dtype()](const Tensor& grad) {
    const Tensor gy = grad.contiguous();
    Tensor dx(shape, dtype);
    dispatch_floating(dtype, "max_pool2d backward", [&](auto tag) {
      using T = decltype(tag);
      const T* pg = gy.data_ptr<T>();
      T* pdx = dx.data_ptr<T>();
      const int64_t* a = arg->data();
      // Why parallel over planes: windows of different planes never write the same element.
#pragma omp parallel for schedule(static) if (g.planes * g.OH * g.OW >= kParallelGrain)
      for (int64_t p = 0; p < g.planes; ++p) {
        T* dp = pdx + p * g.H * g.W;
        for (int64_t o = p * g.OH * g.OW; o < (p + 1) * g.OH * g.OW; ++o) dp[a[o]] += pg[o];
      }
    });
    return TensorList{dx};
  });
}

Variable max_pool1d(const Variable& input, int64_t kernel, std::optional<int64_t> stride, int64_t padding) {
  check_defined(input.data(), "max_pool1d");
  if (input.dim() != 3) fail<ShapeError>("max_pool1d: expected a 3-d input (B, C, T), got ", shape_str(input.shape()));
  // A composite: the 2-d op on (B, C, 1, T) with a (1, K) window.
  return squeeze(max_pool2d(unsqueeze(input, 2), Size2(1, kernel), Size2(1, stride.value_or(kernel)), Size2(0, padding)), 2);
}

}  // namespace ag
