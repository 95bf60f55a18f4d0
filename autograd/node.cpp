// node.cpp: the backward graph's Nodes (apply, release, the iterative destructor), the leaves'
// AccumulateGrad sink, and record(), the one place where graph nodes are made.
#include "autograd/node.hpp"

namespace ag {

Node::~Node() {
  // Destroying the last handle to a long chain would destroy next_[0], whose destructor destroys
  // its next_[0], ... one stack frame per node: 100 000 ops deep overflows the stack. Instead, move
  // the edges that are about to die onto a local list and drain it iteratively.
  std::vector<std::shared_ptr<Node>> pending = std::move(next_);
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    if (n && n.use_count() == 1) {
      for (auto& e : n->next_) pending.push_back(std::move(e));
      n->next_.clear();
    }
  }
}

TensorList Node::apply(const Tensor& grad_output) {
  if (released_)
    fail<Error>("backward: trying to go through the graph a second time (", name_,
                "'s saved tensors were freed). Pass retain_graph=true to the first backward() if you need to call it twice.");
  return backward_(grad_output);
}

void Node::release() {
  backward_ = nullptr;  // drops every tensor the lambda captured
  released_ = true;
}

AccumulateGrad::AccumulateGrad(std::shared_ptr<VariableImpl> leaf)
    : Node("AccumulateGrad", nullptr, {}, {leaf->data.shape()}), leaf_(std::move(leaf)) {}

TensorList AccumulateGrad::apply(const Tensor& grad_output) {
  Tensor g = grad_output.dtype() == leaf_->data.dtype() ? grad_output : grad_output.to(leaf_->data.dtype());
  if (!leaf_->grad.defined()) {
    // A private copy: the incoming gradient may be shared (add passes the same tensor to both of
    // its inputs) or a view, and .grad is accumulated into in place by later backward passes.
    leaf_->grad = g.clone();
  } else {
    leaf_->grad.add_(g);
  }
  return {};
}

std::shared_ptr<Node> gradient_edge(const Variable& v) {
  if (!v.defined()) return nullptr;
  VariableImpl& impl = *v.impl();
  if (impl.grad_fn) return impl.grad_fn;
  if (!impl.requires_grad) return nullptr;
  std::shared_ptr<Node> acc = impl.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(v.impl());
    impl.grad_accumulator = acc;
  }
  return acc;
}

Variable record(const char* name, Tensor output, const std::vector<Variable>& inputs, BackwardFn backward) {
  bool needs = false;
  if (grad_enabled())
    for (const Variable& v : inputs) needs = needs || (v.defined() && v.requires_grad());
  if (!needs) return Variable(std::move(output), false);
  std::vector<std::shared_ptr<Node>> next;
  std::vector<Shape> shapes;
  for (const Variable& v : inputs) {
    next.push_back(gradient_edge(v));
    shapes.push_back(v.defined() ? v.shape() : Shape{});
  }
  auto impl = std::make_shared<VariableImpl>();
  impl->data = std::move(output);
  impl->requires_grad = true;
  impl->grad_fn = std::make_shared<Node>(name, std::move(backward), std::move(next), std::move(shapes));
  return Variable(std::move(impl));
}

}  // namespace ag
