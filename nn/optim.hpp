// optim.hpp: SGD, Adam and AdamW with PyTorch's defaults and update rules, parameter groups, and
// optimiser state that can be saved and restored (see checkpoint.hpp).
//
// Update rules (g = gradient, p = parameter, t = the parameter's step count from 1), exactly as
// torch.optim in 1.13, in the parameter's own precision:
//   SGD    g += wd p;  with momentum mu: buf = g at t = 1, else buf = mu buf + (1 - dampening) g;
//          g = g + mu buf (Nesterov) or buf;  p -= lr g
//   Adam   g += wd p  (L2 penalty in the gradient);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//          amsgrad: vmax = max(vmax, v), use vmax for v;
//          p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
//   AdamW  p *= 1 - lr wd  (decoupled weight decay, Loshchilov & Hutter 2019), then Adam with wd = 0
// Parameters without a gradient (frozen, or unused in this step) are skipped, as in PyTorch.
//
// Parameter groups: each group has its own lr and weight decay (e.g. a pretrained backbone at a
// tenth of the head's lr). Schedulers (lr_scheduler.hpp) write group.lr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nn/module.hpp"

namespace ag::nn {

// One group's parameters and hyper-parameters (fields a given optimiser does not use are ignored).
struct ParamGroup {
  std::vector<Variable> params;
  double lr = 1e-3;
  double weight_decay = 0.0;
  double momentum = 0.0, dampening = 0.0;  // SGD
  bool nesterov = false;                   // SGD
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam, AdamW
  bool amsgrad = false;                           // Adam, AdamW
};

// A group as the user specifies it: unset fields take the optimiser's defaults.
struct ParamGroupSpec {
  std::vector<Variable> params;
  std::optional<double> lr = std::nullopt;
  std::optional<double> weight_decay = std::nullopt;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  // Resets the gradient of every parameter (to undefined, PyTorch's set_to_none=True).
  void zero_grad();
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Adds a group with the optimiser's defaults for the unset fields.
  void add_param_group(const ParamGroupSpec& spec);

  // The state as named tensors: "state.<group>.<index>.<buffer>" (exp_avg, exp_avg_sq,
  // max_exp_avg_sq, momentum_buffer, step) and "param_groups.<group>.<field>" (lr, ...), all in the
  // order of param_groups(). load_state_dict checks that the groups and shapes match and throws
  // ValueError naming the first mismatch.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);
  // "SGD", "Adam", "AdamW" (stored with the state so that a mismatch is caught).
  const std::string& name() const { return name_; }

 protected:
  Optimizer(std::string name, ParamGroup defaults) : name_(std::move(name)), defaults_(std::move(defaults)) {}
  // Per-parameter buffers; undefined until the first step that reaches the parameter.
  struct ParamState {
    int64_t step = 0;
    Tensor buf1, buf2, buf3;  // SGD: momentum_buffer; Adam: exp_avg, exp_avg_sq, max_exp_avg_sq
  };
  ParamState& state(size_t group, size_t index) { return state_[group][index]; }
  // Names of buf1..buf3 for state_dict ("" = unused).
  virtual std::vector<std::string> buffer_names() const = 0;

  std::string name_;
  ParamGroup defaults_;
  std::vector<ParamGroup> groups_;
  std::vector<std::vector<ParamState>> state_;
};

struct SGDOptions {
  double lr = 1e-3;  // (PyTorch requires lr; there is no meaningful default)
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(const std::vector<Variable>& params, SGDOptions options);
  SGD(const std::vector<ParamGroupSpec>& groups, SGDOptions options);
  void step() override;

 protected:
  std::vector<std::string> buffer_names() const override { return {"momentum_buffer", "", ""}; }
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // AdamW's default is 1e-2 (set by AdamW's constructor if left unset)
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  Adam(const std::vector<Variable>& params, AdamOptions options = {});
  Adam(const std::vector<ParamGroupSpec>& groups, AdamOptions options = {});
  void step() override;

 protected:
  Adam(std::string name, const std::vector<ParamGroupSpec>& groups, AdamOptions options, bool decoupled);
  std::vector<std::string> buffer_names() const override { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }

 private:
  bool decoupled_;  // AdamW
};

struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = 1e-2; }
};

class AdamW : public Adam {
 public:
  AdamW(const std::vector<Variable>& params, AdamWOptions options = {});
  AdamW(const std::vector<ParamGroupSpec>& groups, AdamWOptions options = {});
};

// --- gradient clipping ------------------------------------------------------------------------------
// Scales all gradients by min(1, max_norm / (total + 1e-6)), total = the norm_type-norm of all
// gradients together (norm_type = INFINITY for the max-norm). Returns the total norm before clipping.
double clip_grad_norm_(const std::vector<Variable>& params, double max_norm, double norm_type = 2.0);
// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Variable>& params, double clip_value);

}  // namespace ag::nn
