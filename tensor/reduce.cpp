// reduce.cpp: reductions. Every reduction is the same three steps:
//   1. move the reduced dimensions to the end (a permuted view) and make it contiguous, so the
//      input reads as a matrix (M, R): M kept positions, each reducing R consecutive elements;
//   2. reduce each row with an accumulator (Sum / Max / Min below), rows spread over threads, or,
//      when there are fewer rows than threads (a full reduction), each row split among threads
//      and the partial results combined;
//   3. give the result the kept shape (with size-1 dims where keepdim).
// Composite reductions (mean, var, logsumexp) are built from these.
#include "tensor/reduce.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/elementwise.hpp"
#include "tensor/kernels.hpp"

namespace ag {

namespace {

// Sorted, wrapped, unique dims; empty input means every dimension.
std::vector<bool> reduce_mask(const Shape& shape, const Dims& dims, const char* op) {
  int64_t nd = static_cast<int64_t>(shape.size());
  std::vector<bool> mask(shape.size(), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, nd, op);
    if (nd == 0) continue;
    if (mask[w]) fail<ValueError>(op, ": dimension ", w, " appears twice in ", shape_str(dims));
    mask[w] = true;
  }
  return mask;
}

// A reduced tensor as (M, R) rows: the contiguous permuted input, plus the output shape.
struct Rows {
  Tensor data;  // contiguous, kept dims first then reduced dims
  int64_t m = 1, r = 1;
  Shape out_shape;
};

Rows to_rows(const Tensor& a, const Dims& dims, bool keepdim, const char* op) {
  check_defined(a, op);
  std::vector<bool> mask = reduce_mask(a.shape(), dims, op);
  std::vector<int64_t> perm;
  Rows rows;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!mask[d]) {
      perm.push_back(d);
      rows.m *= a.size(d);
    }
  for (int64_t d = 0; d < a.dim(); ++d)
    if (mask[d]) {
      perm.push_back(d);
      rows.r *= a.size(d);
    }
  rows.data = a.permute(perm).contiguous();
  rows.out_shape = reduced_shape(a.shape(), dims, keepdim, op);
  return rows;
}

// Accumulators: what a row starts from, how an element enters, how two partials merge.
template <class T>
struct SumAcc {
  using Acc = std::conditional_t<std::is_integral_v<T>, int64_t, double>;  // float32 sums in double
  static Acc init() { return 0; }
  static Acc step(Acc acc, T v) { return acc + static_cast<Acc>(v); }
  static Acc combine(Acc a, Acc b) { return a + b; }
};
template <class T>
struct MaxAcc {
  using Acc = T;
  static Acc init() { return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest(); }
  static Acc step(Acc acc, T v) { return (v > acc || v != v) && acc == acc ? v : acc; }  // NaN wins
  static Acc combine(Acc a, Acc b) { return step(a, b); }
};
template <class T>
struct MinAcc {
  using Acc = T;
  static Acc init() { return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max(); }
  static Acc step(Acc acc, T v) { return (v < acc || v != v) && acc == acc ? v : acc; }
  static Acc combine(Acc a, Acc b) { return step(a, b); }
};

// Reduces (M, R) rows into out (M values of type Out).
template <class A, class T, class Out>
void reduce_rows(const T* x, int64_t m, int64_t r, Out* out) {
  using Acc = typename A::Acc;
  if (kernels::use_reference()) {  // the plain loop tests compare with
    for (int64_t i = 0; i < m; ++i) {
      Acc acc = A::init();
      for (int64_t j = 0; j < r; ++j) acc = A::step(acc, x[i * r + j]);
      out[i] = static_cast<Out>(acc);
    }
    return;
  }
  const int threads = omp_get_max_threads();
  if (m >= threads || m * r <= kParallelGrain) {
    // Why parallel over rows: rows are independent and there are enough of them.
#pragma omp parallel for schedule(static) if (m * r > kParallelGrain)
    for (int64_t i = 0; i < m; ++i) {
      Acc acc = A::init();
      const T* row = x + i * r;
      for (int64_t j = 0; j < r; ++j) acc = A::step(acc, row[j]);
      out[i] = static_cast<Out>(acc);
    }
    return;
  }
  // Few long rows: each thread reduces a slice of every row; partials are combined in a fixed
  // order (thread 0, 1, ...), so the result does not depend on scheduling.
  std::vector<Acc> partial(static_cast<size_t>(m) * threads, A::init());
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t lo = r * t / nt, hi = r * (t + 1) / nt;
    for (int64_t i = 0; i < m; ++i) {
      Acc acc = A::init();
      for (int64_t j = lo; j < hi; ++j) acc = A::step(acc, x[i * r + j]);
      partial[i * threads + t] = acc;
    }
  }
  for (int64_t i = 0; i < m; ++i) {
    Acc acc = partial[i * threads];
    for (int t = 1; t < threads; ++t) acc = A::combine(acc, partial[i * threads + t]);
    out[i] = static_cast<Out>(acc);
  }
}

template <template <class> class A>
Tensor reduce(const Tensor& a, const Dims& dims, bool keepdim, const char* op) {
  Rows rows = to_rows(a, dims, keepdim, op);
  if (rows.r == 0 && !std::is_same_v<A<float>, SumAcc<float>>)
    fail<ValueError>(op, ": cannot reduce over a dimension of size 0 in shape ", shape_str(a.shape()));
  Tensor out = Tensor::uninitialized(rows.out_shape, a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    reduce_rows<A<T>>(rows.data.data_ptr<T>(), rows.m, rows.r, out.data_ptr<T>());
  });
  return out;
}

}  // namespace

Shape reduced_shape(const Shape& shape, const Dims& dims, bool keepdim, const char* op) {
  std::vector<bool> mask = reduce_mask(shape, dims, op);
  Shape out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (!mask[d]) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

Tensor sum(const Tensor& a, const Dims& dims, bool keepdim) { return reduce<SumAcc>(a, dims, keepdim, "sum"); }
Tensor amax(const Tensor& a, const Dims& dims, bool keepdim) { return reduce<MaxAcc>(a, dims, keepdim, "amax"); }
Tensor amin(const Tensor& a, const Dims& dims, bool keepdim) { return reduce<MinAcc>(a, dims, keepdim, "amin"); }

Tensor mean(const Tensor& a, const Dims& dims, bool keepdim) {
  check_defined(a, "mean");
  int64_t n = a.numel() / std::max<int64_t>(1, shape_numel(reduced_shape(a.shape(), dims, false, "mean")));
  if (a.numel() == 0) n = 0;
  return div(sum(a.to(to_floating(a.dtype())), dims, keepdim), static_cast<double>(n));
}

Tensor var(const Tensor& a, const Dims& dims, bool unbiased, bool keepdim) {
  // Two passes (mean, then squared deviations): numerically safer than E[x^2] - E[x]^2.
  check_defined(a, "var");
  Tensor x = a.to(to_floating(a.dtype()));
  int64_t kept = shape_numel(reduced_shape(a.shape(), dims, false, "var"));
  int64_t n = kept == 0 ? 0 : a.numel() / kept;
  Tensor d = sub(x, mean(x, dims, true));
  double denom = static_cast<double>(n - (unbiased ? 1 : 0));
  return div(sum(mul(d, d), dims, keepdim), denom);  // n = 1 unbiased gives nan (0/0), as torch
}

Tensor logsumexp(const Tensor& a, const Dims& dims, bool keepdim) {
  check_defined(a, "logsumexp");
  Tensor x = a.to(to_floating(a.dtype()));
  Tensor m = amax(x, dims, true);
  // Rows that are all -inf (or +inf) would give inf - inf = nan: shift those by 0 instead.
  Tensor finite_m = where(eq(abs(m), std::numeric_limits<double>::infinity()), zeros_like(m), m);
  Tensor s = log(sum(exp(sub(x, finite_m)), dims, true));
  Tensor out = add(s, finite_m);
  return keepdim ? out : out.reshape(reduced_shape(a.shape(), dims, false, "logsumexp"));
}

namespace {
// Max or min along one dim with the index of the first extreme (NaN counts as the extreme).
ValuesIndices arg_reduce(const Tensor& a, int64_t dim, bool keepdim, bool is_max, const char* op) {
  check_defined(a, op);
  int64_t d = wrap_dim(dim, a.dim(), op);
  if (a.dim() > 0 && a.size(d) == 0) fail<ValueError>(op, ": cannot reduce over dimension ", d, " of size 0 in ", shape_str(a.shape()));
  Rows rows = to_rows(a, a.dim() == 0 ? Dims{} : Dims{d}, keepdim, op);
  ValuesIndices out{Tensor(rows.out_shape, a.dtype()), Tensor(rows.out_shape, DType::Int64)};
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = rows.data.data_ptr<T>();
    T* v = out.values.data_ptr<T>();
    int64_t* idx = out.indices.data_ptr<int64_t>();
    const int64_t r = rows.r;
    // Why parallel: rows independent. The plain version is the same loop on one thread.
#pragma omp parallel for if (rows.m * r > kParallelGrain && !kernels::use_reference())
    for (int64_t i = 0; i < rows.m; ++i) {
      const T* row = x + i * r;
      int64_t best = 0;
      for (int64_t j = 1; j < r; ++j) {
        if (row[best] != row[best]) break;  // NaN found: it stays
        bool better = is_max ? row[j] > row[best] : row[j] < row[best];
        if (better || row[j] != row[j]) best = j;
      }
      v[i] = row[best];
      idx[i] = best;
    }
  });
  return out;
}
}  // namespace

ValuesIndices max(const Tensor& a, int64_t dim, bool keepdim) { return arg_reduce(a, dim, keepdim, true, "max"); }
ValuesIndices min(const Tensor& a, int64_t dim, bool keepdim) { return arg_reduce(a, dim, keepdim, false, "min"); }
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) { return arg_reduce(a, dim, keepdim, true, "argmax").indices; }
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim) { return arg_reduce(a, dim, keepdim, false, "argmin").indices; }
Tensor argmax(const Tensor& a) {
  check_defined(a, "argmax");
  if (a.numel() == 0) fail<ValueError>("argmax: cannot take the argmax of an empty tensor");
  return arg_reduce(a.reshape({-1}), 0, false, true, "argmax").indices;
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  check_defined(grad, "sum_to");
  if (grad.shape() == shape) return grad;
  if (broadcast_shapes(shape, grad.shape(), "sum_to") != grad.shape())
    fail<ShapeError>("sum_to: ", shape_str(shape), " does not broadcast to ", shape_str(grad.shape()));
  int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  Dims dims;
  for (int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && grad.size(d) != 1)) dims.push_back(d);
  if (dims.empty()) return grad.reshape(shape);
  return sum(grad, dims, true).reshape(shape);
}

}  // namespace ag
