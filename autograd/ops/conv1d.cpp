// conv1d.cpp: 1-d convolution, a composite of conv2d (so it needs no backward of its own).
//
//   x (B, C, T), w (O, C, K), bias (O)  ->  y (B, O, OT),  OT = floor((T + 2 p - d (K - 1) - 1) / s) + 1
//   y[b, o, t] = bias[o] + sum_{c, k} w[o, c, k] x[b, c, t s - p + k d]
//
// It is conv2d on x viewed as (B, C, 1, T) with a (O, C, 1, K) kernel, stride (1, s), padding (0, p)
// and dilation (1, d): the H axis has size 1 and the kernel height 1, so nothing else changes. The
// views are free, and conv2d's im2col + GEMM kernel and its gradient check serve both.
#include "autograd/nn_ops.hpp"

namespace ag {

Variable conv1d(const Variable& input, const Variable& weight, const Variable& bias, int64_t stride, int64_t padding,
                int64_t dilation) {
  check_defined(input.data(), "conv1d");
  check_defined(weight.data(), "conv1d");
  // Checked here, not left to conv2d, so that the message shows the shapes the caller passed.
  if (input.dim() != 3) fail<ShapeError>("conv1d: expected a 3-d input (B, C, T), got ", shape_str(input.shape()));
  if (weight.dim() != 3) fail<ShapeError>("conv1d: expected a 3-d weight (O, C, K), got ", shape_str(weight.shape()));
  if (weight.size(1) != input.size(1))
    fail<ShapeError>("conv1d: input ", shape_str(input.shape()), " has ", input.size(1), " channels, weight ",
                     shape_str(weight.shape()), " expects ", weight.size(1));
  const int64_t extent = dilation * (weight.size(2) - 1) + 1;
  if (stride >= 1 && dilation >= 1 && padding >= 0 && input.size(2) + 2 * padding < extent)
    fail<ShapeError>("conv1d: input ", shape_str(input.shape()), " padded to ", input.size(2) + 2 * padding,
                     " frames is shorter than the dilated kernel (", extent, ") of weight ", shape_str(weight.shape()));
  const Variable y = conv2d(unsqueeze(input, 2), unsqueeze(weight, 2), bias, Size2(1, stride), Size2(0, padding),
                            Size2(1, dilation));
  return squeeze(y, 2);
}

}  // namespace ag
