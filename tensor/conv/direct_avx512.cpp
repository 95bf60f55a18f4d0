// direct_avx512.cpp: the direct kernels for AVX-512F (32 registers of 16 floats), compiled with
// -march=x86-64-v4 (tensor/CMakeLists.txt); chosen at run time where the CPU has it (isa.hpp).
#include "tensor/conv/direct_isa.hpp"

namespace ag::conv::detail {

#if defined(AG_BUILD_X86_ISAS)
#define AG_LANES 16
#define AG_FWD_TILE 12
#define AG_FWD_VECTORS 2
#define AG_WG_TILE3 8
#define AG_WG_TILE5 4
#define AG_ISA Isa::Avx512
#define AG_KERNELS_FN avx512_kernels
#include "tensor/conv/direct_kernels.inc"
#else
DirectKernels avx512_kernels() { return generic_kernels(); }  // not an x86-64 build: never chosen
#endif

}  // namespace ag::conv::detail
