// activations.cpp: the element-wise activation zoo, as one table of derivative rules.
//
// Every activation here is y = f(x) element by element, so its backward is dL/dx = g f'(x). Each
// row below is a pair of small functions of x: f and f' (derivations beside them). `elementwise`
// runs the pair over the data: the forward saves x, the backward evaluates f'(x) times the incoming
// gradient. Fused rather than composed from exp/log/mul ops for speed and memory (one pass, one
// saved tensor) and for numerics (softplus and sigmoid evaluated without overflow).
//
// The functions are generic lambdas evaluated in the tensor's own type T (float or double), so
// float32 uses the float versions of exp/erf/tanh.
//
//   name        f(x)                                   f'(x)
//   relu        max(x, 0)                              [x > 0]
//   leaky_relu  x if x > 0 else a x                    1 if x > 0 else a
//   elu         x if x > 0 else alpha (e^x - 1)        1 if x > 0 else alpha e^x
//   gelu        x Phi(x)                               Phi(x) + x phi(x)
//   gelu tanh   x/2 (1 + tanh u), u = k (x + c x^3)    (1 + tanh u)/2 + x/2 (1 - tanh^2 u) k (1 + 3 c x^2)
//   swish(b)    x s, s = sigmoid(b x)                  s + b x s (1 - s)
//   mish        x tanh(sp), sp = softplus(x)           tanh(sp) + x (1 - tanh^2 sp) sigmoid(x)
//   smish       x tanh(l), l = log(1 + sigmoid(x))     tanh(l) + x (1 - tanh^2 l) s (1 - s) / (1 + s)
//   softplus    log(1 + e^(b x)) / b                   sigmoid(b x)   (x and 1 where b x > threshold)
//   hardswish   x relu6(x + 3) / 6                     0 if x < -3, x/3 + 1/2 if x <= 3, else 1
//
// swiglu and the by-name lookup `activation` are composites at the end of the file.
#include <cmath>
#include <functional>
#include <map>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "tensor/parallel.hpp"

namespace ag {
namespace {

// Runs f over x and records g f'(x) as the backward. `name` labels the graph node and errors.
template <class F, class DF>
Variable elementwise(const char* name, const Variable& input, F f, DF df) {
  check_defined(input.data(), name);
  const Tensor x = input.data().contiguous();
  Tensor y = Tensor::uninitialized(x.shape(), x.dtype());  // every element written below
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* py = y.data_ptr<T>();
    const int64_t n = x.numel();
    // A copy of f per thread (firstprivate): its captured parameters (leaky_relu's slope) are then
    // locals, read once rather than once per element, and the loop vectorises without branches.
    const F fn = f;
    // Why parallel: independent elements; the transcendental functions make this compute-bound.
#pragma omp parallel for schedule(static) firstprivate(fn) if (n >= kParallelGrain / 4)
    for (int64_t i = 0; i < n; ++i) py[i] = fn(px[i]);
  });
  return record(name, y, {input}, [x, df, name](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    Tensor dx = Tensor::uninitialized(x.shape(), x.dtype());
    dispatch_floating(x.dtype(), name, [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data_ptr<T>();
      const T* pg = g.data_ptr<T>();
      T* pdx = dx.data_ptr<T>();
      const int64_t n = x.numel();
      const DF dfn = df;  // as in the forward: read the parameters once
      // Why parallel: as in the forward.
#pragma omp parallel for schedule(static) firstprivate(dfn) if (n >= kParallelGrain / 4)
      for (int64_t i = 0; i < n; ++i) pdx[i] = pg[i] * dfn(px[i]);
    });
    return TensorList{dx};
  });
}

// sigmoid without overflow: e^-x is only evaluated for x >= 0 (where it is <= 1), else e^x.
template <class T>
T stable_sigmoid(T x) {
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}
// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x, no lost digits for small.
template <class T>
T stable_softplus(T x) {
  return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

// The tanh form of GELU: u = k (x + c x^3), k = sqrt(2 / pi), c = Hendrycks & Gimpel's fitted 0.044715.
constexpr double kGeluK = 0.7978845608028654, kGeluC = 0.044715;

}  // namespace

Variable relu(const Variable& x) {
  return elementwise("relu", x, [](auto v) { return v > 0 ? v : decltype(v)(0); },
                     [](auto v) { return decltype(v)(v > 0 ? 1 : 0); });
}

Variable leaky_relu(const Variable& x, double negative_slope) {
  return elementwise("leaky_relu", x, [a = negative_slope](auto v) { return v > 0 ? v : decltype(v)(a) * v; },
                     [a = negative_slope](auto v) { return decltype(v)(v > 0 ? 1.0 : a); });
}

Variable elu(const Variable& x, double alpha) {
  return elementwise("elu", x, [a = alpha](auto v) { return v > 0 ? v : decltype(v)(a) * std::expm1(v); },
                     [a = alpha](auto v) { return v > 0 ? decltype(v)(1) : decltype(v)(a) * std::exp(v); });
}

Variable gelu(const Variable& x, const std::string& approximate) {
  if (approximate == "none") {
    // Phi(x) = (1 + erf(x / sqrt 2)) / 2, phi(x) = e^(-x^2/2) / sqrt(2 pi)
    return elementwise("gelu", x,
                       [](auto v) {
                         using T = decltype(v);
                         return v * T(0.5) * (T(1) + std::erf(v * T(M_SQRT1_2)));
                       },
                       [](auto v) {
                         using T = decltype(v);
                         const T Phi = T(0.5) * (T(1) + std::erf(v * T(M_SQRT1_2)));
                         const T phi = std::exp(T(-0.5) * v * v) * T(0.5 * M_2_SQRTPI * M_SQRT1_2);
                         return Phi + v * phi;
                       });
  }
  if (approximate == "tanh") {
    return elementwise("gelu", x,
                       [](auto v) {
                         using T = decltype(v);
                         return T(0.5) * v * (T(1) + std::tanh(T(kGeluK) * (v + T(kGeluC) * v * v * v)));
                       },
                       [](auto v) {
                         using T = decltype(v);
                         const T t = std::tanh(T(kGeluK) * (v + T(kGeluC) * v * v * v));
                         return T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * T(kGeluK) * (T(1) + T(3 * kGeluC) * v * v);
                       });
  }
  fail<ValueError>("gelu: approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
}

Variable swish(const Variable& x, double beta) {
  return elementwise("swish", x,
                     [b = beta](auto v) {
                       using T = decltype(v);
                       return v * stable_sigmoid(T(b) * v);
                     },
                     [b = beta](auto v) {
                       using T = decltype(v);
                       const T s = stable_sigmoid(T(b) * v);
                       return s + T(b) * v * s * (T(1) - s);
                     });
}

Variable silu(const Variable& x) {
  return elementwise("silu", x, [](auto v) { return v * stable_sigmoid(v); },
                     [](auto v) {
                       using T = decltype(v);
                       const T s = stable_sigmoid(v);
                       return s * (T(1) + v * (T(1) - s));
                     });
}

Variable mish(const Variable& x) {
  return elementwise("mish", x, [](auto v) { return v * std::tanh(stable_softplus(v)); },
                     [](auto v) {
                       using T = decltype(v);
                       const T t = std::tanh(stable_softplus(v));
                       return t + v * (T(1) - t * t) * stable_sigmoid(v);
                     });
}

Variable smish(const Variable& x) {
  // d/dx log(1 + s) = s (1 - s) / (1 + s), with s = sigmoid(x).
  return elementwise("smish", x, [](auto v) { return v * std::tanh(std::log1p(stable_sigmoid(v))); },
                     [](auto v) {
                       using T = decltype(v);
                       const T s = stable_sigmoid(v);
                       const T t = std::tanh(std::log1p(s));
                       return t + v * (T(1) - t * t) * s * (T(1) - s) / (T(1) + s);
                     });
}

Variable softplus(const Variable& x, double beta, double threshold) {
  if (!(beta > 0)) fail<ValueError>("softplus: beta must be > 0, got ", beta);
  return elementwise("softplus", x,
                     [b = beta, th = threshold](auto v) {
                       using T = decltype(v);
                       return T(b) * v > T(th) ? v : stable_softplus(T(b) * v) / T(b);
                     },
                     [b = beta, th = threshold](auto v) {
                       using T = decltype(v);
                       return T(b) * v > T(th) ? T(1) : stable_sigmoid(T(b) * v);
                     });
}

Variable hardswish(const Variable& x) {
  return elementwise("hardswish", x,
                     [](auto v) {
                       using T = decltype(v);
                       return v * std::min(std::max(v + T(3), T(0)), T(6)) / T(6);
                     },
                     [](auto v) {
                       using T = decltype(v);
                       return v < T(-3) ? T(0) : (v <= T(3) ? v / T(3) + T(0.5) : T(1));
                     });
}

// Composite (narrow, silu, mul record their own backward).
Variable swiglu(const Variable& x, int64_t dim) {
  check_defined(x.data(), "swiglu");
  const int64_t d = wrap_dim(dim, x.dim(), "swiglu");
  const int64_t n = x.size(d);
  if (n % 2 != 0)
    fail<ShapeError>("swiglu: input ", shape_str(x.shape()), " has odd size ", n, " along dim ", dim,
                     "; it is split into two equal halves (value, gate)");
  return mul(narrow(x, d, 0, n / 2), silu(narrow(x, d, n / 2, n / 2)));
}

namespace {
using ActivationFn = std::function<Variable(const Variable&)>;
const std::map<std::string, ActivationFn>& activation_table() {
  static const std::map<std::string, ActivationFn> table = {
      {"relu", [](const Variable& x) { return relu(x); }},
      {"lrelu", [](const Variable& x) { return leaky_relu(x, 0.01); }},
      {"leaky_relu", [](const Variable& x) { return leaky_relu(x, 0.01); }},
      {"elu", [](const Variable& x) { return elu(x); }},
      {"gelu", [](const Variable& x) { return gelu(x, "none"); }},
      {"gelu_tanh", [](const Variable& x) { return gelu(x, "tanh"); }},
      {"silu", [](const Variable& x) { return silu(x); }},
      {"swish", [](const Variable& x) { return silu(x); }},
      {"mish", [](const Variable& x) { return mish(x); }},
      {"smish", [](const Variable& x) { return smish(x); }},
      {"softplus", [](const Variable& x) { return softplus(x); }},
      {"sigmoid", [](const Variable& x) { return sigmoid(x); }},
      {"tanh", [](const Variable& x) { return tanh(x); }},
      {"hardswish", [](const Variable& x) { return hardswish(x); }},
      {"swiglu", [](const Variable& x) { return swiglu(x, -1); }},
      {"identity", [](const Variable& x) { return x; }},
      {"linear", [](const Variable& x) { return x; }},
  };
  return table;
}
}  // namespace

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& kv : activation_table()) v.push_back(kv.first);
    return v;
  }();
  return names;
}

Variable activation(const std::string& name, const Variable& x) {
  const auto& table = activation_table();
  const auto it = table.find(name);
  if (it == table.end()) {
    std::string known;
    for (const auto& n : activation_names()) known += (known.empty() ? "" : ", ") + n;
    fail<ValueError>("activation: unknown name \"", name, "\"; known: ", known);
  }
  return it->second(x);
}

}  // namespace ag
