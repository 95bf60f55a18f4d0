// storage.cpp: a Tensor's Storage, and the cache of freed blocks behind it (cached_bytes, empty_cache).
#include "tensor/tensor.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace ag {

// Why a cache: a training step allocates the same large activations every iteration. A fresh
// multi-megabyte block comes from mmap, and first touching each of its 4 KiB pages costs a page
// fault (about 5 % of a 2048^2 GEMM, and more than the work of an element-wise op). Keeping freed
// blocks of 64 KiB and more for reuse by the next allocation of the same size removes that. The
// cache holds at most kMaxCachedBytes; empty_cache() returns everything to the system. Sanitizer
// builds bypass it, so AddressSanitizer still sees every use-after-free.
namespace {
constexpr size_t kMinCachedBytes = size_t{1} << 16;
constexpr size_t kMaxCachedBytes = size_t{2} << 30;

struct BlockCache {
  std::mutex mutex;
  std::unordered_multimap<size_t, void*> blocks;  // rounded size -> free block
  size_t bytes = 0;
};

BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache;  // never destroyed: Storages may outlive statics
  return *cache;
}

#ifdef AUDIOGRAD_NO_ALLOCATOR_CACHE
constexpr bool kCacheEnabled = false;
#else
constexpr bool kCacheEnabled = true;
#endif

void* allocate(size_t rounded) {
  if (kCacheEnabled && rounded >= kMinCachedBytes) {
    BlockCache& c = block_cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.blocks.find(rounded);
    if (it != c.blocks.end()) {
      void* p = it->second;
      c.blocks.erase(it);
      c.bytes -= rounded;
      return p;
    }
  }
  return std::aligned_alloc(64, rounded);
}

void release(void* p, size_t rounded) {
  if (kCacheEnabled && rounded >= kMinCachedBytes) {
    BlockCache& c = block_cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.bytes + rounded <= kMaxCachedBytes) {
      c.blocks.emplace(rounded, p);
      c.bytes += rounded;
      return;
    }
  }
  std::free(p);
}

size_t rounded_size(size_t nbytes) { return std::max<size_t>(64, (nbytes + 63) / 64 * 64); }
}  // namespace

Storage::Storage(size_t nbytes, bool zero) : nbytes_(nbytes) {
  // 64-byte alignment: a cache line, and what AVX-512 loads like. aligned_alloc wants a multiple.
  size_t rounded = rounded_size(nbytes);
  data_ = allocate(rounded);
  if (!data_) fail<Error>("Storage: out of memory allocating ", nbytes, " bytes");
  if (zero) std::memset(data_, 0, rounded);
}

Storage::~Storage() { release(data_, rounded_size(nbytes_)); }

size_t cached_bytes() {
  BlockCache& c = block_cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.bytes;
}

void empty_cache() {
  BlockCache& c = block_cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto& [size, p] : c.blocks) std::free(p);
  c.blocks.clear();
  c.bytes = 0;
}

}  // namespace ag
