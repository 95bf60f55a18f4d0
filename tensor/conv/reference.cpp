// reference.cpp: the plain loops of reference.hpp.
#include "tensor/conv/reference.hpp"

namespace ag::conv {

void forward_reference(const double* x, const double* w, const double* bias, double* y, const ConvGeom& g) {
  for (int64_t b = 0; b < g.B; ++b)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          double s = bias ? bias[o] : 0.0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t ih = oh * g.sh - g.ph + kh * g.dh, iw = ow * g.sw - g.pw + kw * g.dw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                s += w[((o * g.C + c) * g.KH + kh) * g.KW + kw] * x[((b * g.C + c) * g.H + ih) * g.W + iw];
              }
          y[((b * g.O + o) * g.OH + oh) * g.OW + ow] = s;
        }
}

void backward_reference(const double* gy, const double* x, const double* w, double* dx, double* dw, double* db,
                        const ConvGeom& g) {
  for (int64_t b = 0; b < g.B; ++b)
    for (int64_t o = 0; o < g.O; ++o)
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const double go = gy[((b * g.O + o) * g.OH + oh) * g.OW + ow];
          db[o] += go;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t ih = oh * g.sh - g.ph + kh * g.dh, iw = ow * g.sw - g.pw + kw * g.dw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                const int64_t xi = ((b * g.C + c) * g.H + ih) * g.W + iw, wi = ((o * g.C + c) * g.KH + kh) * g.KW + kw;
                dw[wi] += go * x[xi];
                dx[xi] += go * w[wi];
              }
        }
}

}  // namespace ag::conv
