// feature_cache.hpp: log-mels on disk, so repeated epochs and runs do not decode and transform the
// same clips again (decoding an OGG and its log-mel cost ~10 ms per 5 s clip; reading 330 kB, ~0.1 ms).
//
// An entry is keyed by the source file (absolute path, size, modification time) and the front-end
// configuration (FrontendConfig::key() plus the load options): change a parameter, or touch the
// audio, and the old entry no longer matches, so it is recomputed (stale files are simply unused).
// The full key is stored inside each entry and compared on load, so a hash collision, a truncated
// or a foreign file is a miss, never wrong features.
//
// Entries are written to a unique temporary name and renamed into place (rename is atomic on POSIX),
// so two runs sharing a cache directory, or two threads, never see half an entry; at worst both
// compute the same entry and one rename wins.
//
// File format (.agf): "AGFC2\n", u64 key length, key bytes, i64 T, i64 F, T*F float32, u64 FNV-1a
// checksum of key, T, F and the values (little-endian). load() checks every part, the size and the
// checksum: a damaged entry is a miss, recomputed and rewritten.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ag::audio {

class FeatureCache {
 public:
  // Creates `dir` if needed. `config_key` identifies everything that shapes the features.
  FeatureCache(std::string dir, std::string config_key);

  // (T, F) features of `audio_path`: from disk when a matching entry exists, else from `compute`
  // (which fills frames and bins), then stored.
  using Compute = std::function<std::vector<float>(int64_t* frames, int64_t* bins)>;
  std::vector<float> get(const std::string& audio_path, int64_t* frames, int64_t* bins, const Compute& compute);

  // The pieces of get(), public for tests and tools.
  bool load(const std::string& audio_path, std::vector<float>* data, int64_t* frames, int64_t* bins) const;
  void store(const std::string& audio_path, const std::vector<float>& data, int64_t frames, int64_t bins) const;
  std::string entry_path(const std::string& audio_path) const;
  std::string entry_key(const std::string& audio_path) const;

  const std::string& dir() const { return dir_; }
  int64_t hits() const { return hits_; }
  int64_t misses() const { return misses_; }

 private:
  std::string dir_;
  std::string config_key_;
  std::atomic<int64_t> hits_{0}, misses_{0};
};

// FNV-1a, 64 bit: a fast, stable (same on every machine) hash for file names and entry checksums.
uint64_t fnv1a64(const std::string& s);
uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 1469598103934665603ULL);

}  // namespace ag::audio
