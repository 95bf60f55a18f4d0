// variable.cpp: Variable's accessors, grad mode, and record(), the one place where graph nodes are
// made.
#include "autograd/variable.hpp"

#include "autograd/node.hpp"

namespace ag {

namespace {
thread_local bool grad_mode = true;

VariableImpl& get(const std::shared_ptr<VariableImpl>& impl, const char* what) {
  if (!impl) fail<ValueError>(what, ": Variable is undefined (default-constructed)");
  return *impl;
}
}  // namespace

bool grad_enabled() { return grad_mode; }
NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

Variable::Variable(Tensor data, bool requires_grad) : impl_(std::make_shared<VariableImpl>()) {
  check_defined(data, "Variable");
  impl_->data = std::move(data);
  requires_grad_(requires_grad);
}

const Tensor& Variable::data() const { return get(impl_, "data").data; }

void Variable::set_data(const Tensor& data) {
  VariableImpl& v = get(impl_, "set_data");
  if (data.shape() != v.data.shape() || data.dtype() != v.data.dtype())
    fail<ShapeError>("set_data: new data ", shape_str(data.shape()), " ", dtype_name(data.dtype()), " does not match ",
                     shape_str(v.data.shape()), " ", dtype_name(v.data.dtype()));
  v.data = data;
}

const Tensor& Variable::grad() const { return get(impl_, "grad").grad; }

void Variable::set_grad(const Tensor& grad) {
  VariableImpl& v = get(impl_, "set_grad");
  if (grad.defined() && grad.shape() != v.data.shape())
    fail<ShapeError>("set_grad: gradient ", shape_str(grad.shape()), " does not match the data's shape ", shape_str(v.data.shape()));
  v.grad = grad;
}

void Variable::zero_grad() { get(impl_, "zero_grad").grad = Tensor(); }

bool Variable::requires_grad() const { return get(impl_, "requires_grad").requires_grad; }

Variable& Variable::requires_grad_(bool on) {
  VariableImpl& v = get(impl_, "requires_grad_");
  if (v.grad_fn) fail<ValueError>("requires_grad_: only leaves can change requires_grad (this Variable was computed by ",
                                  v.grad_fn->name(), "; use detach() to get a leaf)");
  if (on && !is_floating(v.data.dtype()))
    fail<TypeError>("requires_grad_: only floating tensors can require gradients, got ", dtype_name(v.data.dtype()));
  v.requires_grad = on;
  return *this;
}

bool Variable::is_leaf() const { return get(impl_, "is_leaf").grad_fn == nullptr; }

const std::shared_ptr<Node>& Variable::grad_fn() const { return get(impl_, "grad_fn").grad_fn; }

Variable Variable::detach() const { return Variable(data(), false); }

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

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
  if (grad_mode)
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
