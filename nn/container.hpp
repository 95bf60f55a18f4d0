// container.hpp: Sequential, Identity and Flatten.
//
//   auto net = std::make_shared<Sequential>();
//   net->push_back(std::make_shared<Linear>(4, 8));   // named "0"
//   net->push_back("act", make_activation("gelu"));  // named "act"
//   Variable y = net->forward(x);                     // each layer on the previous one's output
#pragma once

#include <memory>
#include <vector>

#include "nn/module.hpp"

namespace ag::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  explicit Sequential(std::vector<std::shared_ptr<Module>> layers);
  // Appends a layer named by its position ("0", "1", ...), like torch.nn.Sequential.
  Sequential& push_back(std::shared_ptr<Module> layer);
  Sequential& push_back(const std::string& name, std::shared_ptr<Module> layer);
  size_t size() const { return layers_.size(); }
  const std::shared_ptr<Module>& operator[](size_t i) const { return layers_.at(i); }

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}

 protected:
  Variable forward_impl(const Variable& x) override { return x; }
};

// Flattens dims start_dim..end_dim into one (default: everything after the batch axis).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : Module("Flatten"), start_(start_dim), end_(end_dim) {}
  std::string extra_repr() const override { return "start_dim=" + std::to_string(start_) + ", end_dim=" + std::to_string(end_); }

 protected:
  Variable forward_impl(const Variable& x) override { return flatten(x, start_, end_); }

 private:
  int64_t start_, end_;
};

}  // namespace ag::nn
