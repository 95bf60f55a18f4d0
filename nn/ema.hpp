// ema.hpp: an exponential moving average of a module's weights, for evaluating a smoother model
// than the last optimiser step gives (PyTorch: torch.optim.swa_utils.AveragedModel with
// get_ema_multi_avg_fn and use_buffers=True; timm's ModelEmaV2).
//
// After every optimiser step, each floating-point parameter and buffer (batch norm's running
// statistics too) moves towards the module's:
//
//   shadow = d * shadow + (1 - d) * live,   d = min(decay, (1 + n) / (10 + n))
//
// where n counts the updates so far. The warm-up term (TensorFlow's ExponentialMovingAverage with
// num_updates) keeps the first steps from being dominated by the random initial weights when a run
// has only a few thousand steps. Integer buffers are copied.
//
// Use:
//   nn::ExponentialMovingAverage ema(model, 0.999);
//   ... opt.step(); ema.update(model);
//   { nn::AveragedWeights swapped(ema, model); evaluate(model); }  // the EMA weights, then back
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/module.hpp"

namespace ag::nn {

class ExponentialMovingAverage {
 public:
  // Copies the module's current parameters and buffers. decay in [0, 1), else ValueError.
  ExponentialMovingAverage(const Module& module, double decay);

  // One step of the average towards the module's weights. The module must have the same names and
  // shapes as at construction (ValueError otherwise).
  void update(const Module& module);
  // Exchanges the module's weights with the average (calling it twice restores both).
  void swap(Module& module);

  double decay() const { return decay_; }
  int64_t num_updates() const { return num_updates_; }
  // The decay the next update will use: min(decay, (1 + n) / (10 + n)).
  double current_decay() const;

  // The averaged tensors under the module's names (the average's own tensors, not copies), and
  // the update count; load_state_dict takes what state_dict gave, ValueError on any mismatch.
  StateDict state_dict() const { return shadow_; }
  void load_state_dict(const StateDict& state, int64_t num_updates);

 private:
  std::vector<std::pair<std::string, Tensor>> live(const Module& module) const;

  double decay_;
  int64_t num_updates_ = 0;
  StateDict shadow_;
};

// Scope guard: the module holds the average's weights while it lives.
class AveragedWeights {
 public:
  AveragedWeights(ExponentialMovingAverage* ema, Module& module) : ema_(ema), module_(module) {
    if (ema_) ema_->swap(module_);
  }
  ~AveragedWeights() {
    if (ema_) ema_->swap(module_);
  }
  AveragedWeights(const AveragedWeights&) = delete;
  AveragedWeights& operator=(const AveragedWeights&) = delete;

 private:
  ExponentialMovingAverage* ema_;
  Module& module_;
};

}  // namespace ag::nn
