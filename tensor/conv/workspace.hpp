// workspace.hpp (internal to tensor/conv/): per-thread scratch buffers that only grow, so the
// convolution kernels allocate nothing per call once warmed up.
#pragma once

#include <cstddef>
#include <vector>

namespace ag::conv::detail {

// Slots keep apart the buffers one call needs at once: 0 col, 1 dcol, 2 a thread's partial dW.
template <class T>
T* workspace(size_t n, int slot) {
  thread_local std::vector<T> buffers[3];
  std::vector<T>& buf = buffers[slot];
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

}  // namespace ag::conv::detail
