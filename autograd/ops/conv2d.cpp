// conv2d.cpp: 2-d convolution (cross-correlation), the op: shape checks, the definition, and the
// record that wires its backward. The kernels live below autograd, in tensor/conv/.
//
// Shapes (letters from the glossary; H and W are time and mel bins in the audio models):
//   x (B, C, H, W), w (O, C, KH, KW), bias (O)  ->  y (B, O, OH, OW)
//   OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1,  OW likewise.
//
// Math. With ih = oh sh - ph + kh dh and iw = ow sw - pw + kw dw (x is 0 outside the image):
//   y[b, o, oh, ow] = bias[o] + sum_{c, kh, kw} w[o, c, kh, kw] x[b, c, ih, iw]
//
// Backward. Each term of that sum is a product of one weight and one input pixel, so it hands
// gy[b, o, oh, ow] times the other factor to each:
//   dL/dx[b, c, ih, iw] = sum_{o, oh, ow, kh, kw with that (ih, iw)} gy[b, o, oh, ow] w[o, c, kh, kw]
//   dL/dw[o, c, kh, kw] = sum_{b, oh, ow} gy[b, o, oh, ow] x[b, c, ih, iw]
//   dL/dbias[o]         = sum_{b, oh, ow} gy[b, o, oh, ow]
//
// conv2d_reference / conv2d_backward_reference, first below, are those formulas as plain loops
// (tensor/conv/reference.hpp): the definition the tests compare the fast kernels with.
// The kernels that run (tensor/conv/conv2d_kernels.hpp):
//   im2col.hpp   im2col + GEMM, any shape, float32 and float64: y_b = W col_b, dW = G_b col_b^T,
//                dx = col2im(W^T G_b); forced by ReferenceKernelsGuard;
//   direct.hpp   direct float32 kernels (16-wide vectors, 8-channel tiles) for unit W stride and
//                rows of 32 outputs or more, where im2col's copies cost more than the arithmetic.
#include <vector>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "tensor/conv/conv2d_kernels.hpp"

namespace ag {
namespace {

using conv::ConvGeom;

// The sizes of one convolution, checked once; every message names the op and shows the shapes.
ConvGeom check_conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, Size2 stride, Size2 padding,
                      Size2 dilation, const char* op) {
  if (x.dim() != 4) fail<ShapeError>(op, ": expected a 4-d input (B, C, H, W), got ", shape_str(x.shape()));
  if (w.dim() != 4) fail<ShapeError>(op, ": expected a 4-d weight (O, C, KH, KW), got ", shape_str(w.shape()));
  if (!is_floating(x.dtype()) || x.dtype() != w.dtype())
    fail<TypeError>(op, ": input is ", dtype_name(x.dtype()), " and weight is ", dtype_name(w.dtype()),
                    "; both must be float32 or both float64");
  if (stride.h < 1 || stride.w < 1 || dilation.h < 1 || dilation.w < 1 || padding.h < 0 || padding.w < 0)
    fail<ValueError>(op, ": stride (", stride.h, ", ", stride.w, ") and dilation (", dilation.h, ", ", dilation.w,
                     ") must be >= 1 and padding (", padding.h, ", ", padding.w, ") >= 0");
  ConvGeom g{};
  g.B = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.O = w.size(0), g.KH = w.size(2), g.KW = w.size(3);
  g.sh = stride.h, g.sw = stride.w, g.ph = padding.h, g.pw = padding.w, g.dh = dilation.h, g.dw = dilation.w;
  if (w.size(1) != g.C)
    fail<ShapeError>(op, ": input ", shape_str(x.shape()), " has ", g.C, " channels, weight ", shape_str(w.shape()),
                     " expects ", w.size(1));
  if (bias && bias->defined()) {
    if (bias->dtype() != w.dtype()) fail<TypeError>(op, ": bias is ", dtype_name(bias->dtype()), ", weight is ", dtype_name(w.dtype()));
    if (bias->dim() != 1 || bias->size(0) != g.O)
      fail<ShapeError>(op, ": bias ", shape_str(bias->shape()), " should be (", g.O, ",) for weight ", shape_str(w.shape()));
  }
  const int64_t ext_h = g.dh * (g.KH - 1) + 1, ext_w = g.dw * (g.KW - 1) + 1;
  if (g.H + 2 * g.ph < ext_h || g.W + 2 * g.pw < ext_w || g.KH < 1 || g.KW < 1)
    fail<ShapeError>(op, ": input ", shape_str(x.shape()), " padded to (", g.H + 2 * g.ph, ", ", g.W + 2 * g.pw,
                     ") is smaller than the dilated kernel (", ext_h, ", ", ext_w, ") of weight ", shape_str(w.shape()));
  g.OH = (g.H + 2 * g.ph - ext_h) / g.sh + 1;
  g.OW = (g.W + 2 * g.pw - ext_w) / g.sw + 1;
  return g;
}

}  // namespace

// --- the plain-loop references: the definition ------------------------------------------------

Tensor conv2d_reference(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding,
                        Size2 dilation) {
  const ConvGeom g = check_conv2d(input, weight, &bias, stride, padding, dilation, "conv2d_reference");
  const Tensor x = input.contiguous().to(DType::Float64), w = weight.contiguous().to(DType::Float64);
  const Tensor b = bias.defined() ? bias.contiguous().to(DType::Float64) : Tensor();
  Tensor y({g.B, g.O, g.OH, g.OW}, DType::Float64);
  conv::forward_reference(x.data_ptr<double>(), w.data_ptr<double>(), b.defined() ? b.data_ptr<double>() : nullptr,
                          y.data_ptr<double>(), g);
  return y.to(input.dtype());
}

Conv2dGrads conv2d_backward_reference(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                      Size2 stride, Size2 padding, Size2 dilation) {
  const ConvGeom g = check_conv2d(input, weight, nullptr, stride, padding, dilation, "conv2d_backward_reference");
  const Tensor gy = grad_output.contiguous().to(DType::Float64);
  const Tensor x = input.contiguous().to(DType::Float64), w = weight.contiguous().to(DType::Float64);
  Tensor dx(x.shape(), DType::Float64), dw(w.shape(), DType::Float64), db({g.O}, DType::Float64);
  conv::backward_reference(gy.data_ptr<double>(), x.data_ptr<double>(), w.data_ptr<double>(), dx.data_ptr<double>(),
                           dw.data_ptr<double>(), db.data_ptr<double>(), g);
  return {dx.to(input.dtype()), dw.to(weight.dtype()), db.to(weight.dtype())};
}

// --- the op -----------------------------------------------------------------------------------

Variable conv2d(const Variable& input, const Variable& weight, const Variable& bias, Size2 stride, Size2 padding,
                Size2 dilation) {
  check_defined(input.data(), "conv2d");
  check_defined(weight.data(), "conv2d");
  const Tensor x = input.data().contiguous(), w = weight.data().contiguous();
  const Tensor b = bias.defined() ? bias.data().contiguous() : Tensor();
  const ConvGeom g = check_conv2d(x, w, &b, stride, padding, dilation, "conv2d");

  Tensor y({g.B, g.O, g.OH, g.OW}, x.dtype());
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    conv::forward<T>(x.data_ptr<T>(), w.data_ptr<T>(), b.defined() ? b.data_ptr<T>() : nullptr, y.data_ptr<T>(), g);
  });

  std::vector<Variable> inputs = {input, weight};
  if (bias.defined()) inputs.push_back(bias);
  const bool need_x = input.requires_grad(), need_w = weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  // The backward of the formulas in the header; dx starts at zero (the kernels add into it).
  return record("conv2d", y, inputs, [x, w, g, need_x, need_w, need_b, has_bias = bias.defined()](const Tensor& grad) {
    const Tensor gy = grad.contiguous();
    Tensor dx = need_x ? Tensor(x.shape(), x.dtype()) : Tensor();
    Tensor dw = need_w ? Tensor(w.shape(), w.dtype()) : Tensor();
    Tensor db = need_b ? Tensor({g.O}, w.dtype()) : Tensor();
    dispatch_floating(x.dtype(), "conv2d backward", [&](auto tag) {
      using T = decltype(tag);
      conv::backward<T>(gy.data_ptr<T>(), x.data_ptr<T>(), w.data_ptr<T>(), need_x ? dx.data_ptr<T>() : nullptr,
                        need_w ? dw.data_ptr<T>() : nullptr, need_b ? db.data_ptr<T>() : nullptr, g);
    });
    TensorList grads = {dx, dw};
    if (has_bias) grads.push_back(db);
    return grads;
  });
}

}  // namespace ag
