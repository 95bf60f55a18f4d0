// pooling.cpp: settings strings, and global pooling as compositions of mean and max.
#include "nn/pooling.hpp"

namespace ag::nn {
namespace {
std::string pair_str(Size2 s) { return "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")"; }

void check_global(const Variable& x, const char* op) {
  if (x.dim() < 3) fail<ShapeError>(op, ": expected an input (B, C, *) with at least one axis after C, got ", shape_str(x.shape()));
}
}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel, std::optional<Size2> stride, Size2 padding)
    : Module("MaxPool2d"), kernel_(kernel), stride_(stride.value_or(kernel)), padding_(padding) {}
std::string MaxPool2d::extra_repr() const {
  return "kernel=" + pair_str(kernel_) + ", stride=" + pair_str(stride_) + ", padding=" + pair_str(padding_);
}

AvgPool2d::AvgPool2d(Size2 kernel, std::optional<Size2> stride, Size2 padding, bool count_include_pad)
    : Module("AvgPool2d"), kernel_(kernel), stride_(stride.value_or(kernel)), padding_(padding), count_pad_(count_include_pad) {}
std::string AvgPool2d::extra_repr() const {
  return "kernel=" + pair_str(kernel_) + ", stride=" + pair_str(stride_) + ", padding=" + pair_str(padding_) +
         (count_pad_ ? "" : ", count_include_pad=false");
}

std::string MaxPool1d::extra_repr() const {
  return "kernel=" + std::to_string(kernel_) + ", stride=" + std::to_string(stride_) + ", padding=" + std::to_string(padding_);
}
std::string AvgPool1d::extra_repr() const {
  return "kernel=" + std::to_string(kernel_) + ", stride=" + std::to_string(stride_) + ", padding=" + std::to_string(padding_) +
         (count_pad_ ? "" : ", count_include_pad=false");
}

Variable global_avg_pool(const Variable& x) {
  check_global(x, "global_avg_pool");
  return mean(flatten(x, 2), {2});
}

Variable global_max_pool(const Variable& x) {
  check_global(x, "global_max_pool");
  // max along one axis (not amax): the gradient goes to the first maximum, as torch.max(x, dim).
  return max(flatten(x, 2), 2).values;
}

}  // namespace ag::nn
