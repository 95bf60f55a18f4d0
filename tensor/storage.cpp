// storage.cpp: a Tensor's Storage, and the cache of freed blocks behind it (cached_bytes, empty_cache).
#include "tensor/tensor.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <list>
#include <mutex>
#include <unordered_map>

namespace ag {

// Why a cache: a training step allocates the same large activations every iteration. A fresh
// multi-megabyte block comes from mmap, and first touching each of its 4 KiB pages costs a page
// fault (about 5 % of a 2048^2 GEMM, and more than the work of an element-wise op). Keeping freed
// blocks of 64 KiB and more for reuse by the next allocation of the same size removes that. The
// cache holds at most 8 GiB (AUDIOGRAD_CACHE_MB sets another cap; why 8, below); empty_cache()
// returns everything to the system. Sanitizer builds bypass it, so AddressSanitizer still sees
// every use-after-free.
// Why 8 GiB: a training step of ERANN-2-2 at batch 32 frees and reallocates ~6 GB of activations
// (its first stage's tensors are 168 MB each); with a 2 GiB cap most of them went back to the
// system and were faulted in again, zeroed page by page (13 % of the step in clear_page). Measured
// with bench_train_step, 2 threads, AUDIOGRAD_CACHE_MB alternated: ERANN-2-2 b32 2.98-3.02 clips/s
// at 2 GiB, 3.81-3.82 at 8 GiB, 2.26-2.32 with no cache; peak RSS 6.26 GB either way (5.67 GB
// uncached). CNN14 b32: 1.64 -> 1.70 clips/s, peak 6.29 -> 6.67 GB. (Those peaks predate the
// fused BN -> activation op and the eviction on a miss below, which brought them to 3.99 and
// 3.75 GB.)
namespace {
constexpr size_t kMinCachedBytes = size_t{1} << 16;
constexpr size_t kDefaultMaxCachedBytes = size_t{8} << 30;

// The cap: kDefaultMaxCachedBytes, or AUDIOGRAD_CACHE_MB from the environment (0 turns the cache
// off), read once. Anything but a whole number of MiB is an error naming the variable, thrown by
// the first cached-size allocation (check_cache_setting); release(), which runs in destructors and
// must not throw, then keeps the default.
struct CacheCap {
  size_t bytes = kDefaultMaxCachedBytes;
  const char* bad = nullptr;  // the malformed value, if any
};

const CacheCap& cache_cap() {
  static const CacheCap cap = [] {
    CacheCap c;
    const char* env = std::getenv("AUDIOGRAD_CACHE_MB");
    if (!env) return c;
    char* end = nullptr;
    const unsigned long long mb = std::strtoull(env, &end, 10);
    if (!*env || *end != '\0' || *env == '-' || mb > (1ull << 40)) c.bad = env;
    else c.bytes = size_t(mb) << 20;
    return c;
  }();
  return cap;
}

void check_cache_setting() {
  if (const char* bad = cache_cap().bad)
    fail<ValueError>("AUDIOGRAD_CACHE_MB=", bad, ": expected a whole number of MiB (0 turns the block cache off)");
}

// Free blocks by size (for reuse) and in the order they were freed (for eviction, oldest first).
struct BlockCache {
  std::mutex mutex;
  std::list<std::pair<size_t, void*>> order;                                            // oldest first
  std::unordered_multimap<size_t, std::list<std::pair<size_t, void*>>::iterator> blocks;  // size -> entry
  size_t bytes = 0;

  void* take(size_t rounded) {
    auto it = blocks.find(rounded);
    if (it == blocks.end()) return nullptr;
    void* p = it->second->second;
    order.erase(it->second);
    blocks.erase(it);
    bytes -= rounded;
    return p;
  }
  // Returns cached blocks to the system, oldest first, until `want` bytes have gone (or none is left).
  void evict(size_t want) {
    size_t freed = 0;
    while (freed < want && !order.empty()) {
      const auto [size, p] = order.front();
      auto range = blocks.equal_range(size);
      for (auto it = range.first; it != range.second; ++it)
        if (it->second == order.begin()) {
          blocks.erase(it);
          break;
        }
      order.pop_front();
      std::free(p);
      bytes -= size;
      freed += size;
    }
  }
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

// A hit reuses a block of exactly this size. A miss first returns as many bytes of other sizes to
// the system, oldest first, as it is about to take: blocks of sizes nobody asks for again would
// otherwise sit in the cache at the step's peak (CNN14 at batch 32: 2 GB of them, a peak of 5.66
// GB against 3.68 GB uncached), while a training loop, which asks for the same sizes every step,
// still finds almost everything it needs.
void* allocate(size_t rounded) {
  if (kCacheEnabled && rounded >= kMinCachedBytes) {
    check_cache_setting();
    BlockCache& c = block_cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (void* p = c.take(rounded)) return p;
    c.evict(rounded);
  }
  return std::aligned_alloc(64, rounded);
}

void release(void* p, size_t rounded) {
  if (kCacheEnabled && rounded >= kMinCachedBytes) {
    BlockCache& c = block_cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.bytes + rounded <= cache_cap().bytes) {
      c.order.emplace_back(rounded, p);
      c.blocks.emplace(rounded, std::prev(c.order.end()));
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
  for (auto& [size, p] : c.order) std::free(p);
  c.order.clear();
  c.blocks.clear();
  c.bytes = 0;
}

}  // namespace ag
