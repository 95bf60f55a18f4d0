// variable.hpp: `Variable`, a Tensor that remembers how it was computed.
//
// tensor/ knows nothing about gradients; autograd/ wraps a Tensor in a Variable that adds
//   requires_grad  whether gradients should flow to it
//   grad           the accumulated gradient (leaves only; a Tensor of the same shape)
//   grad_fn        for a result of an op: the Node that knows the op's backward (null for leaves)
//
// Like Tensor, COPYING A VARIABLE COPIES THE HANDLE: both copies share data, grad and grad_fn.
//
// Every op in autograd/ops/ takes Variables, computes the forward with the tensor/ kernels, and, if
// any input requires grad (and grad mode is on, see NoGradGuard), records a Node whose backward
// maps the output's gradient to the inputs' gradients. `loss.backward()` walks those Nodes
// (autograd/engine.cpp). See docs/03_autograd.md.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace ag {

class Node;
struct VariableImpl;

class Variable {
 public:
  Variable() = default;  // undefined
  // A leaf holding `data` (no copy: the Variable shares the tensor's storage).
  explicit Variable(Tensor data, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& data() const;
  // Replaces the data of a leaf in place (optimisers, loading weights). Shape and dtype must match.
  void set_data(const Tensor& data);

  // Gradient accumulated by backward(); undefined until the first backward reaches this leaf.
  const Tensor& grad() const;
  void set_grad(const Tensor& grad);
  // Resets the gradient to undefined (PyTorch's set_to_none=True: the next backward allocates).
  void zero_grad();

  bool requires_grad() const;
  // Turns gradient tracking on or off for a leaf; ValueError on a non-leaf or an int64 tensor.
  Variable& requires_grad_(bool on = true);
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;

  // The same data, cut from the graph: a leaf with requires_grad = false.
  Variable detach() const;

  // Back-propagates from this Variable. Without `grad`, the Variable must hold one element
  // (a loss); otherwise `grad` has this Variable's shape. The graph is freed afterwards unless
  // retain_graph is true.
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;

  // Shape helpers, forwarded to data().
  const Shape& shape() const { return data().shape(); }
  int64_t dim() const { return data().dim(); }
  int64_t size(int64_t d) const { return data().size(d); }
  int64_t numel() const { return data().numel(); }
  DType dtype() const { return data().dtype(); }
  template <class T>
  T item() const { return data().item<T>(); }

  // Identity of the underlying variable (two handles to one Variable compare equal).
  bool same(const Variable& other) const { return impl_ == other.impl_; }

  // Used by the engine and by record(): not for everyday use.
  const std::shared_ptr<VariableImpl>& impl() const { return impl_; }
  explicit Variable(std::shared_ptr<VariableImpl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<VariableImpl> impl_;
};

struct VariableImpl {
  Tensor data;
  Tensor grad;
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;       // non-leaf: the op that produced it
  std::weak_ptr<Node> grad_accumulator;  // leaf: its AccumulateGrad node, made on first use
};

// While a NoGradGuard is alive (on this thread), ops record nothing: results have no grad_fn and
// requires_grad = false. Use it for evaluation and for optimiser updates.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};
bool grad_enabled();

}  // namespace ag
