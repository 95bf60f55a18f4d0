// direct_generic.cpp: the direct kernels for any CPU; on x86-64 compiled for the baseline (SSE2,
// 16 registers of 4 floats) whatever -march the rest of the build uses (tensor/CMakeLists.txt).
#include "tensor/conv/direct_isa.hpp"

namespace ag::conv::detail {

#define AG_LANES 4
#define AG_FWD_TILE 6
#define AG_FWD_VECTORS 2
#define AG_WG_TILE3 4
#define AG_WG_TILE5 2
#define AG_ISA Isa::Generic
#define AG_KERNELS_FN generic_kernels
#include "tensor/conv/direct_kernels.inc"

}  // namespace ag::conv::detail
