// test_kernels.cpp: every fast kernel against its plain reference, on odd shapes (1x1, 7x13,
// sizes that are no multiple of any unroll, non-contiguous and broadcast operands), with several
// threads, and large enough to take the parallel paths.
#include <gtest/gtest.h>

#include <functional>

#include "tensor/elementwise.hpp"
#include "tensor/linalg.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"
#include "tensor/reduce.hpp"
#include "tensor/tensor.hpp"

namespace ag {
namespace {

// Runs f once with the fast kernels and once with the reference loops; results must agree.
void expect_same(const std::function<Tensor()>& f, const std::string& what, double rtol = 1e-12) {
  Tensor fast = f();
  Tensor ref;
  {
    ReferenceKernelsGuard guard;
    ref = f();
  }
  ASSERT_EQ(fast.shape(), ref.shape()) << what;
  EXPECT_TRUE(allclose(fast, ref, rtol, 1e-12, /*equal_nan=*/true)) << what;
}

std::vector<Shape> odd_shapes() { return {{1, 1}, {7, 13}, {3, 1, 5}, {129, 257}, {2, 300, 301}}; }

TEST(Kernels, ElementwiseFastMatchesReference) {
  set_num_threads(2);
  Generator g(7);
  for (const Shape& s : odd_shapes()) {
    Tensor a = randn(s, DType::Float64, &g), b = randn(s, DType::Float64, &g);
    Tensor row = randn({s.back()}, DType::Float64, &g);
    Tensor at = a.transpose(0, -1).contiguous().transpose(0, -1);  // same values, strided layout
    std::string n = shape_str(s);
    expect_same([&] { return add(a, b); }, "add " + n);
    expect_same([&] { return mul(at, row); }, "mul strided+broadcast " + n);
    expect_same([&] { return div(a, add(abs(b), 1.0)); }, "div " + n);
    expect_same([&] { return exp(at); }, "exp strided " + n);
    expect_same([&] { return where(gt(a, 0.0), a, row); }, "where " + n);
    expect_same([&] { return maximum(a, at); }, "maximum " + n);
    expect_same([&] { return a.transpose(0, -1).contiguous(); }, "contiguous copy " + n);
    expect_same([&] { return a.to(DType::Float32); }, "convert " + n);
  }
  // Float32 and int64 paths too.
  Tensor f = randn({33, 517}, DType::Float32, &g);
  expect_same([&] { return sigmoid(f); }, "sigmoid f32", 1e-6);
  Tensor i = randint(-50, 50, {33, 517}, &g);
  expect_same([&] { return mul(i, i.t().contiguous().t()); }, "mul int64");
}

TEST(Kernels, ReductionsFastMatchReference) {
  set_num_threads(2);
  Generator g(11);
  for (const Shape& s : odd_shapes()) {
    Tensor a = randn(s, DType::Float64, &g);
    std::string n = shape_str(s);
    expect_same([&] { return sum(a); }, "sum all " + n);
    expect_same([&] { return sum(a, {0}); }, "sum dim 0 " + n);
    expect_same([&] { return sum(a, {-1}, true); }, "sum last " + n);
    expect_same([&] { return amax(a, {0}); }, "amax " + n);
    expect_same([&] { return amin(a); }, "amin " + n);
    expect_same([&] { return max(a, -1).values; }, "max values " + n);
    expect_same([&] { return max(a, 0).indices; }, "max indices " + n);
    expect_same([&] { return var(a, {0}); }, "var " + n);
  }
  // One long row (fewer rows than threads): the split-row path.
  Tensor long_row = randn({1, 1000003}, DType::Float32, &g);
  expect_same([&] { return sum(long_row, {1}); }, "sum split row", 1e-9);
  expect_same([&] { return amax(long_row, {1}); }, "amax split row");
}

TEST(Kernels, MatmulBlasMatchesTripleLoop) {
  Generator g(3);
  for (auto [m, n, p] : std::vector<std::array<int64_t, 3>>{{1, 1, 1}, {7, 13, 5}, {33, 1, 17}, {65, 129, 31}}) {
    for (DType dt : {DType::Float32, DType::Float64}) {
      Tensor a = randn({m, n}, dt, &g), b = randn({n, p}, dt, &g);
      double tol = dt == DType::Float32 ? 1e-4 : 1e-12;
      std::string what = "matmul " + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(p);
      EXPECT_TRUE(allclose(matmul(a, b), matmul_reference(a, b), tol, tol)) << what;
      // Transposed views go to BLAS as transposed operands.
      Tensor at = a.t().contiguous().t(), bt = b.t().contiguous().t();
      EXPECT_FALSE(m > 1 && n > 1 && at.is_contiguous());
      EXPECT_TRUE(allclose(matmul(at, bt), matmul_reference(a, b), tol, tol)) << what << " transposed";
      // A strided slice (step 2) has to be copied first; same result.
      Tensor wide = randn({m, 2 * n}, dt, &g);
      Tensor sl = wide.slice(1, 0, 2 * n, 2);
      EXPECT_TRUE(allclose(matmul(sl, b), matmul_reference(sl, b), tol, tol)) << what << " sliced";
    }
  }
  // Batched with broadcasting against per-batch reference products.
  Tensor a = randn({3, 1, 4, 5}, DType::Float64, &g), b = randn({2, 5, 6}, DType::Float64, &g);
  Tensor c = matmul(a, b);
  ASSERT_EQ(c.shape(), (Shape{3, 2, 4, 6}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j)
      EXPECT_TRUE(allclose(c.select(0, i).select(0, j), matmul_reference(a.select(0, i).select(0, 0), b.select(0, j)), 1e-12, 1e-12));
}

TEST(Kernels, SetNumThreadsGovernsOpenMP) {
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(2);
  EXPECT_EQ(get_num_threads(), 2);
  EXPECT_THROW(set_num_threads(0), ValueError);
}

}  // namespace
}  // namespace ag
