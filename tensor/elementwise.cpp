// elementwise.cpp: element-wise math with broadcasting. Each op is one line: a functor handed to
// kernels::map, which does the broadcasting, the striding and the threading.
#include "tensor/elementwise.hpp"

#include <cmath>
#include <limits>

#include "tensor/kernels.hpp"

namespace ag {

namespace {

// Broadcasts a and b, converts both to the compute dtype, and runs f(x, y) per element.
template <class F>
Tensor binary(const char* op, const Tensor& a, const Tensor& b, DType compute, F f) {
  check_defined(a, op);
  check_defined(b, op);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out = Tensor::uninitialized(shape, compute);
  dispatch(compute, [&](auto tag) {
    using T = decltype(tag);
    kernels::map<T, 2>(out, {a.to(compute), b.to(compute)}, [&](T x, T y) { return f(x, y); });
  });
  return out;
}

template <class F>
Tensor unary(const char* op, const Tensor& a, DType compute, F f) {
  check_defined(a, op);
  Tensor out = Tensor::uninitialized(a.shape(), compute);
  dispatch(compute, [&](auto tag) {
    using T = decltype(tag);
    kernels::map<T, 1>(out, {a.to(compute)}, [&](T x) { return f(x); });
  });
  return out;
}

// The dtype a tensor and a Python-like scalar compute in: the tensor's, except that an int64 tensor
// with a fractional scalar becomes float32 (as torch: torch.tensor([1]) * 0.5 is float).
DType scalar_dtype(const Tensor& a, double s) {
  if (a.dtype() == DType::Int64 && s != std::floor(s)) return DType::Float32;
  return a.dtype();
}

}  // namespace

Tensor scalar_like(const Tensor& a, double value) {
  check_defined(a, "scalar");
  return scalar_tensor(value, scalar_dtype(a, value));
}

// --- binary ---------------------------------------------------------------------------------------
#define AG_BINARY(name, expr)                                                          \
  Tensor name(const Tensor& a, const Tensor& b) {                                      \
    return binary(#name, a, b, promote(a.dtype(), b.dtype()), [](auto x, auto y) { return expr; }); \
  }                                                                                    \
  Tensor name(const Tensor& a, double b) { return name(a, scalar_like(a, b)); }

AG_BINARY(add, x + y)
AG_BINARY(sub, x - y)
AG_BINARY(mul, x * y)
AG_BINARY(maximum, (x != x || x > y) ? x : y)  // NaN propagates, as in torch.maximum
AG_BINARY(minimum, (x != x || x < y) ? x : y)
AG_BINARY(eq, static_cast<decltype(x)>(x == y))
AG_BINARY(ne, static_cast<decltype(x)>(x != y))
AG_BINARY(lt, static_cast<decltype(x)>(x < y))
AG_BINARY(le, static_cast<decltype(x)>(x <= y))
AG_BINARY(gt, static_cast<decltype(x)>(x > y))
AG_BINARY(ge, static_cast<decltype(x)>(x >= y))
#undef AG_BINARY

Tensor div(const Tensor& a, const Tensor& b) {
  // True division: int64 / int64 is computed in float32 (torch's default float dtype).
  DType compute = to_floating(promote(a.dtype(), b.dtype()));
  return binary("div", a, b, compute, [](auto x, auto y) { return x / y; });
}
Tensor div(const Tensor& a, double b) { return div(a, scalar_tensor(b, to_floating(a.dtype()))); }

Tensor pow(const Tensor& a, const Tensor& b) {
  return binary("pow", a, b, promote(a.dtype(), b.dtype()), [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>) {
      if (y < 0) return T(x == 1 ? 1 : 0);
      T r = 1;
      for (T i = 0; i < y; ++i) r *= x;
      return r;
    } else {
      return std::pow(x, y);
    }
  });
}

Tensor pow(const Tensor& a, double exponent) {
  check_defined(a, "pow");
  DType dt = scalar_dtype(a, exponent);
  if (dt == DType::Int64) return pow(a, scalar_tensor(exponent, DType::Int64));
  // Common exponents get exact, fast forms (x*x is both faster and more accurate than pow(x, 2)).
  return unary("pow", a, dt, [exponent](auto x) {
    using T = decltype(x);
    if (exponent == 2) return x * x;
    if (exponent == 1) return x;
    if (exponent == 0.5) return static_cast<T>(std::sqrt(x));
    if (exponent == -1) return static_cast<T>(T(1) / x);
    return static_cast<T>(std::pow(x, static_cast<T>(exponent)));  // (int64 never reaches here)
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_defined(cond, "where");
  check_defined(a, "where");
  check_defined(b, "where");
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  DType dt = promote(a.dtype(), b.dtype());
  Tensor out = Tensor::uninitialized(shape, dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    kernels::map<T, 3>(out, {cond.to(dt), a.to(dt), b.to(dt)}, [](T c, T x, T y) { return c != T(0) ? x : y; });
  });
  return out;
}

// --- unary ----------------------------------------------------------------------------------------
Tensor neg(const Tensor& a) { return unary("neg", a, a.dtype(), [](auto x) { return -x; }); }
Tensor abs(const Tensor& a) {
  return unary("abs", a, a.dtype(), [](auto x) { return x < 0 ? -x : x; });
}
Tensor sign(const Tensor& a) {
  return unary("sign", a, a.dtype(), [](auto x) {
    using T = decltype(x);
    return static_cast<T>((x > T(0)) - (x < T(0)));
  });
}

#define AG_FLOAT_UNARY(name, expr) \
  Tensor name(const Tensor& a) { return unary(#name, a, to_floating(a.dtype()), [](auto x) { return expr; }); }

AG_FLOAT_UNARY(exp, std::exp(x))
AG_FLOAT_UNARY(log, std::log(x))
AG_FLOAT_UNARY(sqrt, std::sqrt(x))
AG_FLOAT_UNARY(rsqrt, decltype(x)(1) / std::sqrt(x))
AG_FLOAT_UNARY(sin, std::sin(x))
AG_FLOAT_UNARY(cos, std::cos(x))
AG_FLOAT_UNARY(tanh, std::tanh(x))
// Two forms so exp never overflows: for x >= 0, 1/(1+e^-x); for x < 0, e^x/(1+e^x).
AG_FLOAT_UNARY(sigmoid, x >= 0 ? decltype(x)(1) / (decltype(x)(1) + std::exp(-x)) : std::exp(x) / (decltype(x)(1) + std::exp(x)))
#undef AG_FLOAT_UNARY

Tensor clamp(const Tensor& a, double lo, double hi) {
  if (lo > hi) fail<ValueError>("clamp: lower bound ", lo, " is above upper bound ", hi);
  return unary("clamp", a, a.dtype(), [lo, hi](auto x) {
    using T = decltype(x);
    if (x != x) return x;  // NaN stays NaN
    double v = static_cast<double>(x);
    return v < lo ? static_cast<T>(lo) : (v > hi ? static_cast<T>(hi) : x);
  });
}

bool has_non_finite(const Tensor& a) {
  check_defined(a, "has_non_finite");
  if (a.dtype() == DType::Int64) return false;
  Tensor c = a.contiguous();
  return dispatch_floating(c.dtype(), "has_non_finite", [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.data_ptr<T>();
    int64_t bad = 0;
#pragma omp parallel for reduction(+ : bad) if (c.numel() > kParallelGrain)  // why: a read-only scan
    for (int64_t i = 0; i < c.numel(); ++i) bad += !std::isfinite(p[i]);
    return bad > 0;
  });
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  check_defined(a, "allclose");
  check_defined(b, "allclose");
  if (a.shape() != b.shape()) return false;
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == y[i]) continue;  // also equal infinities
    if (equal_nan && std::isnan(x[i]) && std::isnan(y[i])) continue;
    if (!(std::abs(x[i] - y[i]) <= atol + rtol * std::abs(y[i]))) return false;
  }
  return true;
}

}  // namespace ag
