// tensor.hpp: `Tensor`, an n-dimensional strided view of a shared block of memory.
//
// ┌────────────────────────────────────────────────────────────────────────────────────────────┐
// │ COPYING A TENSOR COPIES THE HANDLE, NOT THE DATA.  `Tensor b = a;` makes b another view of  │
// │ a's memory: writing through b changes a. Use `a.clone()` for an independent copy.          │
// └────────────────────────────────────────────────────────────────────────────────────────────┘
//
// A Tensor is four things (see docs/02_tensors.md):
//   storage  a reference-counted buffer of bytes, shared by every view of it
//   dtype    float32, float64 or int64
//   shape    sizes per dimension, row-major (last dimension fastest, like NumPy and PyTorch)
//   strides  in elements, how far to step in storage for +1 along each dimension; plus an offset
//
// Element (i0, i1, ...) lives at storage[offset + i0*stride0 + i1*stride1 + ...]. Views (transpose,
// permute, narrow, select, expand, unsqueeze, ...) only compute a new shape/strides/offset over the
// same storage, so they cost O(dims) and never copy. `contiguous()` copies only when the strides are
// not the row-major ones.
//
// This file holds the class, creation and views. The math lives beside it:
//   tensor/elementwise.hpp  add, mul, exp, where, comparisons, ... with broadcasting
//   tensor/reduce.hpp       sum, mean, var, max/min with indices, argmax, logsumexp
//   tensor/linalg.hpp       matmul through cblas_sgemm / cblas_dgemm
//   tensor/index.hpp        concat, stack, gather, scatter_add, index_select
//   tensor/random.hpp       the seeded Generator, rand / randn / randint
//   tensor/io.hpp           printing and .npy load / save
//   tensor/parallel.hpp     set_num_threads (OpenMP and OpenBLAS together)
// Include the ones you use, or tensor/all.hpp for all of them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "tensor/dtype.hpp"
#include "tensor/error.hpp"

namespace ag {

using Shape = std::vector<int64_t>;

// A raw, 64-byte aligned, zero-initialised block of memory. Owned by shared_ptr from every view.
class Storage {
 public:
  // zero = false leaves the bytes uninitialised: for outputs a kernel overwrites completely
  // (saves a memset over memory that is about to be written anyway).
  explicit Storage(size_t nbytes, bool zero = true);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
};

// Freed blocks of 64 KiB and more are kept (up to 2 GiB) for reuse by allocations of the same
// size, sparing the page faults of fresh memory in training loops. These report and release them.
size_t cached_bytes();
void empty_cache();

// Number of elements of a shape (1 for a 0-d shape). Throws ValueError on a negative size.
int64_t shape_numel(const Shape& shape);
// Row-major strides of a shape: (2, 3, 4) -> (12, 4, 1).
Shape contiguous_strides(const Shape& shape);
// Wraps a possibly negative dimension index into [0, ndim); `op` names the caller in the error.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
// NumPy broadcasting of two shapes, or ShapeError naming `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

class Tensor {
 public:
  // An undefined tensor (no storage). Most functions throw on it; `defined()` tells.
  Tensor() = default;
  // A fresh, zero-filled, contiguous tensor.
  Tensor(const Shape& shape, DType dtype);
  // A fresh contiguous tensor whose contents are UNDEFINED: only for kernels that write every
  // element before anyone reads it (element-wise outputs, copies, reductions, BLAS with beta = 0).
  static Tensor uninitialized(const Shape& shape, DType dtype);
  // A view of `storage` (used by the view functions; rarely needed by users).
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;    // negative d counts from the end
  int64_t stride(int64_t d) const;
  int64_t numel() const { return shape_numel(shape_); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  // True when both are views of the same storage (whatever their shapes).
  bool shares_storage(const Tensor& other) const { return storage_ && storage_ == other.storage_; }

  // Pointer to element (0, 0, ...). T must match the dtype (TypeError otherwise). With strides,
  // element (i, j) of a 2-d tensor is data_ptr<T>()[i * stride(0) + j * stride(1)].
  template <class T>
  T* data_ptr() const;
  // The value of a one-element tensor, converted to T.
  template <class T>
  T item() const;
  // One element by index, converted to double (for tests and printing; slow).
  double at(const std::vector<int64_t>& index) const;
  // All elements in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector() const;

  // --- copies -------------------------------------------------------------------------------
  Tensor contiguous() const;  // *this if already contiguous, else a row-major copy
  Tensor clone() const;       // always a new, contiguous copy
  Tensor to(DType dtype) const;  // converted copy (or *this if the dtype already matches)

  // --- views (no copy; they share storage with *this) ----------------------------------------
  Tensor view(const Shape& shape) const;     // needs compatible strides; one size may be -1
  Tensor reshape(const Shape& shape) const;  // view when possible, else a copy
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;  // transpose of a 2-d tensor
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  // Python's t[start:end:step] along dim; negative start/end count from the end, ends are clamped.
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;  // removes dim
  Tensor expand(const Shape& shape) const;          // size-1 dims broadcast with stride 0; -1 keeps
  Tensor squeeze() const;                           // removes every size-1 dim
  Tensor squeeze(int64_t dim) const;                // removes dim if its size is 1
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;

  // --- in place (these write into the existing storage) --------------------------------------
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  Tensor& copy_(const Tensor& src);  // src broadcast to this shape, converted to this dtype
  Tensor& add_(const Tensor& other, double alpha = 1.0);  // this += alpha * other (broadcast)
  Tensor& mul_(double value);

  std::string to_string() const;  // PyTorch-like printing, see tensor/io.hpp

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::Float32;
};

// Throws ValueError("<op>: tensor is undefined") for a default-constructed tensor.
void check_defined(const Tensor& t, const char* op);

// --- creation ---------------------------------------------------------------------------------
Tensor empty(const Shape& shape, DType dtype = DType::Float32);  // zero-filled, like zeros
Tensor zeros(const Shape& shape, DType dtype = DType::Float32);
Tensor ones(const Shape& shape, DType dtype = DType::Float32);
Tensor full(const Shape& shape, double value, DType dtype = DType::Float32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor scalar_tensor(double value, DType dtype = DType::Float32);  // 0-d
// start, start+step, ... < end (like torch.arange).
Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::Float32);
inline Tensor arange(double end, DType dtype = DType::Float32) { return arange(0, end, 1, dtype); }
Tensor linspace(double start, double end, int64_t steps, DType dtype = DType::Float32);
Tensor eye(int64_t n, DType dtype = DType::Float32);
// Copies `values` into a new tensor of `shape` (default, and for an empty shape: 1-d; use
// scalar_tensor for 0-d). The dtype follows T.
template <class T>
Tensor from_vector(const std::vector<T>& values, Shape shape = {});
// Convenience for literals: tensor({1, 2, 3, 4}, {2, 2}) is float32; pass dtype for others.
Tensor tensor(std::initializer_list<double> values, Shape shape = {}, DType dtype = DType::Float32);

}  // namespace ag
