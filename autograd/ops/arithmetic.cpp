// arithmetic.cpp: add, sub, mul, div, pow, neg, with broadcasting.
//
// Shapes: a and b broadcast to out's shape. A broadcast operand's gradient is summed back down to
// its own shape (sum_to), because each of its elements contributed to many outputs.
//
//   out = a + b    da = g                   db = g
//   out = a - b    da = g                   db = -g
//   out = a * b    da = g * b               db = g * a
//   out = a / b    da = g / b               db = -g * a / b^2 = -g * out / b
//   out = a ^ b    da = g * b * a^(b-1)     db = g * out * log(a)
//   out = -a       da = -g
#include "autograd/ops.hpp"
#include "tensor/elementwise.hpp"
#include "tensor/reduce.hpp"

namespace ag {

Variable add(const Variable& a, const Variable& b) {
  return record("add", add(a.data(), b.data()), {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return TensorList{sum_to(g, sa), sum_to(g, sb)};
  });
}

Variable sub(const Variable& a, const Variable& b) {
  return record("sub", sub(a.data(), b.data()), {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return TensorList{sum_to(g, sa), sum_to(neg(g), sb)};
  });
}

Variable mul(const Variable& a, const Variable& b) {
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  // Save only what the wanted gradients need: da needs b, db needs a.
  Tensor keep_a = need_b ? a.data() : Tensor(), keep_b = need_a ? b.data() : Tensor();
  return record("mul", mul(a.data(), b.data()), {a, b},
                [keep_a, keep_b, sa = a.shape(), sb = b.shape()](const Tensor& g) {
                  return TensorList{keep_b.defined() ? sum_to(mul(g, keep_b), sa) : Tensor(),
                                    keep_a.defined() ? sum_to(mul(g, keep_a), sb) : Tensor()};
                });
}

Variable div(const Variable& a, const Variable& b) {
  Tensor out = div(a.data(), b.data());
  return record("div", out, {a, b}, [out, bd = b.data(), sa = a.shape(), sb = b.shape()](const Tensor& g) {
    Tensor ga = div(g, bd);
    return TensorList{sum_to(ga, sa), sum_to(neg(mul(ga, out)), sb)};
  });
}

Variable pow(const Variable& a, const Variable& b) {
  Tensor out = pow(a.data(), b.data());
  return record("pow", out, {a, b}, [out, ad = a.data(), bd = b.data()](const Tensor& g) {
    Tensor ga = mul(mul(g, bd), pow(ad, sub(bd, 1.0)));
    Tensor gb = mul(mul(g, out), log(ad));
    return TensorList{sum_to(ga, ad.shape()), sum_to(gb, bd.shape())};
  });
}

Variable pow(const Variable& a, double p) {
  return record("pow", pow(a.data(), p), {a}, [ad = a.data(), p](const Tensor& g) {
    if (p == 0) return TensorList{zeros_like(g)};
    return TensorList{mul(g, mul(pow(ad, p - 1), p))};
  });
}

Variable neg(const Variable& a) {
  return record("neg", neg(a.data()), {a}, [](const Tensor& g) { return TensorList{neg(g)}; });
}

// Scalar forms: the scalar is a constant, so only `a` gets a gradient.
Variable add(const Variable& a, double b) {
  return record("add", add(a.data(), b), {a}, [](const Tensor& g) { return TensorList{g}; });
}
Variable sub(const Variable& a, double b) {
  return record("sub", sub(a.data(), b), {a}, [](const Tensor& g) { return TensorList{g}; });
}
Variable mul(const Variable& a, double b) {
  return record("mul", mul(a.data(), b), {a}, [b](const Tensor& g) { return TensorList{mul(g, b)}; });
}
Variable div(const Variable& a, double b) {
  return record("div", div(a.data(), b), {a}, [b](const Tensor& g) { return TensorList{div(g, b)}; });
}

}  // namespace ag
