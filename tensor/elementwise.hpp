// elementwise.hpp: element-by-element math with NumPy broadcasting.
//
// Binary ops broadcast their operands (shapes are aligned from the right; a size-1 or missing
// dimension stretches), promote dtypes (int64 < float32 < float64), and return a new contiguous
// tensor. Scalar overloads treat the scalar as a 0-d tensor of the tensor's dtype (of float32 for an
// int64 tensor and a non-integral scalar).
//
// Comparisons return a 0/1 mask in the promoted dtype of their operands (audiograd has no bool
// dtype), so `mul(mask, x)` works directly; `where(cond, a, b)` takes any nonzero as true.
//
// Every kernel runs in parallel with OpenMP above a size threshold; tensor/kernels.hpp keeps the
// plain single-threaded reference loops that tests compare against.
#pragma once

#include "tensor/tensor.hpp"

namespace ag {

// --- binary, with broadcasting ----------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);  // int64 / int64 divides as float32, like torch
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
// cond ? a : b, all three broadcast together; cond is nonzero-is-true.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// The scalar forms (the tensor keeps its dtype; int64 with a fractional scalar becomes float32).
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor pow(const Tensor& a, double exponent);
Tensor maximum(const Tensor& a, double b);
Tensor minimum(const Tensor& a, double b);
Tensor eq(const Tensor& a, double b);
Tensor ne(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);
// The scalar as a 0-d tensor of the dtype `a` would compute it in (see above).
Tensor scalar_like(const Tensor& a, double value);

// --- unary --------------------------------------------------------------------------------------
Tensor neg(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);  // -1, 0 or +1
// Floating results; an int64 input is computed in float32.
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);  // 1 / sqrt(a)
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);  // 1 / (1 + exp(-a)), computed without overflow
// min(max(a, lo), hi); pass -inf / +inf to clamp one side only.
Tensor clamp(const Tensor& a, double lo, double hi);

// Any NaN or infinity among the elements (used by training loops to stop on a NaN loss).
bool has_non_finite(const Tensor& a);

// --- operators --------------------------------------------------------------------------------
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, double b) { return div(a, b); }
inline Tensor operator+(double a, const Tensor& b) { return add(b, a); }
inline Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
inline Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
inline Tensor operator/(double a, const Tensor& b) { return div(scalar_like(b, a), b); }

// True when shapes match and every pair of elements satisfies |a - b| <= atol + rtol * |b|
// (like torch.allclose); NaNs are close to each other only with equal_nan.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);

}  // namespace ag
