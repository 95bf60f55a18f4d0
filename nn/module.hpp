// module.hpp: `nn::Module`, the base of every layer and model, and `StateDict`.
//
// A Module owns named parameters (Variables that train), named buffers (Tensors that do not, like
// BatchNorm's running statistics) and named child modules. Names compose with dots, exactly as in
// PyTorch, so a PyTorch state dict maps 1:1 onto ours:
//
//   conv_block1.conv1.weight          parameter "weight" of child "conv1" of child "conv_block1"
//   conv_block1.bn2.running_mean      buffer    "running_mean" of ...
//
// A layer registers what it owns in its constructor and keeps its own handle for use in forward:
//
//   weight = register_parameter("weight", zeros({out, in}));
//   bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(64));
//
// (Parameters and child modules are public members named as in PyTorch, `conv1->weight`, rather
// than private members with a trailing underscore: users reach into models the same way there.)
//
// Registration stores a copy of the HANDLE (Variables and Tensors are shared handles), so the
// registry and the member always see the same data; loading a state dict writes into that data.
//
// Calling: `forward(x)` is the public entry; it records the output's shape (for `summary`) and
// calls the virtual `forward_impl(x)`, which layers and models override. Layers compose ops from
// autograd/ and hold no backward code.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/autograd.hpp"

namespace ag::nn {

// An ordered name -> Tensor map (PyTorch's OrderedDict): iteration follows insertion order.
class StateDict {
 public:
  // Adds or replaces (a replaced key keeps its position).
  void insert(const std::string& name, const Tensor& tensor);
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  // The tensor under `name`, or ValueError naming the key.
  const Tensor& at(const std::string& name) const;
  // By reference from a named StateDict; by value from a temporary, so that
  // `for (auto& kv : module.state_dict().items())` does not dangle.
  const std::vector<std::pair<std::string, Tensor>>& items() const& { return items_; }
  std::vector<std::pair<std::string, Tensor>> items() && { return std::move(items_); }
  std::vector<std::string> keys() const;
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, Tensor>> items_;
  std::map<std::string, size_t> index_;
};

// What load_state_dict found. `ok()` when every key matched by name and shape.
struct LoadReport {
  std::vector<std::string> missing;     // in the module, not in the state dict
  std::vector<std::string> unexpected;  // in the state dict, not in the module
  std::vector<std::string> mismatched;  // "name: module (64, 1, 3, 3) vs file (64, 3, 3, 3)"
  std::vector<std::string> loaded;
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // One line per problem, e.g. "missing keys (2): fc.weight, fc.bias".
  std::string to_string() const;
};

class Module {
 public:
  // type_name is shown by summary(): "Conv2d", "BatchNorm2d", "Cnn14", ...
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // x -> forward_impl(x), remembering the output shape for summary().
  Variable forward(const Variable& x);

  // --- registration (in constructors) -----------------------------------------------------------
  // A trainable leaf holding `data` (requires_grad as given). Names are unique per module and
  // contain no dot. Returns the registered handle.
  Variable register_parameter(const std::string& name, const Tensor& data, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, const Tensor& data);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  // Swaps the registered child `name` for `module` in place (same position in the state dict):
  // how transfer learning puts a new head on a trained backbone. ValueError if no such child.
  template <class M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    replace_child(name, module);
    return module;
  }

  // --- inspection -------------------------------------------------------------------------------
  // Dotted names, depth first, own entries before children's, in registration order.
  std::vector<std::pair<std::string, Variable>> named_parameters() const;
  std::vector<Variable> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  // This module (name "") and every descendant with its dotted name.
  std::vector<std::pair<std::string, const Module*>> named_modules() const;
  // The descendant at a dotted path ("conv_block1.bn2"), or ValueError.
  std::shared_ptr<Module> submodule(const std::string& path) const;
  // Number of parameter elements (only those with requires_grad if trainable_only).
  int64_t num_parameters(bool trainable_only = false) const;
  const std::string& type_name() const { return type_name_; }
  // The settings shown after the type name by summary(): "1, 64, kernel=(3, 3), padding=(1, 1)".
  virtual std::string extra_repr() const { return ""; }

  // --- state --------------------------------------------------------------------------------------
  // Parameters and buffers by dotted name (the tensors are the module's own: no copies).
  StateDict state_dict() const;
  // Copies matching tensors in (converting dtype). strict: any missing or unexpected key or shape
  // mismatch throws ValueError listing all of them, and nothing is loaded. Non-strict: loads what
  // matches and reports the rest.
  LoadReport load_state_dict(const StateDict& state, bool strict = true);

  // --- modes --------------------------------------------------------------------------------------
  // Training mode (dropout active, batch norm on batch statistics) for this module and all below.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Resets every parameter's gradient (to undefined, like PyTorch's set_to_none=True).
  void zero_grad();
  // Freezing: requires_grad on every parameter of this module and below...
  void requires_grad_(bool on);
  // ...or on the parameters whose dotted name starts with `prefix` ("conv_block1." freezes that
  // block). Returns how many matched; ValueError if none did (a typo would freeze nothing).
  int64_t requires_grad_(const std::string& prefix, bool on);

  // The shape forward() returned last time (empty before the first call).
  const Shape& last_output_shape() const { return last_output_shape_; }

 protected:
  virtual Variable forward_impl(const Variable& x);
  // For a layer's other forward methods (BatchNorm::forward_leaky_relu): what forward() remembers.
  void set_last_output_shape(const Shape& shape) { last_output_shape_ = shape; }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void replace_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name, const char* what) const;

  std::string type_name_;
  bool training_ = true;
  std::vector<std::pair<std::string, Variable>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  Shape last_output_shape_;
};

// A table of the module tree: each module's type and settings, the output shape of a forward on a
// zero input of `input_shape`, and parameter counts, then the totals. The forward runs in eval mode
// without gradients (so running statistics do not move) and the mode is restored afterwards.
std::string summary(Module& module, const Shape& input_shape, DType dtype = DType::Float32);

}  // namespace ag::nn
