// losses.cpp: cross-entropy, NLL, binary cross-entropy with logits, mean squared error.
//
// Shapes: logits (B, N) (N classes); integer labels (B) int64 in [0, N); soft targets (B, N).
// Every loss computes a per-sample (or per-element) loss l and then applies the reduction:
// "mean" (l averaged, a 0-d result), "sum", or "none" (l itself).
//
//   nll_loss(logp, y)           l_b = -logp[b, y_b]                  a composite of gather
//   cross_entropy(x, t, eps)    l_b = -sum_n t'_bn log_softmax(x)_bn,  t' = (1 - eps) t + eps / N
//                               (t = one_hot(y) for integer labels; PyTorch's label smoothing rule)
//                               a composite of the fused, log-sum-exp-stable log_softmax, so the
//                               gradient dL/dx_b = softmax(x_b) sum_n t'_bn - t'_b comes for free
//   binary_cross_entropy_with_logits(x, t)
//                               l = max(x, 0) - x t + log(1 + e^(-|x|)),  dl/dx = sigmoid(x) - t
//                               fused: the naive -t log s - (1-t) log(1-s) overflows to inf for
//                               |x| > 17 in float32 (s rounds to 0 or 1); this form never does
//   mse_loss(a, b)              l = (a - b)^2                         a composite
#include <cmath>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "tensor/elementwise.hpp"
#include "tensor/index.hpp"

namespace ag {
namespace {

Variable reduce(const Variable& per_sample, const std::string& reduction, const char* op) {
  if (reduction == "mean") return mean(per_sample);
  if (reduction == "sum") return sum(per_sample);
  if (reduction == "none") return per_sample;
  fail<ValueError>(op, ": reduction must be \"mean\", \"sum\" or \"none\", got \"", reduction, "\"");
}

void check_reduction(const std::string& reduction, const char* op) {
  if (reduction != "mean" && reduction != "sum" && reduction != "none")
    fail<ValueError>(op, ": reduction must be \"mean\", \"sum\" or \"none\", got \"", reduction, "\"");
}

// Labels (B) int64 in [0, N) for scores (B, N); the message names the first bad label.
void check_labels(const Shape& scores, const Tensor& labels, const char* op) {
  check_defined(labels, op);
  if (labels.dtype() != DType::Int64)
    fail<TypeError>(op, ": class labels must be int64, got ", dtype_name(labels.dtype()),
                    " (float targets of shape (B, N) are class probabilities: cross_entropy accepts those)");
  if (labels.dim() != 1 || labels.size(0) != scores[0])
    fail<ShapeError>(op, ": labels ", shape_str(labels.shape()), " should be (", scores[0], ",) for scores ",
                     shape_str(scores));
  const std::vector<int64_t> v = labels.to_vector<int64_t>();
  for (size_t b = 0; b < v.size(); ++b)
    if (v[b] < 0 || v[b] >= scores[1])
      fail<IndexError>(op, ": label ", v[b], " at position ", b, " is out of range for ", scores[1], " classes (scores ",
                       shape_str(scores), ")");
}

void check_scores(const Variable& x, const char* op) {
  check_defined(x.data(), op);
  if (x.dim() != 2) fail<ShapeError>(op, ": expected scores (B, N), got ", shape_str(x.shape()));
  if (!is_floating(x.dtype())) fail<TypeError>(op, ": scores must be float32 or float64, got ", dtype_name(x.dtype()));
}

}  // namespace

Variable nll_loss(const Variable& log_probs, const Tensor& labels, const std::string& reduction) {
  check_scores(log_probs, "nll_loss");
  check_labels(log_probs.shape(), labels, "nll_loss");
  check_reduction(reduction, "nll_loss");
  // l_b = -logp[b, y_b]: gather picks one column per row; its backward scatters g back there.
  const Variable picked = squeeze(gather(log_probs, 1, labels.contiguous().unsqueeze(1)), 1);
  return reduce(neg(picked), reduction, "nll_loss");
}

Variable cross_entropy(const Variable& logits, const Tensor& target, double label_smoothing,
                       const std::string& reduction) {
  check_scores(logits, "cross_entropy");
  check_defined(target, "cross_entropy");
  check_reduction(reduction, "cross_entropy");
  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0))
    fail<ValueError>("cross_entropy: label_smoothing must be in [0, 1], got ", label_smoothing);
  const int64_t N = logits.size(1);
  const Variable logp = log_softmax(logits, 1);
  Tensor t;
  if (target.dtype() == DType::Int64) {
    check_labels(logits.shape(), target, "cross_entropy");
    if (label_smoothing == 0.0) return nll_loss(logp, target, reduction);
    t = one_hot(target.contiguous(), N, logits.dtype());
  } else {
    if (target.shape() != logits.shape())
      fail<ShapeError>("cross_entropy: soft targets ", shape_str(target.shape()), " should match logits ",
                       shape_str(logits.shape()), " (or pass int64 class labels of shape (", logits.size(0), ",))");
    t = target.to(logits.dtype());
  }
  if (label_smoothing > 0.0) t = add(mul(t, 1.0 - label_smoothing), label_smoothing / double(N));
  const Variable per_sample = neg(sum(mul(logp, Variable(t)), {1}));
  return reduce(per_sample, reduction, "cross_entropy");
}

Variable binary_cross_entropy_with_logits(const Variable& logits, const Tensor& target, const std::string& reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  check_defined(logits.data(), op);
  check_defined(target, op);
  check_reduction(reduction, op);
  if (!is_floating(logits.dtype())) fail<TypeError>(op, ": logits must be float32 or float64, got ", dtype_name(logits.dtype()));
  if (target.shape() != logits.shape())
    fail<ShapeError>(op, ": target ", shape_str(target.shape()), " should match logits ", shape_str(logits.shape()));
  const Tensor x = logits.data().contiguous();
  const Tensor t = target.to(x.dtype()).contiguous();
  Tensor l(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    const T* pt = t.data_ptr<T>();
    T* pl = l.data_ptr<T>();
    for (int64_t i = 0; i < x.numel(); ++i)
      pl[i] = std::max(px[i], T(0)) - px[i] * pt[i] + std::log1p(std::exp(-std::abs(px[i])));
  });
  const Variable per_element = record(op, l, {logits}, [x, t](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    Tensor dx(x.shape(), x.dtype());
    dispatch_floating(x.dtype(), "binary_cross_entropy_with_logits backward", [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data_ptr<T>();
      const T* pt = t.data_ptr<T>();
      const T* pg = g.data_ptr<T>();
      T* pdx = dx.data_ptr<T>();
      for (int64_t i = 0; i < x.numel(); ++i) {
        // sigmoid(x) without overflow (e^ of a non-positive number only)
        const T e = std::exp(-std::abs(px[i]));
        const T s = px[i] >= 0 ? T(1) / (T(1) + e) : e / (T(1) + e);
        pdx[i] = pg[i] * (s - pt[i]);
      }
    });
    return TensorList{dx};
  });
  return reduce(per_element, reduction, op);
}

Variable mse_loss(const Variable& input, const Variable& target, const std::string& reduction) {
  check_defined(input.data(), "mse_loss");
  check_defined(target.data(), "mse_loss");
  check_reduction(reduction, "mse_loss");
  if (input.shape() != target.shape())
    fail<ShapeError>("mse_loss: input ", shape_str(input.shape()), " and target ", shape_str(target.shape()),
                     " differ (mse_loss does not broadcast)");
  const Variable d = sub(input, target);
  return reduce(mul(d, d), reduction, "mse_loss");
}

}  // namespace ag
