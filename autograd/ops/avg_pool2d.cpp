// avg_pool2d.cpp: average pooling over windows of a (B, C, H, W) tensor, and its 1-d form.
//
// Shapes: x (B, C, H, W) -> y (B, C, OH, OW), OH = floor((H + 2 ph - KH) / sh) + 1 (same for W).
// Window (oh, ow) covers rows oh sh - ph .. oh sh - ph + KH - 1 and the matching columns; padded
// positions hold zeros. The divisor D is KH KW (count_include_pad, PyTorch's default) or the number
// of real elements in the window.
//
//   y[b, c, oh, ow] = (1 / D) sum over the window of x[b, c, ih, iw]
//   dL/dx[b, c, ih, iw] = sum over the windows containing (ih, iw) of g[b, c, oh, ow] / D
#include <algorithm>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "autograd/ops/pool_geometry.hpp"
#include "tensor/parallel.hpp"

namespace ag {
namespace {

using pooling::PoolGeom;
using pooling::check_pool2d;

}  // namespace

Variable avg_pool2d(const Variable& input, Size2 kernel, std::optional<Size2> stride, Size2 padding,
                    bool count_include_pad) {
  check_defined(input.data(), "avg_pool2d");
  const PoolGeom g = check_pool2d(input.shape(), kernel, stride.value_or(kernel), padding, count_include_pad, "avg_pool2d");
  const Tensor x = input.data().contiguous();
  Tensor y({input.size(0), input.size(1), g.OH, g.OW}, x.dtype());
  dispatch_floating(x.dtype(), "avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* py = y.data_ptr<T>();
    // Why parallel over planes: each (b, c) plane is pooled independently.
#pragma omp parallel for schedule(static) if (g.planes * g.OH * g.OW * g.KH * g.KW >= kParallelGrain)
    for (int64_t p = 0; p < g.planes; ++p) {
      const T* xp = px + p * g.H * g.W;
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          int64_t h0, h1, w0, w1;
          double div;
          g.window(oh, ow, h0, h1, w0, w1, div);
          T s = 0;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) s += xp[ih * g.W + iw];
          py[(p * g.OH + oh) * g.OW + ow] = T(s / div);
        }
    }
  });
  return record("avg_pool2d", y, {input}, [g, shape = x.shape(), dtype = x.dtype()](const Tensor& grad) {
    const Tensor gy = grad.contiguous();
    Tensor dx(shape, dtype);
    dispatch_floating(dtype, "avg_pool2d backward", [&](auto tag) {
      using T = decltype(tag);
      const T* pg = gy.data_ptr<T>();
      T* pdx = dx.data_ptr<T>();
      // Why parallel over planes: overlapping windows only ever share elements of their own plane.
#pragma omp parallel for schedule(static) if (g.planes * g.OH * g.OW * g.KH * g.KW >= kParallelGrain)
      for (int64_t p = 0; p < g.planes; ++p) {
        T* dp = pdx + p * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            int64_t h0, h1, w0, w1;
            double div;
            g.window(oh, ow, h0, h1, w0, w1, div);
            const T v = T(pg[(p * g.OH + oh) * g.OW + ow] / div);
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) dp[ih * g.W + iw] += v;
          }
      }
    });
    return TensorList{dx};
  });
}

Variable avg_pool1d(const Variable& input, int64_t kernel, std::optional<int64_t> stride, int64_t padding,
                    bool count_include_pad) {
  check_defined(input.data(), "avg_pool1d");
  if (input.dim() != 3) fail<ShapeError>("avg_pool1d: expected a 3-d input (B, C, T), got ", shape_str(input.shape()));
  // A composite: the 2-d op on (B, C, 1, T) with a (1, K) window.
  return squeeze(avg_pool2d(unsqueeze(input, 2), Size2(1, kernel), Size2(1, stride.value_or(kernel)), Size2(0, padding),
                            count_include_pad),
                 2);
}

}  // namespace ag
