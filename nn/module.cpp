// module.cpp: registration, dotted names, state dicts, modes, freezing and the summary table.
#include "nn/module.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace ag::nn {

// --- StateDict ------------------------------------------------------------------------------------

void StateDict::insert(const std::string& name, const Tensor& tensor) {
  const auto it = index_.find(name);
  if (it != index_.end()) {
    items_[it->second].second = tensor;
    return;
  }
  index_[name] = items_.size();
  items_.emplace_back(name, tensor);
}

const Tensor& StateDict::at(const std::string& name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) fail<ValueError>("state_dict: no key \"", name, "\" (", items_.size(), " keys)");
  return items_[it->second].second;
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> k;
  for (const auto& kv : items_) k.push_back(kv.first);
  return k;
}

namespace {
std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}
}  // namespace

std::string LoadReport::to_string() const {
  std::ostringstream os;
  if (!missing.empty()) os << "missing keys (" << missing.size() << "): " << join(missing) << "\n";
  if (!unexpected.empty()) os << "unexpected keys (" << unexpected.size() << "): " << join(unexpected) << "\n";
  if (!mismatched.empty()) os << "shape mismatches (" << mismatched.size() << "): " << join(mismatched, "; ") << "\n";
  std::string s = os.str();
  if (!s.empty()) s.pop_back();
  return s;
}

// --- Module ---------------------------------------------------------------------------------------

Variable Module::forward(const Variable& x) {
  Variable y = forward_impl(x);
  last_output_shape_ = y.shape();
  return y;
}

Variable Module::forward_impl(const Variable&) {
  fail<ValueError>(type_name_, ": this module has no single-input forward (call its own methods)");
}

void Module::check_new_name(const std::string& name, const char* what) const {
  if (name.empty() || name.find('.') != std::string::npos)
    fail<ValueError>(type_name_, ": ", what, " name \"", name, "\" must be non-empty and contain no '.'");
  auto taken = [&](const auto& list) {
    for (const auto& kv : list)
      if (kv.first == name) return true;
    return false;
  };
  if (taken(params_) || taken(buffers_) || taken(children_))
    fail<ValueError>(type_name_, ": the name \"", name, "\" is already registered");
}

Variable Module::register_parameter(const std::string& name, const Tensor& data, bool requires_grad) {
  check_new_name(name, "parameter");
  check_defined(data, "register_parameter");
  Variable v(data, false);
  if (requires_grad) v.requires_grad_(true);
  params_.emplace_back(name, v);
  return v;
}

Tensor Module::register_buffer(const std::string& name, const Tensor& data) {
  check_new_name(name, "buffer");
  check_defined(data, "register_buffer");
  buffers_.emplace_back(name, data);
  return data;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name, "module");
  if (!module) fail<ValueError>(type_name_, ": register_module(\"", name, "\") got a null module");
  module->train(training_);
  children_.emplace_back(name, std::move(module));
}

void Module::replace_child(const std::string& name, std::shared_ptr<Module> module) {
  if (!module) fail<ValueError>(type_name_, ": replace_module(\"", name, "\") got a null module");
  for (auto& [cname, child] : children_)
    if (cname == name) {
      module->train(training_);
      child = std::move(module);
      return;
    }
  fail<ValueError>(type_name_, ": replace_module: no child module named \"", name, "\"");
}

std::vector<std::pair<std::string, Variable>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Variable>> out(params_);
  for (const auto& [cname, child] : children_)
    for (const auto& [pname, p] : child->named_parameters()) out.emplace_back(cname + "." + pname, p);
  return out;
}

std::vector<Variable> Module::parameters() const {
  std::vector<Variable> out;
  for (const auto& kv : named_parameters()) out.push_back(kv.second);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out(buffers_);
  for (const auto& [cname, child] : children_)
    for (const auto& [bname, b] : child->named_buffers()) out.emplace_back(cname + "." + bname, b);
  return out;
}

std::vector<std::pair<std::string, const Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> out{{"", this}};
  for (const auto& [cname, child] : children_)
    for (const auto& [sub, m] : child->named_modules()) out.emplace_back(sub.empty() ? cname : cname + "." + sub, m);
  return out;
}

std::shared_ptr<Module> Module::submodule(const std::string& path) const {
  const size_t dot = path.find('.');
  const std::string head = path.substr(0, dot);
  for (const auto& [cname, child] : children_)
    if (cname == head) return dot == std::string::npos ? child : child->submodule(path.substr(dot + 1));
  fail<ValueError>(type_name_, ": no submodule \"", head, "\" (looking up \"", path, "\")");
}

int64_t Module::num_parameters(bool trainable_only) const {
  int64_t n = 0;
  for (const auto& kv : named_parameters())
    if (!trainable_only || kv.second.requires_grad()) n += kv.second.numel();
  return n;
}

StateDict Module::state_dict() const {
  // PyTorch's order: per module, its parameters then its buffers, then the children.
  StateDict sd;
  for (const auto& [name, p] : params_) sd.insert(name, p.data());
  for (const auto& [name, b] : buffers_) sd.insert(name, b);
  for (const auto& [cname, child] : children_) {
    const StateDict sub = child->state_dict();  // named: items() refers into it
    for (const auto& [k, t] : sub.items()) sd.insert(cname + "." + k, t);
  }
  return sd;
}

LoadReport Module::load_state_dict(const StateDict& state, bool strict) {
  LoadReport report;
  const StateDict own = state_dict();
  std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, source), applied after checking
  for (const auto& [name, dst] : own.items()) {
    if (!state.contains(name)) {
      report.missing.push_back(name);
      continue;
    }
    const Tensor& src = state.at(name);
    if (src.shape() != dst.shape()) {
      report.mismatched.push_back(name + ": module " + shape_str(dst.shape()) + " vs given " + shape_str(src.shape()));
      continue;
    }
    copies.emplace_back(dst, src);
    report.loaded.push_back(name);
  }
  for (const auto& [name, t] : state.items())
    if (!own.contains(name)) report.unexpected.push_back(name);
  if (strict && !report.ok())
    fail<ValueError>("load_state_dict (", type_name_, "): ", report.to_string(), "\n(nothing was loaded; pass strict=false to load the matching keys)");
  // Writes through the module's own handles (parameters, buffers), converting the dtype.
  for (auto& [dst, src] : copies) {
    Tensor d = dst;
    d.copy_(src);
  }
  return report;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& kv : children_) kv.second->train(on);
}

void Module::zero_grad() {
  for (auto& kv : named_parameters()) kv.second.zero_grad();
}

void Module::requires_grad_(bool on) {
  for (auto& kv : named_parameters()) kv.second.requires_grad_(on);
}

int64_t Module::requires_grad_(const std::string& prefix, bool on) {
  int64_t n = 0;
  for (auto& [name, p] : named_parameters())
    if (name.compare(0, prefix.size(), prefix) == 0) {
      p.requires_grad_(on);
      ++n;
    }
  if (n == 0) fail<ValueError>(type_name_, ": no parameter name starts with \"", prefix, "\"");
  return n;
}

// --- summary --------------------------------------------------------------------------------------

std::string summary(Module& module, const Shape& input_shape, DType dtype) {
  const bool was_training = module.is_training();
  module.eval();
  {
    NoGradGuard no_grad;
    try {
      module.forward(Variable(zeros(input_shape, dtype)));
    } catch (...) {
      module.train(was_training);
      throw;
    }
  }
  module.train(was_training);

  struct Row {
    std::string name, output;
    int64_t params;
  };
  std::vector<Row> rows;
  size_t w_name = 6, w_out = 6;
  for (const auto& [path, m] : module.named_modules()) {
    const size_t depth = path.empty() ? 0 : size_t(std::count(path.begin(), path.end(), '.') + 1);
    std::string label = std::string(2 * depth, ' ') + (path.empty() ? "" : path.substr(path.rfind('.') + 1) + ": ") +
                        m->type_name();
    const std::string extra = m->extra_repr();
    if (!extra.empty()) label += "(" + extra + ")";
    const std::string out = m->last_output_shape().empty() ? "-" : shape_str(m->last_output_shape());
    rows.push_back({label, out, m->num_parameters()});
    w_name = std::max(w_name, label.size());
    w_out = std::max(w_out, out.size());
  }
  std::ostringstream os;
  os << std::left << std::setw(int(w_name)) << "module" << "  " << std::setw(int(w_out)) << "output" << "  " << std::right
     << std::setw(12) << "params" << "\n";
  for (const Row& r : rows)
    os << std::left << std::setw(int(w_name)) << r.name << "  " << std::setw(int(w_out)) << r.output << "  " << std::right
       << std::setw(12) << r.params << "\n";
  os << "input " << shape_str(input_shape) << "; parameters: " << module.num_parameters() << " total, "
     << module.num_parameters(true) << " trainable\n";
  return os.str();
}

}  // namespace ag::nn
