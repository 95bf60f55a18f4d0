// variable.cpp: Variable's accessors and grad mode. The graph's nodes and record() are in
// node.cpp.
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

}  // namespace ag
