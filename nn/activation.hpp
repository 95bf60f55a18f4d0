// activation.hpp: activation layers, one per function of autograd/nn_ops.hpp, and by name.
//
//   auto act = make_activation("lrelu");   // from a configuration string (see ag::activation_names())
//   auto act = std::make_shared<LeakyReLU>(0.2);
// All hold no parameters; Softmax / LogSoftmax / SwiGLU act along a chosen dim.
#pragma once

#include <functional>
#include <memory>

#include "nn/module.hpp"

namespace ag::nn {

// A parameter-free layer applying fn; `repr` is shown by summary().
class Activation : public Module {
 public:
  Activation(std::string type_name, std::function<Variable(const Variable&)> fn, std::string repr = "")
      : Module(std::move(type_name)), fn_(std::move(fn)), repr_(std::move(repr)) {}
  std::string extra_repr() const override { return repr_; }

 protected:
  Variable forward_impl(const Variable& x) override { return fn_(x); }

 private:
  std::function<Variable(const Variable&)> fn_;
  std::string repr_;
};

struct ReLU : Activation {
  ReLU() : Activation("ReLU", [](const Variable& x) { return relu(x); }) {}
};
struct LeakyReLU : Activation {
  explicit LeakyReLU(double slope = 0.01)
      : Activation("LeakyReLU", [slope](const Variable& x) { return leaky_relu(x, slope); },
                   "negative_slope=" + std::to_string(slope)) {}
};
struct ELU : Activation {
  explicit ELU(double alpha = 1.0)
      : Activation("ELU", [alpha](const Variable& x) { return elu(x, alpha); }, "alpha=" + std::to_string(alpha)) {}
};
struct GELU : Activation {
  explicit GELU(std::string approximate = "none")
      : Activation("GELU", [approximate](const Variable& x) { return gelu(x, approximate); }, "approximate=" + approximate) {}
};
struct SiLU : Activation {
  SiLU() : Activation("SiLU", [](const Variable& x) { return silu(x); }) {}
};
struct Swish : Activation {
  explicit Swish(double beta = 1.0)
      : Activation("Swish", [beta](const Variable& x) { return swish(x, beta); }, "beta=" + std::to_string(beta)) {}
};
struct Mish : Activation {
  Mish() : Activation("Mish", [](const Variable& x) { return mish(x); }) {}
};
struct Smish : Activation {
  Smish() : Activation("Smish", [](const Variable& x) { return smish(x); }) {}
};
struct Softplus : Activation {
  explicit Softplus(double beta = 1.0, double threshold = 20.0)
      : Activation("Softplus", [beta, threshold](const Variable& x) { return softplus(x, beta, threshold); },
                   "beta=" + std::to_string(beta) + ", threshold=" + std::to_string(threshold)) {}
};
struct Sigmoid : Activation {
  Sigmoid() : Activation("Sigmoid", [](const Variable& x) { return sigmoid(x); }) {}
};
struct Tanh : Activation {
  Tanh() : Activation("Tanh", [](const Variable& x) { return tanh(x); }) {}
};
struct Hardswish : Activation {
  Hardswish() : Activation("Hardswish", [](const Variable& x) { return hardswish(x); }) {}
};
struct SwiGLU : Activation {
  explicit SwiGLU(int64_t dim = -1)
      : Activation("SwiGLU", [dim](const Variable& x) { return swiglu(x, dim); }, "dim=" + std::to_string(dim)) {}
};
struct Softmax : Activation {
  explicit Softmax(int64_t dim)
      : Activation("Softmax", [dim](const Variable& x) { return softmax(x, dim); }, "dim=" + std::to_string(dim)) {}
};
struct LogSoftmax : Activation {
  explicit LogSoftmax(int64_t dim)
      : Activation("LogSoftmax", [dim](const Variable& x) { return log_softmax(x, dim); }, "dim=" + std::to_string(dim)) {}
};

// The layer for a configuration name ("relu", "lrelu", "gelu", "swiglu", ...: the names of
// ag::activation). ValueError listing the known names for any other.
std::shared_ptr<Module> make_activation(const std::string& name);

}  // namespace ag::nn
