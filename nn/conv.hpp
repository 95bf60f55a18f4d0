// conv.hpp: Conv1d and Conv2d layers over the conv1d / conv2d ops (autograd/ops/conv2d.cpp).
//
// Shapes: Conv2d  x (B, C, H, W) -> (B, O, OH, OW), weight (O, C, KH, KW), bias (O)
//         Conv1d  x (B, C, T) -> (B, O, OT), weight (O, C, K), bias (O)
// Kernel, stride, padding and dilation are per axis (Size2: `3` or `{6, 3}`). Default init as
// PyTorch: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C KH KW; models that
// want Xavier (PANNs, ERANN) call init::xavier_uniform_ on `weight` afterwards.
#pragma once

#include "nn/module.hpp"

namespace ag::nn {

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, Conv2dOptions options = {}, Generator* gen = nullptr);
  Variable weight;  // (O, C, KH, KW)
  Variable bias;    // (O), undefined when options.bias is false
  const Conv2dOptions& options() const { return options_; }
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  Conv2dOptions options_;
};

struct Conv1dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t dilation = 1;
  bool bias = true;
};

class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel, Conv1dOptions options = {}, Generator* gen = nullptr);
  Variable weight;  // (O, C, K)
  Variable bias;    // (O), undefined when options.bias is false
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  Conv1dOptions options_;
};

}  // namespace ag::nn
