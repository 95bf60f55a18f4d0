// docs/examples/ch4_speed.cpp
#include <chrono>
#include <iostream>

#include "check.hpp"
#include "tensor/elementwise.hpp"
#include "tensor/linalg.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"
#include "tensor/tensor.hpp"

using namespace ag;

template <class F>
double ms(F f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int main() {
  Generator gen(0);
  Tensor a = randn({1024, 1024}, DType::Float32, &gen), b = randn({1024}, DType::Float32, &gen);

  // 1. Fast and plain kernels compute the same thing; only the time differs.
  set_num_threads(2);
  Tensor fast, plain;
  double t_fast = ms([&] { fast = exp(a) * b; });
  double t_plain = ms([&] {
    ReferenceKernelsGuard plain_loops;  // single thread, one multi-index per element
    plain = exp(a) * b;
  });
  CHECK(allclose(fast, plain, 1e-6, 1e-6));
  std::cout << "exp(a) * b: fast " << t_fast << " ms, plain " << t_plain << " ms\n";

  // 2. A transposed operand goes to BLAS as "transposed", not copied: same result as a copy.
  CHECK(allclose(matmul(a.t(), a), matmul(a.t().contiguous(), a), 1e-4, 1e-3));

  // 3. Freed blocks of 64 KiB and more are kept for reuse (no page faults on the next step's
  //    tensors of the same size); empty_cache() hands them back to the system.
  { Tensor scratch = zeros({1 << 20}); }
  std::cout << "cached: " << cached_bytes() / 1024 << " KiB\n";
  empty_cache();
  CHECK(cached_bytes() == 0);
}
