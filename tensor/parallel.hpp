// parallel.hpp: one knob for all the threads audiograd uses.
//
// The element-wise and reduction kernels use OpenMP; matmul uses OpenBLAS, which (in Debian's
// libopenblas0-openmp build) runs on the same OpenMP runtime. set_num_threads sets both, so the two
// never oversubscribe the cores. The default is OpenMP's (OMP_NUM_THREADS, or all cores).
#pragma once

#include <cstdint>

namespace ag {

void set_num_threads(int n);
int get_num_threads();

// Below this many elements a kernel runs on one thread: forking a team costs about a microsecond,
// more than a small loop takes.
constexpr int64_t kParallelGrain = 32768;

// While alive (on this thread), element-wise ops and reductions run their plain single-threaded
// reference loops instead of the parallel fast kernels. Tests use it to check fast against plain.
class ReferenceKernelsGuard {
 public:
  ReferenceKernelsGuard();
  ~ReferenceKernelsGuard();
  ReferenceKernelsGuard(const ReferenceKernelsGuard&) = delete;
  ReferenceKernelsGuard& operator=(const ReferenceKernelsGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace ag
