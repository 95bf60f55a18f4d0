// dtype.hpp: the three element types and the one helper that turns a runtime dtype into a C++ type.
//
//   float32  training (what BLAS and the model kernels are tuned for)
//   float64  gradient checks and reference values
//   int64    labels and indices
//
// Kernels are templates on the element type T; `dispatch(dtype, f)` calls `f(T{})` with the
// matching T, so one template serves all three dtypes:
//
//   dispatch(t.dtype(), [&](auto tag) { using T = decltype(tag); ... t.data_ptr<T>() ... });
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "tensor/error.hpp"

namespace ag {

enum class DType : uint8_t { Int64 = 0, Float32 = 1, Float64 = 2 };

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

inline size_t dtype_size(DType d) { return d == DType::Float32 ? 4 : 8; }
inline bool is_floating(DType d) { return d != DType::Int64; }

// The dtype of a C++ element type, at compile time: dtype_of<float>() == DType::Float32.
template <class T>
constexpr DType dtype_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int64_t>,
                "audiograd tensors hold float, double or int64_t");
  if constexpr (std::is_same_v<T, float>) return DType::Float32;
  else if constexpr (std::is_same_v<T, double>) return DType::Float64;
  else return DType::Int64;
}

// Type promotion for binary ops, as in PyTorch for these three types:
// int64 < float32 < float64, and the result takes the larger.
inline DType promote(DType a, DType b) { return static_cast<uint8_t>(a) > static_cast<uint8_t>(b) ? a : b; }

// The dtype a floating-point function (exp, log, mean, ...) returns: int64 becomes float32.
inline DType to_floating(DType d) { return d == DType::Int64 ? DType::Float32 : d; }

template <class F>
decltype(auto) dispatch(DType d, F&& f) {
  switch (d) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Int64: return f(int64_t{});
  }
  throw TypeError("dispatch: unknown dtype");
}

// Like dispatch, for kernels that only make sense on floating types (exp, log, matmul, ...).
template <class F>
decltype(auto) dispatch_floating(DType d, const char* op, F&& f) {
  switch (d) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    default: break;
  }
  fail<TypeError>(op, ": expected a float32 or float64 tensor, got ", dtype_name(d));
}

}  // namespace ag
