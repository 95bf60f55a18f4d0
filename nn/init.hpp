// init.hpp: weight initialisers, with PyTorch's names, fan rules and gains (torch.nn.init).
//
// Fans of a weight (O, C, k1, k2, ...) (Linear: (O, C)): receptive = k1 k2 ...,
//   fan_in = C receptive,  fan_out = O receptive.
//   xavier_uniform_   U(-a, a),  a = gain sqrt(6 / (fan_in + fan_out))     (Glorot & Bengio 2010)
//   xavier_normal_    N(0, s),   s = gain sqrt(2 / (fan_in + fan_out))
//   kaiming_uniform_  U(-a, a),  a = gain sqrt(3 / fan)                     (He et al. 2015)
//   kaiming_normal_   N(0, s),   s = gain / sqrt(fan)
// with fan = fan_in (mode "fan_in") or fan_out, and gain = calculate_gain(nonlinearity, a).
// PyTorch's default for Linear and Conv weights is kaiming_uniform_(w, a = sqrt(5)), which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)); their biases are U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too.
//
// All write in place into the tensor's storage (so a parameter's registered handle sees the new
// values) and draw from `gen` (default_generator() if null) in row-major order.
#pragma once

#include <string>
#include <utility>

#include "tensor/random.hpp"
#include "tensor/tensor.hpp"

namespace ag::nn::init {

// (fan_in, fan_out); ValueError for fewer than 2 dimensions.
std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t);
// "linear", "conv1d", "conv2d", "sigmoid": 1; "tanh": 5/3; "relu": sqrt 2;
// "leaky_relu": sqrt(2 / (1 + a^2)) (a = negative slope; PyTorch's default a is 0.01); "selu": 3/4.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

void uniform_(Tensor& t, double lo, double hi, Generator* gen = nullptr);
void normal_(Tensor& t, double mean, double stddev, Generator* gen = nullptr);
void constant_(Tensor& t, double value);
void zeros_(Tensor& t);
void ones_(Tensor& t);
void xavier_uniform_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
void xavier_normal_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
void kaiming_uniform_(Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                      const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
void kaiming_normal_(Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                     const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);

}  // namespace ag::nn::init
