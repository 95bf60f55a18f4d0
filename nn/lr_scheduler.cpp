// lr_scheduler.cpp: the schedules of lr_scheduler.hpp.
#include "nn/lr_scheduler.hpp"

#include <cmath>

namespace ag::nn {

LRScheduler::LRScheduler(Optimizer& opt) : opt_(opt) {
  for (const auto& g : opt.param_groups()) base_lrs_.push_back(g.lr);
}

void LRScheduler::apply() {
  auto& groups = opt_.param_groups();
  for (size_t i = 0; i < groups.size() && i < base_lrs_.size(); ++i) groups[i].lr = lr_at(t_, base_lrs_[i]);
  apply_extra(t_);
}

void LRScheduler::step() {
  ++t_;
  apply();
}

std::vector<double> LRScheduler::last_lr() const {
  std::vector<double> v;
  for (const auto& g : opt_.param_groups()) v.push_back(g.lr);
  return v;
}

ConstantLR::ConstantLR(Optimizer& opt, double factor, int64_t total_iters)
    : LRScheduler(opt), factor_(factor), total_iters_(total_iters) {
  if (!(factor > 0 && factor <= 1)) fail<ValueError>("ConstantLR: factor must be in (0, 1], got ", factor);
  apply();
}

StepLR::StepLR(Optimizer& opt, int64_t step_size, double gamma) : LRScheduler(opt), step_size_(step_size), gamma_(gamma) {
  if (step_size < 1) fail<ValueError>("StepLR: step_size must be >= 1, got ", step_size);
  apply();
}

double StepLR::lr_at(int64_t t, double base) const { return base * std::pow(gamma_, double(t / step_size_)); }

CosineWarmupLR::CosineWarmupLR(Optimizer& opt, int64_t warmup_steps, int64_t total_steps, double min_lr)
    : LRScheduler(opt), warmup_(warmup_steps), total_(total_steps), min_lr_(min_lr) {
  if (warmup_steps < 0 || total_steps <= warmup_steps)
    fail<ValueError>("CosineWarmupLR: need 0 <= warmup_steps (", warmup_steps, ") < total_steps (", total_steps, ")");
  apply();
}

double CosineWarmupLR::lr_at(int64_t t, double base) const {
  if (t < warmup_) return base * double(t) / double(warmup_);
  if (t >= total_) return min_lr_;
  const double progress = double(t - warmup_) / double(total_ - warmup_);
  return min_lr_ + (base - min_lr_) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

namespace {
// PyTorch's _annealing_cos: from start at pct = 0 to end at pct = 1.
double anneal_cos(double start, double end, double pct) { return end + (start - end) / 2.0 * (std::cos(M_PI * pct) + 1); }
}  // namespace

OneCycleLR::OneCycleLR(Optimizer& opt, double max_lr, int64_t total_steps, OneCycleOptions options)
    : LRScheduler(opt), max_lr_(max_lr), total_(total_steps), o_(options) {
  if (total_steps < 2) fail<ValueError>("OneCycleLR: total_steps must be >= 2, got ", total_steps);
  if (!(options.pct_start > 0 && options.pct_start < 1)) fail<ValueError>("OneCycleLR: pct_start must be in (0, 1)");
  apply();
}

double OneCycleLR::lr_at(int64_t t, double) const {
  const double initial = max_lr_ / o_.div_factor, min_lr = initial / o_.final_div_factor;
  // Two phases, ending at step pct_start T - 1 and T - 1 (PyTorch's phase boundaries).
  const double end1 = o_.pct_start * double(total_) - 1, end2 = double(total_) - 1;
  if (double(t) <= end1) return anneal_cos(initial, max_lr_, double(t) / end1);
  return anneal_cos(max_lr_, min_lr, (double(t) - end1) / (end2 - end1));
}

double OneCycleLR::momentum_at(int64_t t) const {
  const double end1 = o_.pct_start * double(total_) - 1, end2 = double(total_) - 1;
  if (double(t) <= end1) return anneal_cos(o_.max_momentum, o_.base_momentum, double(t) / end1);
  return anneal_cos(o_.base_momentum, o_.max_momentum, (double(t) - end1) / (end2 - end1));
}

void OneCycleLR::apply_extra(int64_t t) {
  if (!o_.cycle_momentum) return;
  const double m = momentum_at(t);
  // Adam-type optimisers cycle beta1, SGD its momentum (PyTorch's use_beta1 rule).
  for (auto& g : opt_.param_groups()) {
    if (opt_.name() == "SGD") g.momentum = m;
    else g.beta1 = m;
  }
}

}  // namespace ag::nn
