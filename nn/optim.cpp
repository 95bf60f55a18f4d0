// optim.cpp: the update loops of SGD / Adam / AdamW, state save and restore, gradient clipping.
//
// The loops run over raw contiguous memory in the parameter's type T and mirror PyTorch's
// single-tensor implementation operation by operation (scalars rounded to T where PyTorch rounds
// them), so that 20 float32 steps agree with PyTorch to ~1e-6 relative (tests/nn/test_optim.cpp).
#include "nn/optim.hpp"

#include <cmath>

namespace ag::nn {
namespace {

// The gradient of p as a contiguous tensor of p's dtype, or undefined (then the step skips p).
Tensor grad_of(const Variable& p) {
  if (!p.requires_grad() || !p.grad().defined()) return Tensor();
  return p.grad().contiguous().to(p.dtype());
}

void check_lr(double lr, const char* who) {
  if (!(lr >= 0)) fail<ValueError>(who, ": learning rate must be >= 0, got ", lr);
}

}  // namespace

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.zero_grad();
}

void Optimizer::add_param_group(const ParamGroupSpec& spec) {
  if (spec.params.empty()) fail<ValueError>(name_, ": a parameter group needs at least one parameter");
  ParamGroup g = defaults_;
  g.params = spec.params;
  if (spec.lr) g.lr = *spec.lr;
  if (spec.weight_decay) g.weight_decay = *spec.weight_decay;
  check_lr(g.lr, name_.c_str());
  for (const Variable& p : g.params) {
    if (!p.defined() || !p.is_leaf())
      fail<ValueError>(name_, ": parameters must be defined leaf Variables (group ", groups_.size(), ")");
    if (!p.data().is_contiguous())
      fail<ValueError>(name_, ": parameter ", shape_str(p.shape()), " is not contiguous");
    for (const auto& other : groups_)
      for (const auto& q : other.params)
        if (q.same(p)) fail<ValueError>(name_, ": a parameter ", shape_str(p.shape()), " appears in two groups");
  }
  groups_.push_back(g);
  state_.emplace_back(g.params.size());
}

StateDict Optimizer::state_dict() const {
  StateDict sd;
  const std::vector<std::string> bufs = buffer_names();
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& g = groups_[gi];
    const std::string gp = "param_groups." + std::to_string(gi) + ".";
    const std::pair<const char*, double> fields[] = {
        {"lr", g.lr},       {"weight_decay", g.weight_decay}, {"momentum", g.momentum}, {"dampening", g.dampening},
        {"nesterov", g.nesterov}, {"beta1", g.beta1},         {"beta2", g.beta2},       {"eps", g.eps},
        {"amsgrad", g.amsgrad}};
    for (const auto& [name, value] : fields) sd.insert(gp + name, scalar_tensor(value, DType::Float64));
    sd.insert(gp + "num_params", scalar_tensor(double(g.params.size()), DType::Int64));
    for (size_t pi = 0; pi < g.params.size(); ++pi) {
      const ParamState& s = state_[gi][pi];
      if (s.step == 0) continue;
      const std::string sp = "state." + std::to_string(gi) + "." + std::to_string(pi) + ".";
      sd.insert(sp + "step", scalar_tensor(double(s.step), DType::Int64));
      const Tensor* b[3] = {&s.buf1, &s.buf2, &s.buf3};
      for (int k = 0; k < 3; ++k)
        if (!bufs[size_t(k)].empty() && b[k]->defined()) sd.insert(sp + bufs[size_t(k)], *b[k]);
    }
  }
  return sd;
}

void Optimizer::load_state_dict(const StateDict& sd) {
  const std::vector<std::string> bufs = buffer_names();
  // Check everything first, then assign: a failed load leaves the optimiser as it was.
  std::vector<ParamGroup> groups = groups_;
  std::vector<std::vector<ParamState>> state = state_;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    ParamGroup& g = groups[gi];
    const std::string gp = "param_groups." + std::to_string(gi) + ".";
    if (!sd.contains(gp + "lr"))
      fail<ValueError>(name_, ".load_state_dict: the saved state has no group ", gi, " (this optimiser has ", groups.size(), ")");
    const int64_t saved_n = sd.at(gp + "num_params").item<int64_t>();
    if (saved_n != int64_t(g.params.size()))
      fail<ValueError>(name_, ".load_state_dict: group ", gi, " has ", g.params.size(), " parameters, the saved state ", saved_n);
    auto get = [&](const char* f) { return sd.at(gp + f).item<double>(); };
    g.lr = get("lr"), g.weight_decay = get("weight_decay"), g.momentum = get("momentum"), g.dampening = get("dampening");
    g.nesterov = get("nesterov") != 0, g.beta1 = get("beta1"), g.beta2 = get("beta2"), g.eps = get("eps");
    g.amsgrad = get("amsgrad") != 0;
    for (size_t pi = 0; pi < g.params.size(); ++pi) {
      const std::string sp = "state." + std::to_string(gi) + "." + std::to_string(pi) + ".";
      ParamState s;
      if (sd.contains(sp + "step")) {
        s.step = sd.at(sp + "step").item<int64_t>();
        Tensor* b[3] = {&s.buf1, &s.buf2, &s.buf3};
        for (int k = 0; k < 3; ++k) {
          const std::string key = sp + bufs[size_t(k)];
          if (bufs[size_t(k)].empty() || !sd.contains(key)) continue;
          const Tensor& t = sd.at(key);
          if (t.shape() != g.params[pi].shape())
            fail<ValueError>(name_, ".load_state_dict: ", key, " has shape ", shape_str(t.shape()), " but the parameter is ",
                             shape_str(g.params[pi].shape()));
          *b[k] = t.to(g.params[pi].dtype()).clone();
        }
      }
      state[gi][pi] = s;
    }
  }
  groups_ = std::move(groups);
  state_ = std::move(state);
}

// --- SGD --------------------------------------------------------------------------------------------

SGD::SGD(const std::vector<Variable>& params, SGDOptions o) : SGD(std::vector<ParamGroupSpec>{{params}}, o) {}

SGD::SGD(const std::vector<ParamGroupSpec>& groups, SGDOptions o) : Optimizer("SGD", ParamGroup{}) {
  defaults_.lr = o.lr, defaults_.momentum = o.momentum, defaults_.dampening = o.dampening;
  defaults_.weight_decay = o.weight_decay, defaults_.nesterov = o.nesterov;
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    fail<ValueError>("SGD: Nesterov momentum requires a momentum > 0 and zero dampening");
  if (o.momentum < 0 || o.weight_decay < 0) fail<ValueError>("SGD: momentum and weight_decay must be >= 0");
  for (const auto& g : groups) add_param_group(g);
}

void SGD::step() {
  NoGradGuard no_grad;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& grp = groups_[gi];
    for (size_t pi = 0; pi < grp.params.size(); ++pi) {
      const Variable& p = grp.params[pi];
      const Tensor grad = grad_of(p);
      if (!grad.defined()) continue;
      ParamState& s = state(gi, pi);
      ++s.step;
      const bool first = !s.buf1.defined();
      if (grp.momentum != 0 && first) s.buf1 = Tensor(p.shape(), p.dtype());
      dispatch_floating(p.dtype(), "SGD", [&](auto tag) {
        using T = decltype(tag);
        T* w = p.data().template data_ptr<T>();
        const T* g = grad.data_ptr<T>();
        T* buf = grp.momentum != 0 ? s.buf1.data_ptr<T>() : nullptr;
        const T wd = T(grp.weight_decay), mu = T(grp.momentum), damp = T(1 - grp.dampening), lr = T(grp.lr);
        for (int64_t i = 0; i < p.numel(); ++i) {
          T d = grp.weight_decay != 0 ? g[i] + wd * w[i] : g[i];
          if (buf) {
            buf[i] = first ? d : buf[i] * mu + damp * d;
            d = grp.nesterov ? d + mu * buf[i] : buf[i];
          }
          w[i] = w[i] + (-lr) * d;
        }
      });
    }
  }
}

// --- Adam / AdamW -----------------------------------------------------------------------------------

Adam::Adam(const std::vector<Variable>& params, AdamOptions o) : Adam("Adam", {{params}}, o, false) {}
Adam::Adam(const std::vector<ParamGroupSpec>& groups, AdamOptions o) : Adam("Adam", groups, o, false) {}

Adam::Adam(std::string name, const std::vector<ParamGroupSpec>& groups, AdamOptions o, bool decoupled)
    : Optimizer(std::move(name), ParamGroup{}), decoupled_(decoupled) {
  defaults_.lr = o.lr, defaults_.beta1 = o.beta1, defaults_.beta2 = o.beta2, defaults_.eps = o.eps;
  defaults_.weight_decay = o.weight_decay, defaults_.amsgrad = o.amsgrad;
  if (!(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1))
    fail<ValueError>(name_, ": betas must be in [0, 1), got (", o.beta1, ", ", o.beta2, ")");
  if (!(o.eps >= 0) || !(o.weight_decay >= 0)) fail<ValueError>(name_, ": eps and weight_decay must be >= 0");
  for (const auto& g : groups) add_param_group(g);
}

void Adam::step() {
  NoGradGuard no_grad;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& grp = groups_[gi];
    for (size_t pi = 0; pi < grp.params.size(); ++pi) {
      const Variable& p = grp.params[pi];
      const Tensor grad = grad_of(p);
      if (!grad.defined()) continue;
      ParamState& s = state(gi, pi);
      if (!s.buf1.defined()) {
        s.buf1 = Tensor(p.shape(), p.dtype());
        s.buf2 = Tensor(p.shape(), p.dtype());
        if (grp.amsgrad) s.buf3 = Tensor(p.shape(), p.dtype());
      }
      if (grp.amsgrad && !s.buf3.defined()) s.buf3 = Tensor(p.shape(), p.dtype());
      const int64_t t = ++s.step;
      // Bias corrections in double, as PyTorch computes them in Python.
      const double bc1 = 1 - std::pow(grp.beta1, double(t)), bc2 = 1 - std::pow(grp.beta2, double(t));
      const double step_size = grp.lr / bc1, bc2_sqrt = std::sqrt(bc2);
      dispatch_floating(p.dtype(), name_.c_str(), [&](auto tag) {
        using T = decltype(tag);
        T* w = p.data().template data_ptr<T>();
        const T* g = grad.data_ptr<T>();
        T* m = s.buf1.data_ptr<T>();
        T* v = s.buf2.data_ptr<T>();
        T* vmax = grp.amsgrad ? s.buf3.data_ptr<T>() : nullptr;
        const T b1 = T(grp.beta1), b2 = T(grp.beta2), one_b1 = T(1 - grp.beta1), one_b2 = T(1 - grp.beta2);
        const T wd = T(grp.weight_decay), decay = T(1 - grp.lr * grp.weight_decay), eps = T(grp.eps);
        const T c2 = T(bc2_sqrt), neg_step = T(-step_size);
        for (int64_t i = 0; i < p.numel(); ++i) {
          T gi = g[i];
          if (decoupled_) w[i] = w[i] * decay;
          else if (grp.weight_decay != 0) gi = gi + wd * w[i];
          m[i] = m[i] * b1 + one_b1 * gi;
          v[i] = v[i] * b2 + one_b2 * gi * gi;
          T vv = v[i];
          if (vmax) vv = vmax[i] = std::max(vmax[i], v[i]);
          const T denom = std::sqrt(vv) / c2 + eps;
          w[i] = w[i] + neg_step * (m[i] / denom);
        }
      });
    }
  }
}

AdamW::AdamW(const std::vector<Variable>& params, AdamWOptions o) : Adam("AdamW", {{params}}, o, true) {}
AdamW::AdamW(const std::vector<ParamGroupSpec>& groups, AdamWOptions o) : Adam("AdamW", groups, o, true) {}

// --- clipping -------------------------------------------------------------------------------------

double clip_grad_norm_(const std::vector<Variable>& params, double max_norm, double norm_type) {
  if (!(max_norm >= 0) || !(norm_type > 0)) fail<ValueError>("clip_grad_norm_: max_norm must be >= 0 and norm_type > 0");
  double total = 0;
  for (const Variable& p : params) {
    if (!p.grad().defined()) continue;
    const Tensor g = p.grad().to(DType::Float64).contiguous();
    const double* d = g.data_ptr<double>();
    for (int64_t i = 0; i < g.numel(); ++i) {
      if (std::isinf(norm_type)) total = std::max(total, std::abs(d[i]));
      else total += std::pow(std::abs(d[i]), norm_type);
    }
  }
  if (!std::isinf(norm_type)) total = std::pow(total, 1.0 / norm_type);
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0)
    for (const Variable& p : params)
      if (p.grad().defined()) {
        Tensor g = p.grad();
        g.mul_(coef);
      }
  return total;
}

void clip_grad_value_(const std::vector<Variable>& params, double clip_value) {
  if (!(clip_value >= 0)) fail<ValueError>("clip_grad_value_: clip_value must be >= 0, got ", clip_value);
  for (const Variable& p : params)
    if (p.grad().defined()) {
      Variable q = p;
      q.set_grad(clamp(p.grad(), -clip_value, clip_value));
    }
}

}  // namespace ag::nn
