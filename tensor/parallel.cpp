// parallel.cpp: thread count for OpenMP and OpenBLAS, and the reference-kernel switch.
#include "tensor/parallel.hpp"

#include <omp.h>

#include "tensor/error.hpp"
#include "tensor/kernels.hpp"

extern "C" void openblas_set_num_threads(int num_threads);

namespace ag {

void set_num_threads(int n) {
  if (n < 1) fail<ValueError>("set_num_threads: expected n >= 1, got ", n);
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

namespace {
thread_local bool reference_mode = false;
}

ReferenceKernelsGuard::ReferenceKernelsGuard() : previous_(reference_mode) { reference_mode = true; }
ReferenceKernelsGuard::~ReferenceKernelsGuard() { reference_mode = previous_; }

namespace kernels {
bool use_reference() { return reference_mode; }
}  // namespace kernels

}  // namespace ag
