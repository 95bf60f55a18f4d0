// linear.cpp: Linear = matmul + bias.
#include "nn/linear.hpp"

#include <cmath>

#include "nn/init.hpp"

namespace ag::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias, Generator* gen)
    : Module("Linear"), in_(in_features), out_(out_features) {
  if (in_features < 1 || out_features < 1)
    fail<ValueError>("Linear: in_features (", in_features, ") and out_features (", out_features, ") must be >= 1");
  Tensor w({out_, in_}, DType::Float32);
  init::kaiming_uniform_(w, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  weight = register_parameter("weight", w);
  if (with_bias) {
    Tensor b({out_}, DType::Float32);
    const double bound = 1.0 / std::sqrt(double(in_));
    init::uniform_(b, -bound, bound, gen);
    bias = register_parameter("bias", b);
  }
}

Variable Linear::forward_impl(const Variable& x) {
  if (x.dim() < 1 || x.size(-1) != in_)
    fail<ShapeError>("Linear: input ", shape_str(x.shape()), " should end in ", in_, " features (weight ",
                     shape_str(weight.shape()), ")");
  Variable y = matmul(x, transpose(weight, 0, 1));
  return bias.defined() ? add(y, bias) : y;
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_) + ", out_features=" + std::to_string(out_) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

}  // namespace ag::nn
