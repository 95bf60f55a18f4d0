// nn_ops.hpp: the fused differentiable ops that nn/ layers are built from.
//
// Each op lives in autograd/ops/<name>.cpp with its forward and backward side by side and a header
// comment giving the math, the shapes and the gradient of every input. Names and argument orders
// follow torch.nn.functional, so PyTorch's documentation describes them; differences are noted.
//
//   conv2d, conv1d               autograd/ops/conv2d.cpp, conv1d.cpp (kernels in tensor/conv/)
//   batch_norm, batch_norm_leaky_relu  autograd/ops/batch_norm.cpp
//   max_pool2d/1d, avg_pool2d/1d autograd/ops/max_pool2d.cpp, avg_pool2d.cpp
//   dropout, dropout2d           autograd/ops/dropout.cpp
//   relu ... hardswish, swiglu   autograd/ops/activations.cpp (one table of derivative rules)
//   softmax, log_softmax         autograd/ops/softmax.cpp
//   cross_entropy, nll_loss,
//   binary_cross_entropy_with_logits, mse_loss   autograd/ops/losses.cpp
//
// Dimension letters: B batch, C channels (input), O output channels, H/W the two spatial axes of a
// 2-d op (time and mel bins in the audio models), T the axis of a 1-d op, K kernel, N classes.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "autograd/ops.hpp"
#include "autograd/variable.hpp"
#include "tensor/random.hpp"
#include "tensor/tensor.hpp"

namespace ag {

// A per-axis (height, width) pair, like PyTorch's `int or (int, int)`: `3` means (3, 3), and
// `{6, 3}` means 6 along H and 3 along W.
struct Size2 {
  int64_t h = 0;
  int64_t w = 0;
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT: implicit, like PyTorch's int argument
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool operator==(const Size2& o) const { return h == o.h && w == o.w; }
};

// --- convolutions -----------------------------------------------------------------------------
// input (B, C, H, W), weight (O, C, KH, KW), bias (O) or undefined -> (B, O, OH, OW) with
//   OH = floor((H + 2 padding.h - dilation.h (KH - 1) - 1) / stride.h) + 1   (same for W).
// Cross-correlation (no kernel flip), like every deep-learning framework. No groups.
Variable conv2d(const Variable& input, const Variable& weight, const Variable& bias = Variable(),
                Size2 stride = 1, Size2 padding = 0, Size2 dilation = 1);
// input (B, C, T), weight (O, C, K), bias (O) or undefined -> (B, O, OT). A conv2d on (B, C, 1, T).
Variable conv1d(const Variable& input, const Variable& weight, const Variable& bias = Variable(),
                int64_t stride = 1, int64_t padding = 0, int64_t dilation = 1);

// The plain seven-nested-loop convolution and its two gradients: the references that tests
// compare the im2col + GEMM kernels with. Same shapes as conv2d; bias may be undefined.
Tensor conv2d_reference(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride,
                        Size2 padding, Size2 dilation);
struct Conv2dGrads {
  Tensor input;   // (B, C, H, W)
  Tensor weight;  // (O, C, KH, KW)
  Tensor bias;    // (O)
};
Conv2dGrads conv2d_backward_reference(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                      Size2 stride, Size2 padding, Size2 dilation);

// --- normalisation ------------------------------------------------------------------------------
// input (B, C) or (B, C, *); running_mean / running_var (C) float tensors or undefined; weight
// (gamma) and bias (beta) (C) or undefined. Normalises each channel over every other dimension.
//   training: uses the batch's mean and biased variance, and (if the running tensors are defined)
//             updates them in place:  running = (1 - momentum) running + momentum batch_stat,
//             with the UNBIASED variance for running_var (PyTorch's rule).
//   eval:     uses running_mean / running_var (which must then be defined).
//   allreduce (training only, optional): synchronised batch norm over several processes
//             (PyTorch's SyncBatchNorm). It must sum a buffer of doubles over every process in
//             place; the op calls it for the per-channel sums and counts and for the sums of
//             squared deviations in forward, and for sum g and sum g xhat in backward, so every
//             process normalises with the statistics of the global batch. The weight and bias
//             gradients stay this process's own sums (averaged with the other gradients later).
using BatchNormAllreduce = std::function<void(double* data, int64_t n)>;
Variable batch_norm(const Variable& input, const Tensor& running_mean, const Tensor& running_var,
                    const Variable& weight = Variable(), const Variable& bias = Variable(),
                    bool training = false, double momentum = 0.1, double eps = 1e-5,
                    const BatchNormAllreduce& allreduce = nullptr);
// leaky_relu(batch_norm(x, ...), negative_slope) in one op (relu when negative_slope is 0): the
// same values, statistics and gradients, with one tensor stored for backward instead of two (the
// activation's input is recomputed from x) and one pass over memory fewer. negative_slope in [0, 1).
Variable batch_norm_leaky_relu(const Variable& input, const Tensor& running_mean, const Tensor& running_var,
                               const Variable& weight, const Variable& bias, bool training, double momentum,
                               double eps, double negative_slope, const BatchNormAllreduce& allreduce = nullptr);

// --- pooling ------------------------------------------------------------------------------------
// input (B, C, H, W) -> (B, C, OH, OW), OH = floor((H + 2 padding.h - kernel.h) / stride.h) + 1.
// stride defaults to the kernel. Padding is at most half the kernel (PyTorch's rule). Max pooling
// pads with -inf and sends the gradient to the first maximum of each window; average pooling counts
// the padded zeros in the divisor unless count_include_pad is false.
Variable max_pool2d(const Variable& input, Size2 kernel, std::optional<Size2> stride = std::nullopt,
                    Size2 padding = 0);
Variable avg_pool2d(const Variable& input, Size2 kernel, std::optional<Size2> stride = std::nullopt,
                    Size2 padding = 0, bool count_include_pad = true);
// input (B, C, T) -> (B, C, OT); the 2-d ops on (B, C, 1, T).
Variable max_pool1d(const Variable& input, int64_t kernel, std::optional<int64_t> stride = std::nullopt,
                    int64_t padding = 0);
Variable avg_pool1d(const Variable& input, int64_t kernel, std::optional<int64_t> stride = std::nullopt,
                    int64_t padding = 0, bool count_include_pad = true);

// --- dropout ------------------------------------------------------------------------------------
// Zeroes each element with probability p and scales the rest by 1 / (1 - p) (inverted dropout), so
// evaluation needs no rescaling. Identity when !training or p == 0. gen: default_generator() if null.
Variable dropout(const Variable& input, double p = 0.5, bool training = true, Generator* gen = nullptr);
// Zeroes whole channels: input (B, C, *), one draw per (b, c).
Variable dropout2d(const Variable& input, double p = 0.5, bool training = true, Generator* gen = nullptr);

// --- activations (element-wise unless stated) ----------------------------------------------------
Variable relu(const Variable& x);
Variable leaky_relu(const Variable& x, double negative_slope = 0.01);
Variable elu(const Variable& x, double alpha = 1.0);
// approximate: "none" (x Phi(x), with erf) or "tanh" (0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))).
Variable gelu(const Variable& x, const std::string& approximate = "none");
Variable silu(const Variable& x);                    // x sigmoid(x)
Variable swish(const Variable& x, double beta = 1.0);  // x sigmoid(beta x); beta = 1 is silu
Variable mish(const Variable& x);                    // x tanh(softplus(x))
Variable smish(const Variable& x);                   // x tanh(log(1 + sigmoid(x)))
// log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's rule).
Variable softplus(const Variable& x, double beta = 1.0, double threshold = 20.0);
Variable hardswish(const Variable& x);  // x relu6(x + 3) / 6
// Splits x in two halves a, b along dim and returns a * silu(b) (the gated unit of Shazeer 2020,
// halves ordered like torch.nn.functional.glu's a * sigmoid(b)). The size along dim must be even.
Variable swiglu(const Variable& x, int64_t dim = -1);
// exp(x - logsumexp(x)) along dim, fused for numerics (no overflow for large logits).
Variable softmax(const Variable& x, int64_t dim);
Variable log_softmax(const Variable& x, int64_t dim);
// An activation chosen by name (configuration files): "relu", "lrelu"/"leaky_relu" (slope 0.01),
// "elu", "gelu", "gelu_tanh", "silu"/"swish", "mish", "smish", "softplus", "sigmoid", "tanh",
// "hardswish", "swiglu" (last dim), "identity"/"linear". ValueError lists the names for others.
Variable activation(const std::string& name, const Variable& x);
// The names `activation` accepts, for error messages and --help.
const std::vector<std::string>& activation_names();

// --- losses -------------------------------------------------------------------------------------
// reduction: "mean" (default), "sum" or "none" (per-sample losses).
//
// logits (B, N); target either int64 class indices (B) in [0, N) or float probabilities (B, N)
// (soft targets, e.g. mixup). label_smoothing eps mixes the target with the uniform distribution:
// t' = (1 - eps) t + eps / N. Loss per sample: -sum_n t'_n log_softmax(logits)_n.
Variable cross_entropy(const Variable& logits, const Tensor& target, double label_smoothing = 0.0,
                       const std::string& reduction = "mean");
// log_probs (B, N), labels int64 (B): -log_probs[b, labels[b]].
Variable nll_loss(const Variable& log_probs, const Tensor& labels, const std::string& reduction = "mean");
// logits and targets (any equal shapes; targets in [0, 1], float):
//   max(x, 0) - x t + log(1 + exp(-|x|))  (= -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x)), stably).
Variable binary_cross_entropy_with_logits(const Variable& logits, const Tensor& target,
                                          const std::string& reduction = "mean");
// (input - target)^2; shapes must match (no silent broadcasting, unlike PyTorch's warning).
Variable mse_loss(const Variable& input, const Variable& target, const std::string& reduction = "mean");

}  // namespace ag
