// pooling.hpp: pooling layers over the pooling ops, and the global poolings the models end with.
//
//   MaxPool2d / AvgPool2d  (B, C, H, W) -> (B, C, OH, OW)    kernel, stride (default kernel), padding
//   MaxPool1d / AvgPool1d  (B, C, T) -> (B, C, OT)
//   GlobalAvgPool          (B, C, *) -> (B, C)   mean over every axis after C
//   GlobalMaxPool          (B, C, *) -> (B, C)   max over every axis after C (gradient to the first max)
//   GlobalAvgMaxPool       (B, C, *) -> (B, C)   mean + max (ERANN's head, summed)
#pragma once

#include <optional>

#include "nn/module.hpp"

namespace ag::nn {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override { return max_pool2d(x, kernel_, stride_, padding_); }

 private:
  Size2 kernel_, stride_, padding_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                     bool count_include_pad = true);
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override { return avg_pool2d(x, kernel_, stride_, padding_, count_pad_); }

 private:
  Size2 kernel_, stride_, padding_;
  bool count_pad_;
};

class MaxPool1d : public Module {
 public:
  explicit MaxPool1d(int64_t kernel, std::optional<int64_t> stride = std::nullopt, int64_t padding = 0)
      : Module("MaxPool1d"), kernel_(kernel), stride_(stride.value_or(kernel)), padding_(padding) {}
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override { return max_pool1d(x, kernel_, stride_, padding_); }

 private:
  int64_t kernel_, stride_, padding_;
};

class AvgPool1d : public Module {
 public:
  explicit AvgPool1d(int64_t kernel, std::optional<int64_t> stride = std::nullopt, int64_t padding = 0,
                     bool count_include_pad = true)
      : Module("AvgPool1d"), kernel_(kernel), stride_(stride.value_or(kernel)), padding_(padding), count_pad_(count_include_pad) {}
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override { return avg_pool1d(x, kernel_, stride_, padding_, count_pad_); }

 private:
  int64_t kernel_, stride_, padding_;
  bool count_pad_;
};

// The functional forms (also used by the modules below).
Variable global_avg_pool(const Variable& x);
Variable global_max_pool(const Variable& x);

class GlobalAvgPool : public Module {
 public:
  GlobalAvgPool() : Module("GlobalAvgPool") {}

 protected:
  Variable forward_impl(const Variable& x) override { return global_avg_pool(x); }
};

class GlobalMaxPool : public Module {
 public:
  GlobalMaxPool() : Module("GlobalMaxPool") {}

 protected:
  Variable forward_impl(const Variable& x) override { return global_max_pool(x); }
};

class GlobalAvgMaxPool : public Module {
 public:
  GlobalAvgMaxPool() : Module("GlobalAvgMaxPool") {}

 protected:
  Variable forward_impl(const Variable& x) override { return add(global_avg_pool(x), global_max_pool(x)); }
};

}  // namespace ag::nn
