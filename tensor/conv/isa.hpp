// isa.hpp: which instruction set the direct convolution kernels run on, chosen at run time.
//
// The direct kernels (direct.hpp) are compiled three times from one source, direct_kernels.inc:
//   generic  x86-64 baseline (SSE2), 4-lane vectors; on other CPUs the compiler's own vectors
//   avx2     AVX2 + FMA, 8-lane vectors, 16 registers
//   avx512   AVX-512F, 16-lane vectors, 32 registers
// Each copy is register-blocked for its width (direct_kernels.inc says how). The library picks the
// widest one this CPU supports the first time a kernel runs, so one binary runs correctly on any
// x86-64 machine whatever -march the rest of the build used. AUDIOGRAD_ISA=generic|avx2|avx512 in
// the environment caps the choice (like oneDNN's ONEDNN_MAX_CPU_ISA), and IsaGuard does so in
// code: the tests run every kernel on every instruction set the machine supports.
#pragma once

#include <vector>

namespace ag::conv {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

const char* isa_name(Isa isa);

// The instruction sets this CPU can run, narrowest first (always starts with Generic).
std::vector<Isa> supported_isas();

// The one the direct kernels use now: the widest supported, capped by AUDIOGRAD_ISA or an IsaGuard.
Isa active_isa();

// While alive, the kernels use `isa` (ValueError if this CPU cannot run it). Not thread-safe:
// for tests and benchmarks, set before the kernels run.
class IsaGuard {
 public:
  explicit IsaGuard(Isa isa);
  ~IsaGuard();
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;

 private:
  Isa previous_;
};

}  // namespace ag::conv
