// lr_scheduler.hpp: learning-rate schedules that set each parameter group's lr.
//
// Like torch.optim.lr_scheduler: constructing a scheduler sets lr(0); each step() advances the
// counter t by one and sets lr(t). Every schedule here is a closed-form function of t (no drift):
//   ConstantLR      base                      (factor / total_iters: base factor for t < total_iters)
//   StepLR          base gamma^floor(t / step_size)
//   CosineWarmupLR  base t / W for t < W, then min + (base - min) (1 + cos(pi (t - W) / (T - W))) / 2,
//                   and min after T (linear warm-up of W steps, cosine decay to step T)
//   OneCycleLR      torch.optim.lr_scheduler.OneCycleLR (Smith 2018), cosine annealing: from
//                   max_lr / div_factor up to max_lr over pct_start of the steps, then down to
//                   initial / final_div_factor; with cycle_momentum, beta1 (Adam) or momentum (SGD)
//                   moves the opposite way between max_momentum and base_momentum.
#pragma once

#include <vector>

#include "nn/optim.hpp"

namespace ag::nn {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  // t += 1, then every group's lr = lr_at(t, its base lr).
  void step();
  int64_t last_step() const { return t_; }
  // The schedule itself.
  virtual double lr_at(int64_t t, double base_lr) const = 0;
  std::vector<double> last_lr() const;

 protected:
  // Remembers each group's current lr as its base lr and applies lr_at(0).
  explicit LRScheduler(Optimizer& opt);
  void apply();
  virtual void apply_extra(int64_t /*t*/) {}
  Optimizer& opt_;
  std::vector<double> base_lrs_;
  int64_t t_ = 0;
};

class ConstantLR : public LRScheduler {
 public:
  explicit ConstantLR(Optimizer& opt, double factor = 1.0, int64_t total_iters = 0);
  double lr_at(int64_t t, double base) const override { return t < total_iters_ ? base * factor_ : base; }

 private:
  double factor_;
  int64_t total_iters_;
};

class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& opt, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t t, double base) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

class CosineWarmupLR : public LRScheduler {
 public:
  CosineWarmupLR(Optimizer& opt, int64_t warmup_steps, int64_t total_steps, double min_lr = 0.0);
  double lr_at(int64_t t, double base) const override;

 private:
  int64_t warmup_, total_;
  double min_lr_;
};

struct OneCycleOptions {
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool cycle_momentum = true;
  double base_momentum = 0.85, max_momentum = 0.95;
};

class OneCycleLR : public LRScheduler {
 public:
  // max_lr applies to every group (the base lr the groups had is ignored, as in PyTorch).
  OneCycleLR(Optimizer& opt, double max_lr, int64_t total_steps, OneCycleOptions options = {});
  double lr_at(int64_t t, double base) const override;
  double momentum_at(int64_t t) const;

 protected:
  void apply_extra(int64_t t) override;

 private:
  double max_lr_;
  int64_t total_;
  OneCycleOptions o_;
};

}  // namespace ag::nn
