// unary.cpp: element-wise functions of one input. out and g have a's shape.
//
//   exp     d = g * out                 log    d = g / a
//   sqrt    d = g / (2 out)             rsqrt  d = -g out^3 / 2
//   abs     d = g * sign(a)             sign   d = 0
//   sin     d = g cos(a)                cos    d = -g sin(a)
//   tanh    d = g (1 - out^2)           sigmoid d = g out (1 - out)
//   clamp   d = g where lo <= a <= hi, else 0
#include "autograd/ops.hpp"
#include "tensor/elementwise.hpp"

namespace ag {

Variable exp(const Variable& a) {
  Tensor out = exp(a.data());
  return record("exp", out, {a}, [out](const Tensor& g) { return TensorList{mul(g, out)}; });
}

Variable log(const Variable& a) {
  return record("log", log(a.data()), {a}, [ad = a.data()](const Tensor& g) { return TensorList{div(g, ad)}; });
}

Variable sqrt(const Variable& a) {
  Tensor out = sqrt(a.data());
  return record("sqrt", out, {a}, [out](const Tensor& g) { return TensorList{div(g, mul(out, 2.0))}; });
}

Variable rsqrt(const Variable& a) {
  Tensor out = rsqrt(a.data());
  return record("rsqrt", out, {a}, [out](const Tensor& g) { return TensorList{mul(g, mul(pow(out, 3.0), -0.5))}; });
}

Variable abs(const Variable& a) {
  return record("abs", abs(a.data()), {a}, [ad = a.data()](const Tensor& g) { return TensorList{mul(g, sign(ad))}; });
}

Variable sign(const Variable& a) {
  return record("sign", sign(a.data()), {a}, [](const Tensor& g) { return TensorList{zeros_like(g)}; });
}

Variable sin(const Variable& a) {
  return record("sin", sin(a.data()), {a}, [ad = a.data()](const Tensor& g) { return TensorList{mul(g, cos(ad))}; });
}

Variable cos(const Variable& a) {
  return record("cos", cos(a.data()), {a}, [ad = a.data()](const Tensor& g) { return TensorList{neg(mul(g, sin(ad)))}; });
}

Variable tanh(const Variable& a) {
  Tensor out = tanh(a.data());
  return record("tanh", out, {a}, [out](const Tensor& g) { return TensorList{mul(g, sub(ones_like(out), mul(out, out)))}; });
}

Variable sigmoid(const Variable& a) {
  Tensor out = sigmoid(a.data());
  return record("sigmoid", out, {a}, [out](const Tensor& g) { return TensorList{mul(g, mul(out, sub(ones_like(out), out)))}; });
}

Variable clamp(const Variable& a, double lo, double hi) {
  return record("clamp", clamp(a.data(), lo, hi), {a}, [ad = a.data(), lo, hi](const Tensor& g) {
    Tensor pass = mul(ge(ad, lo), le(ad, hi));  // 0/1 mask, boundaries included as in torch
    return TensorList{mul(g, pass)};
  });
}

}  // namespace ag
