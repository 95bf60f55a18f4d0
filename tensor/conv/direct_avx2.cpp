// direct_avx2.cpp: the direct kernels for AVX2 + FMA (16 registers of 8 floats), compiled with
// -march=x86-64-v3 (tensor/CMakeLists.txt); chosen at run time where the CPU has them (isa.hpp).
#include "tensor/conv/direct_isa.hpp"

namespace ag::conv::detail {

#if defined(AG_BUILD_X86_ISAS)
#define AG_LANES 8
#define AG_FWD_TILE 6
#define AG_FWD_VECTORS 2
#define AG_WG_TILE3 4
#define AG_WG_TILE5 2
#define AG_ISA Isa::Avx2
#define AG_KERNELS_FN avx2_kernels
#include "tensor/conv/direct_kernels.inc"
#else
DirectKernels avx2_kernels() { return generic_kernels(); }  // not an x86-64 build: never chosen
#endif

}  // namespace ag::conv::detail
