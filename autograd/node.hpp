// node.hpp: a Node of the backward graph, and `record`, which every op uses to make one.
//
// The graph points from outputs to inputs, like PyTorch's: a Node holds one Edge per input of
// the op, and each Edge leads to the Node that will receive that input's gradient: the input's
// own grad_fn if it was computed, or an AccumulateGrad node if it is a leaf with requires_grad
// (that node adds the gradient into the leaf's .grad). Inputs that need no gradient get a null
// edge. A Node keeps only what its backward needs (captured in the lambda), not the whole inputs,
// so a graph's memory is the saved activations, as in PyTorch.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/variable.hpp"

namespace ag {

using TensorList = std::vector<Tensor>;
// Maps the gradient of the op's output to one gradient per input (an undefined Tensor for an
// input that gets none). Each returned gradient must have its input's shape: the engine checks.
using BackwardFn = std::function<TensorList(const Tensor& grad_output)>;

class Node {
 public:
  Node(std::string name, BackwardFn backward, std::vector<std::shared_ptr<Node>> next, std::vector<Shape> input_shapes)
      : name_(std::move(name)), backward_(std::move(backward)), next_(std::move(next)), input_shapes_(std::move(input_shapes)) {}
  virtual ~Node();

  const std::string& name() const { return name_; }
  // One edge per input; null where that input needs no gradient.
  const std::vector<std::shared_ptr<Node>>& next() const { return next_; }
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }

  virtual TensorList apply(const Tensor& grad_output);
  // Frees what backward saved (called by the engine unless retain_graph).
  virtual void release();
  bool released() const { return released_; }

 protected:
  std::string name_;
  BackwardFn backward_;
  std::vector<std::shared_ptr<Node>> next_;
  std::vector<Shape> input_shapes_;
  bool released_ = false;
};

// The sink of a leaf: adds the incoming gradient into the leaf's .grad.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<VariableImpl> leaf);
  TensorList apply(const Tensor& grad_output) override;
  void release() override {}

 private:
  std::shared_ptr<VariableImpl> leaf_;
};

// Wraps an op's forward result. If grad mode is on and any input requires grad, the result gets a
// Node named `name` (e.g. "mul") with `backward`; otherwise a plain Variable. Every op ends with:
//
//   return record("mul", out, {a, b}, [a_ = a.data(), b_ = b.data()](const Tensor& g) {
//     return TensorList{sum_to(mul(g, b_), a_.shape()), sum_to(mul(g, a_), b_.shape())};
//   });
Variable record(const char* name, Tensor output, const std::vector<Variable>& inputs, BackwardFn backward);

// The edge a gradient for `v` should flow into (its grad_fn, its AccumulateGrad, or null).
std::shared_ptr<Node> gradient_edge(const Variable& v);

}  // namespace ag
