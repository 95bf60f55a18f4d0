// init.cpp: the initialisers of init.hpp.
#include "nn/init.hpp"
#include "tensor/elementwise.hpp"
#include "tensor/random.hpp"

#include <cmath>

namespace ag::nn::init {

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t) {
  if (t.dim() < 2)
    fail<ValueError>("init: fan in and fan out need a tensor with at least 2 dimensions, got ", shape_str(t.shape()));
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "conv1d" || nonlinearity == "conv2d" || nonlinearity == "sigmoid" ||
      nonlinearity == "identity")
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 0.75;
  fail<ValueError>("calculate_gain: unknown nonlinearity \"", nonlinearity,
                   "\" (linear, conv1d, conv2d, sigmoid, tanh, relu, leaky_relu, selu)");
}

void uniform_(Tensor& t, double lo, double hi, Generator* gen) { t.copy_(uniform(t.shape(), lo, hi, DType::Float64, gen)); }

void normal_(Tensor& t, double mean, double stddev, Generator* gen) {
  Tensor n = randn(t.shape(), DType::Float64, gen);
  n.mul_(stddev);
  t.copy_(add(n, mean));
}

void constant_(Tensor& t, double value) { t.fill_(value); }
void zeros_(Tensor& t) { t.fill_(0.0); }
void ones_(Tensor& t) { t.fill_(1.0); }

void xavier_uniform_(Tensor& t, double gain, Generator* gen) {
  const auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  const double a = gain * std::sqrt(6.0 / double(fan_in + fan_out));
  uniform_(t, -a, a, gen);
}

void xavier_normal_(Tensor& t, double gain, Generator* gen) {
  const auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  normal_(t, 0.0, gain * std::sqrt(2.0 / double(fan_in + fan_out)), gen);
}

namespace {
double kaiming_std(const Tensor& t, double a, const std::string& mode, const std::string& nonlinearity) {
  const auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  if (mode != "fan_in" && mode != "fan_out") fail<ValueError>("kaiming init: mode must be \"fan_in\" or \"fan_out\", got \"", mode, "\"");
  const int64_t fan = mode == "fan_in" ? fan_in : fan_out;
  if (fan == 0) fail<ValueError>("kaiming init: zero fan for tensor ", shape_str(t.shape()));
  return calculate_gain(nonlinearity, a) / std::sqrt(double(fan));
}
}  // namespace

void kaiming_uniform_(Tensor& t, double a, const std::string& mode, const std::string& nonlinearity, Generator* gen) {
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(Tensor& t, double a, const std::string& mode, const std::string& nonlinearity, Generator* gen) {
  normal_(t, 0.0, kaiming_std(t, a, mode, nonlinearity), gen);
}

}  // namespace ag::nn::init
