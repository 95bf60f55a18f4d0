// isa.cpp: run-time choice of the direct kernels' instruction set (isa.hpp).
#include "tensor/conv/isa.hpp"

#include <cstdlib>
#include <string>

#include "tensor/conv/direct_isa.hpp"
#include "tensor/error.hpp"

namespace ag::conv {
namespace {

bool cpu_has(Isa isa) {
#if defined(AG_BUILD_X86_ISAS)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::Generic: return true;
    case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512: return __builtin_cpu_supports("avx512f");
  }
  return false;
#else
  return isa == Isa::Generic;
#endif
}

// The widest supported set, capped by AUDIOGRAD_ISA when it names one (an unknown name is an error
// the first time a kernel runs, so a typo does not silently measure the wrong kernels).
Isa default_isa() {
  const std::vector<Isa> isas = supported_isas();
  Isa best = isas.back();
  if (const char* env = std::getenv("AUDIOGRAD_ISA")) {
    const std::string want = env;
    for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512})
      if (want == isa_name(isa)) return isa < best ? isa : best;
    fail<ValueError>("AUDIOGRAD_ISA=", want, ": expected generic, avx2 or avx512");
  }
  return best;
}

Isa& current() {
  static Isa isa = default_isa();
  return isa;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Generic: return "generic";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "?";
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512})
    if (cpu_has(isa)) out.push_back(isa);
  return out;
}

Isa active_isa() { return current(); }

IsaGuard::IsaGuard(Isa isa) : previous_(current()) {
  if (!cpu_has(isa)) fail<ValueError>("IsaGuard: this CPU cannot run the ", isa_name(isa), " kernels");
  current() = isa;
}

IsaGuard::~IsaGuard() { current() = previous_; }

namespace detail {

const DirectKernels& active_kernels() {
  static const DirectKernels sets[] = {generic_kernels(), avx2_kernels(), avx512_kernels()};
  return sets[static_cast<int>(current())];
}

}  // namespace detail
}  // namespace ag::conv
