// activation.cpp: make_activation, the configuration-name lookup.
#include "nn/activation.hpp"

#include <algorithm>

namespace ag::nn {

std::shared_ptr<Module> make_activation(const std::string& name) {
  const auto& names = activation_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    fail<ValueError>("make_activation: unknown activation \"", name, "\"; known: ", known);
  }
  // The function itself is ag::activation(name, x): one table serves both the op and the layer.
  return std::make_shared<Activation>("Activation", [name](const Variable& x) { return activation(name, x); }, name);
}

}  // namespace ag::nn
