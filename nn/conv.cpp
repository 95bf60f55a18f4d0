// conv.cpp: Conv1d and Conv2d: parameters, PyTorch's default init, and a call to the op.
#include "nn/conv.hpp"

#include <cmath>

#include "nn/init.hpp"

namespace ag::nn {
namespace {

// weight, bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's kaiming_uniform_(a = sqrt 5) rule).
void default_init(Module& m, Variable& weight, Variable& bias, const Shape& wshape, bool with_bias, Generator* gen) {
  Tensor w(wshape, DType::Float32);
  init::kaiming_uniform_(w, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  weight = m.register_parameter("weight", w);
  if (with_bias) {
    Tensor b({wshape[0]}, DType::Float32);
    const double bound = 1.0 / std::sqrt(double(init::fan_in_and_fan_out(w).first));
    init::uniform_(b, -bound, bound, gen);
    bias = m.register_parameter("bias", b);
  }
}

std::string pair_str(Size2 s) { return "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")"; }

}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel, Conv2dOptions options, Generator* gen)
    : Module("Conv2d"), options_(options) {
  if (in_channels < 1 || out_channels < 1 || kernel.h < 1 || kernel.w < 1)
    fail<ValueError>("Conv2d: channels (", in_channels, ", ", out_channels, ") and kernel ", pair_str(kernel), " must be >= 1");
  default_init(*this, weight, bias, {out_channels, in_channels, kernel.h, kernel.w}, options.bias, gen);
}

Variable Conv2d::forward_impl(const Variable& x) {
  return conv2d(x, weight, bias, options_.stride, options_.padding, options_.dilation);
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(weight.size(1)) + ", " + std::to_string(weight.size(0)) + ", kernel=" +
                  pair_str(Size2(weight.size(2), weight.size(3)));
  if (!(options_.stride == Size2(1))) s += ", stride=" + pair_str(options_.stride);
  if (!(options_.padding == Size2(0))) s += ", padding=" + pair_str(options_.padding);
  if (!(options_.dilation == Size2(1))) s += ", dilation=" + pair_str(options_.dilation);
  if (!options_.bias) s += ", bias=false";
  return s;
}

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel, Conv1dOptions options, Generator* gen)
    : Module("Conv1d"), options_(options) {
  if (in_channels < 1 || out_channels < 1 || kernel < 1)
    fail<ValueError>("Conv1d: channels (", in_channels, ", ", out_channels, ") and kernel ", kernel, " must be >= 1");
  default_init(*this, weight, bias, {out_channels, in_channels, kernel}, options.bias, gen);
}

Variable Conv1d::forward_impl(const Variable& x) {
  return conv1d(x, weight, bias, options_.stride, options_.padding, options_.dilation);
}

std::string Conv1d::extra_repr() const {
  std::string s = std::to_string(weight.size(1)) + ", " + std::to_string(weight.size(0)) + ", kernel=" +
                  std::to_string(weight.size(2));
  if (options_.stride != 1) s += ", stride=" + std::to_string(options_.stride);
  if (options_.padding != 0) s += ", padding=" + std::to_string(options_.padding);
  if (options_.dilation != 1) s += ", dilation=" + std::to_string(options_.dilation);
  if (!options_.bias) s += ", bias=false";
  return s;
}

}  // namespace ag::nn
