// ema.cpp: see ema.hpp.
#include "nn/ema.hpp"

#include <algorithm>
#include <utility>

#include "tensor/error.hpp"

namespace ag::nn {

namespace {

template <class T>
void lerp_into(T* shadow, const T* live, int64_t n, double d) {
  const T a = static_cast<T>(d), b = static_cast<T>(1.0 - d);
#pragma omp parallel for simd schedule(static) if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) shadow[i] = a * shadow[i] + b * live[i];
}

template <class T>
void swap_data(T* x, T* y, int64_t n) {
  std::swap_ranges(x, x + n, y);
}

}  // namespace

ExponentialMovingAverage::ExponentialMovingAverage(const Module& module, double decay) : decay_(decay) {
  if (!(decay >= 0 && decay < 1)) fail<ValueError>("ExponentialMovingAverage: decay must be in [0, 1), got ", decay);
  for (const auto& [name, t] : live(module)) shadow_.insert(name, t.clone());
}

std::vector<std::pair<std::string, Tensor>> ExponentialMovingAverage::live(const Module& module) const {
  // In the module's state-dict order, so that a saved average reads like the module's own file.
  std::vector<std::pair<std::string, Tensor>> out = module.state_dict().items();
  if (!shadow_.empty()) {
    if (out.size() != shadow_.size())
      fail<ValueError>("ExponentialMovingAverage: the module has ", out.size(), " parameters and buffers, the average ",
                       shadow_.size());
    for (const auto& [name, t] : out) {
      if (!shadow_.contains(name)) fail<ValueError>("ExponentialMovingAverage: the average has no tensor '", name, "'");
      const Tensor& s = shadow_.at(name);
      if (s.shape() != t.shape() || s.dtype() != t.dtype())
        fail<ValueError>("ExponentialMovingAverage: '", name, "' is ", shape_str(t.shape()), " ", dtype_name(t.dtype()),
                         " in the module, ", shape_str(s.shape()), " ", dtype_name(s.dtype()), " in the average");
      if (!t.is_contiguous()) fail<ValueError>("ExponentialMovingAverage: '", name, "' is not contiguous");
    }
  }
  return out;
}

double ExponentialMovingAverage::current_decay() const {
  const double n = static_cast<double>(num_updates_);
  return std::min(decay_, (1.0 + n) / (10.0 + n));
}

void ExponentialMovingAverage::update(const Module& module) {
  const double d = current_decay();
  for (const auto& [name, t] : live(module)) {
    const Tensor& s = shadow_.at(name);
    if (t.dtype() == DType::Float32)
      lerp_into(s.data_ptr<float>(), t.data_ptr<float>(), t.numel(), d);
    else if (t.dtype() == DType::Float64)
      lerp_into(s.data_ptr<double>(), t.data_ptr<double>(), t.numel(), d);
    else
      Tensor(s).copy_(t);
  }
  ++num_updates_;
}

void ExponentialMovingAverage::swap(Module& module) {
  for (const auto& [name, t] : live(module)) {
    const Tensor& s = shadow_.at(name);
    switch (t.dtype()) {
      case DType::Float32: swap_data(s.data_ptr<float>(), t.data_ptr<float>(), t.numel()); break;
      case DType::Float64: swap_data(s.data_ptr<double>(), t.data_ptr<double>(), t.numel()); break;
      case DType::Int64: swap_data(s.data_ptr<int64_t>(), t.data_ptr<int64_t>(), t.numel()); break;
    }
  }
}

void ExponentialMovingAverage::load_state_dict(const StateDict& state, int64_t num_updates) {
  if (num_updates < 0) fail<ValueError>("ExponentialMovingAverage: num_updates must be >= 0, got ", num_updates);
  if (state.size() != shadow_.size())
    fail<ValueError>("ExponentialMovingAverage: the state has ", state.size(), " tensors, the average ", shadow_.size());
  for (const auto& [name, s] : shadow_.items()) {
    if (!state.contains(name)) fail<ValueError>("ExponentialMovingAverage: the state has no tensor '", name, "'");
    const Tensor& t = state.at(name);
    if (t.shape() != s.shape())
      fail<ValueError>("ExponentialMovingAverage: '", name, "' is ", shape_str(t.shape()), " in the state, ",
                       shape_str(s.shape()), " in the average");
  }
  for (const auto& [name, s] : shadow_.items()) Tensor(s).copy_(state.at(name));
  num_updates_ = num_updates;
}

}  // namespace ag::nn
