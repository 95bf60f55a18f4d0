// container.cpp: Sequential.
#include "nn/container.hpp"

namespace ag::nn {

Sequential::Sequential(std::vector<std::shared_ptr<Module>> layers) : Module("Sequential") {
  for (auto& l : layers) push_back(std::move(l));
}

Sequential& Sequential::push_back(std::shared_ptr<Module> layer) { return push_back(std::to_string(layers_.size()), std::move(layer)); }

Sequential& Sequential::push_back(const std::string& name, std::shared_ptr<Module> layer) {
  layers_.push_back(register_module(name, std::move(layer)));
  return *this;
}

Variable Sequential::forward_impl(const Variable& x) {
  Variable h = x;
  for (auto& layer : layers_) h = layer->forward(h);
  return h;
}

}  // namespace ag::nn
