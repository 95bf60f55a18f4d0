// kernels.hpp (internal): the loop machinery behind element-wise ops and reductions.
//
// An element-wise op over tensors of one broadcast shape visits, for every output index i, the
// element at offset_k(i) = sum_d i_d * stride_k[d] of each operand k (a broadcast dimension has
// stride 0). Two implementations:
//
//   for_each_reference   one thread, one multi-index per element: obviously right, slow; tests
//                        compare every fast kernel against it (ReferenceKernelsGuard switches).
//   for_each_fast        first merges dimensions that are contiguous in every operand (a (B, C, T)
//                        tensor plus a (C, 1) bias becomes a 2-d or 3-d loop), then runs rows of
//                        the innermost dimension with OpenMP, computing each row's start offsets
//                        once. A fully contiguous case becomes one flat loop the compiler
//                        vectorises.
#pragma once

#include <omp.h>

#include <array>
#include <vector>

#include "tensor/parallel.hpp"
#include "tensor/tensor.hpp"

namespace ag::kernels {

// True while a ReferenceKernelsGuard is alive on this thread.
bool use_reference();

// Strides of `t` seen through a broadcast to `shape` (0 on broadcast dimensions).
Shape broadcast_strides(const Tensor& t, const Shape& shape);

// Merges adjacent dimensions that are contiguous in every operand; drops size-1 dimensions.
template <size_t N>
void coalesce(Shape& shape, std::array<Shape, N>& strides) {
  Shape s;
  std::array<Shape, N> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!s.empty()) {
      bool merge = true;
      for (size_t k = 0; k < N; ++k)
        if (st[k].back() != strides[k][d] * shape[d]) merge = false;
      if (merge) {
        s.back() *= shape[d];
        for (size_t k = 0; k < N; ++k) st[k].back() = strides[k][d];
        continue;
      }
    }
    s.push_back(shape[d]);
    for (size_t k = 0; k < N; ++k) st[k].push_back(strides[k][d]);
  }
  if (s.empty()) {  // a single element
    s.push_back(1);
    for (size_t k = 0; k < N; ++k) st[k].push_back(0);
  }
  shape = s;
  strides = st;
}

// Calls row(n, offsets, inner_strides) for runs of n elements along the innermost dimension, where
// offsets[k] is operand k's element offset at the run's start. Runs are independent, so they are
// shared among threads.
template <size_t N, class Row>
void for_each_fast(Shape shape, std::array<Shape, N> strides, Row row) {
  if (shape_numel(shape) == 0) return;
  coalesce(shape, strides);
  const int64_t nd = static_cast<int64_t>(shape.size());
  const int64_t inner = shape.back();
  const int64_t rows = shape_numel(shape) / inner;
  std::array<int64_t, N> inner_stride;
  for (size_t k = 0; k < N; ++k) inner_stride[k] = strides[k].back();
  // Few long rows (the contiguous case is one row) are cut into chunks so every thread gets work.
  const int64_t chunk = (rows >= 4 * omp_get_max_threads()) ? inner : std::max<int64_t>(4096, inner / (4 * omp_get_max_threads()));
  const int64_t chunks_per_row = (inner + chunk - 1) / chunk;
  const int64_t items = rows * chunks_per_row;
  // Why parallel: independent runs; `if` keeps small tensors on one thread (fork cost ~1 us).
#pragma omp parallel for schedule(static) if (rows * inner > kParallelGrain)
  for (int64_t item = 0; item < items; ++item) {
    int64_t r = item / chunks_per_row, c = item % chunks_per_row;
    std::array<int64_t, N> off{};
    int64_t rem = r;
    for (int64_t d = nd - 2; d >= 0; --d) {
      int64_t i = rem % shape[d];
      rem /= shape[d];
      for (size_t k = 0; k < N; ++k) off[k] += i * strides[k][d];
    }
    int64_t start = c * chunk, n = std::min(chunk, inner - start);
    for (size_t k = 0; k < N; ++k) off[k] += start * inner_stride[k];
    row(n, off, inner_stride);
  }
}

// The plain version: one element at a time, multi-index by division, single thread.
template <size_t N, class Elem>
void for_each_reference(const Shape& shape, const std::array<Shape, N>& strides, Elem elem) {
  const int64_t total = shape_numel(shape);
  for (int64_t i = 0; i < total; ++i) {
    std::array<int64_t, N> off{};
    int64_t rem = i;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      int64_t idx = rem % shape[d];
      rem /= shape[d];
      for (size_t k = 0; k < N; ++k) off[k] += idx * strides[k][d];
    }
    elem(off);
  }
}

// out[i] = f(in_0[i], ..., in_{N-1}[i]) for tensors already of element type T and broadcast to
// out's shape. out must be freshly allocated (contiguous).
template <class T, size_t NIn, class F>
void map(const Tensor& out, const std::array<Tensor, NIn>& in, F f) {
  const Shape& shape = out.shape();
  std::array<Shape, NIn + 1> strides;
  strides[0] = out.strides();
  std::array<const T*, NIn> src;
  for (size_t k = 0; k < NIn; ++k) {
    strides[k + 1] = broadcast_strides(in[k], shape);
    src[k] = in[k].template data_ptr<T>();
  }
  T* dst = out.template data_ptr<T>();
  if (use_reference()) {
    for_each_reference<NIn + 1>(shape, strides, [&](const std::array<int64_t, NIn + 1>& off) {
      if constexpr (NIn == 1) dst[off[0]] = f(src[0][off[1]]);
      else if constexpr (NIn == 2) dst[off[0]] = f(src[0][off[1]], src[1][off[2]]);
      else dst[off[0]] = f(src[0][off[1]], src[1][off[2]], src[2][off[3]]);
    });
    return;
  }
  for_each_fast<NIn + 1>(shape, strides, [&](int64_t n, const std::array<int64_t, NIn + 1>& off,
                                              const std::array<int64_t, NIn + 1>& st) {
    T* o = dst + off[0];
    std::array<const T*, NIn> p;
    for (size_t k = 0; k < NIn; ++k) p[k] = src[k] + off[k + 1];
    bool unit = st[0] == 1;
    for (size_t k = 0; k < NIn; ++k) unit = unit && st[k + 1] == 1;
    if (unit) {  // the common contiguous run: a plain loop the compiler vectorises
      if constexpr (NIn == 1) for (int64_t i = 0; i < n; ++i) o[i] = f(p[0][i]);
      else if constexpr (NIn == 2) for (int64_t i = 0; i < n; ++i) o[i] = f(p[0][i], p[1][i]);
      else for (int64_t i = 0; i < n; ++i) o[i] = f(p[0][i], p[1][i], p[2][i]);
    } else {
      if constexpr (NIn == 1) for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(p[0][i * st[1]]);
      else if constexpr (NIn == 2) for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(p[0][i * st[1]], p[1][i * st[2]]);
      else for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(p[0][i * st[1]], p[1][i * st[2]], p[2][i * st[3]]);
    }
  });
}

}  // namespace ag::kernels
