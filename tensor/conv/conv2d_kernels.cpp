// conv2d_kernels.cpp: which kernel runs (see conv2d_kernels.hpp).
#include "tensor/conv/conv2d_kernels.hpp"

#include <type_traits>

#include "tensor/kernels.hpp"

namespace ag::conv {

template <class T>
void forward(const T* x, const T* w, const T* bias, T* y, const ConvGeom& g) {
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_ok(g) && !kernels::use_reference()) return winograd_forward(x, w, bias, y, g);
    if (direct_forward_ok(g) && !kernels::use_reference()) return direct_forward(x, w, bias, y, g);
  }
  im2col_forward<T>(x, w, bias, y, g);
}

template <class T>
void backward(const T* gy, const T* x, const T* w, T* dx, T* dw, T* db, const ConvGeom& g) {
  bool dx_done = false, dw_done = false;
  if constexpr (std::is_same_v<T, float>) {
    const bool winograd = winograd_ok(g) && !kernels::use_reference();
    if (dx && winograd) {
      winograd_input_grad(gy, w, dx, g);
      dx_done = true;
    }
    if (dw && winograd) {
      winograd_weight_grad(gy, x, dw, g);
      dw_done = true;
    }
    if (dx && !dx_done && direct_backward_ok(g) && !kernels::use_reference()) {
      direct_input_grad(gy, w, dx, g);
      dx_done = true;
    }
    if (dw && !dw_done && direct_weight_grad_ok(g) && !kernels::use_reference()) {
      direct_weight_grad(gy, x, dw, g);
      dw_done = true;
    }
  }
  T* im2col_dx = dx_done ? nullptr : dx;
  T* im2col_dw = dw_done ? nullptr : dw;
  if (im2col_dx || im2col_dw) im2col_backward<T>(gy, x, w, im2col_dx, im2col_dw, g);
  if (db) bias_backward<T>(gy, db, g);
}

template void forward<float>(const float*, const float*, const float*, float*, const ConvGeom&);
template void forward<double>(const double*, const double*, const double*, double*, const ConvGeom&);
template void backward<float>(const float*, const float*, const float*, float*, float*, float*, const ConvGeom&);
template void backward<double>(const double*, const double*, const double*, double*, double*, double*, const ConvGeom&);

}  // namespace ag::conv
