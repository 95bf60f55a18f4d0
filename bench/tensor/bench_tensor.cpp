// bench_tensor: times our matmul against a raw cblas_sgemm call on the same buffers, and our
// element-wise add, interleaved (A B A B) so machine noise hits both alike. Prints one JSON line
// per measurement for bench/tensor/compare.py, which runs PyTorch on the same shapes.
//
// Usage: bench_tensor THREADS REPS N [N ...]     (square N x N float32 matrices)
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tensor/elementwise.hpp"
#include "tensor/linalg.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"
#include "tensor/tensor.hpp"

using namespace ag;
using Clock = std::chrono::steady_clock;

template <class F>
double seconds(F f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void print(const char* what, int64_t n, int threads, std::vector<double> t) {
  std::printf("{\"impl\": \"%s\", \"n\": %ld, \"threads\": %d, \"times\": [", what, static_cast<long>(n), threads);
  for (size_t i = 0; i < t.size(); ++i) std::printf("%s%.6e", i ? ", " : "", t[i]);
  std::printf("]}\n");
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_tensor THREADS REPS N [N ...]\n");
    return 2;
  }
  int threads = std::atoi(argv[1]), reps = std::atoi(argv[2]);
  set_num_threads(threads);
  for (int i = 3; i < argc; ++i) {
    int64_t n = std::atoll(argv[i]);
    Generator g(1);
    Tensor a = randn({n, n}, DType::Float32, &g), b = randn({n, n}, DType::Float32, &g);
    Tensor c = zeros({n, n});
    std::vector<double> ours, raw, add_t;
    // Warm-up: first touches of memory, BLAS thread start.
    matmul(a, b);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.f,
                c.data_ptr<float>(), n);
    for (int r = 0; r < reps; ++r) {
      ours.push_back(seconds([&] { matmul(a, b); }));
      raw.push_back(seconds([&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.f,
                    c.data_ptr<float>(), n);
      }));
      add_t.push_back(seconds([&] { add(a, b); }));
    }
    print("ours_matmul", n, threads, ours);
    print("raw_sgemm", n, threads, raw);
    print("ours_add", n, threads, add_t);
  }
  return 0;
}
