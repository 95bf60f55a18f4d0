// feature_cache.cpp: see feature_cache.hpp.
#include "audio/feature_cache.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tensor/error.hpp"
#include "tensor/fault.hpp"

namespace ag::audio {
namespace fs = std::filesystem;

namespace {
constexpr char kMagic[] = "AGFC2\n";
constexpr size_t kMagicLen = 6;
// FNV-1a over the key, the shape and the values: what the entry's last 8 bytes hold.
uint64_t entry_checksum(const std::string& key, int64_t frames, int64_t bins, const std::vector<float>& values) {
  uint64_t h = fnv1a64(key.data(), key.size());
  h = fnv1a64(&frames, sizeof frames, h);
  h = fnv1a64(&bins, sizeof bins, h);
  return fnv1a64(values.data(), values.size() * sizeof(float), h);
}

}  // namespace

uint64_t fnv1a64(const std::string& s) { return fnv1a64(s.data(), s.size()); }

uint64_t fnv1a64(const void* data, size_t n, uint64_t h) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

FeatureCache::FeatureCache(std::string dir, std::string config_key)
    : dir_(std::move(dir)), config_key_(std::move(config_key)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (!fs::is_directory(dir_, ec)) fail<IoError>("FeatureCache: cannot create directory '", dir_, "'");
}

std::string FeatureCache::entry_key(const std::string& audio_path) const {
  std::error_code ec;
  const fs::path abs = fs::absolute(audio_path, ec);
  const auto size = fs::file_size(audio_path, ec);
  const auto mtime = fs::last_write_time(audio_path, ec).time_since_epoch().count();
  std::ostringstream os;
  os << "file=" << abs.lexically_normal().string() << ";size=" << (ec ? 0 : size) << ";mtime=" << mtime << "|"
     << config_key_;
  return os.str();
}

std::string FeatureCache::entry_path(const std::string& audio_path) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%016llx.agf", static_cast<unsigned long long>(fnv1a64(entry_key(audio_path))));
  return (fs::path(dir_) / name).string();
}

bool FeatureCache::load(const std::string& audio_path, std::vector<float>* data, int64_t* frames, int64_t* bins) const {
  std::ifstream in(entry_path(audio_path), std::ios::binary);
  if (!in) return false;
  const std::string key = entry_key(audio_path);
  char magic[kMagicLen];
  uint64_t key_len = 0;
  if (!in.read(magic, kMagicLen) || std::memcmp(magic, kMagic, kMagicLen) != 0) return false;
  if (!in.read(reinterpret_cast<char*>(&key_len), sizeof(key_len)) || key_len != key.size()) return false;
  std::string stored(key_len, '\0');
  if (!in.read(stored.data(), static_cast<std::streamsize>(key_len)) || stored != key) return false;
  int64_t t = 0, f = 0;
  if (!in.read(reinterpret_cast<char*>(&t), sizeof(t)) || !in.read(reinterpret_cast<char*>(&f), sizeof(f))) return false;
  if (t <= 0 || f <= 0 || t > (int64_t{1} << 24) || f > (int64_t{1} << 16)) return false;
  std::vector<float> values(static_cast<size_t>(t * f));
  uint64_t sum = 0;
  if (!in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(t * f * sizeof(float)))) return false;
  if (!in.read(reinterpret_cast<char*>(&sum), sizeof(sum))) return false;
  if (in.peek() != std::char_traits<char>::eof()) return false;  // trailing bytes: not ours
  if (sum != entry_checksum(key, t, f, values)) return false;     // damaged (e.g. a power cut before the data reached disk)
  *data = std::move(values);
  *frames = t;
  *bins = f;
  return true;
}

void FeatureCache::store(const std::string& audio_path, const std::vector<float>& data, int64_t frames, int64_t bins) const {
  if (static_cast<int64_t>(data.size()) != frames * bins) {
    fail<ValueError>("FeatureCache::store: ", data.size(), " values do not fill (", frames, ", ", bins, ")");
  }
  const std::string final_path = entry_path(audio_path);
  // Unique per process and thread, so concurrent writers never share a temporary file.
  std::ostringstream tmp;
  tmp << final_path << ".tmp." << ::getpid() << "." << std::hash<std::thread::id>{}(std::this_thread::get_id());
  const std::string key = entry_key(audio_path);
  {
    std::ofstream out(tmp.str(), std::ios::binary | std::ios::trunc);
    if (!out) fail<IoError>("FeatureCache: cannot write '", tmp.str(), "'");
    const uint64_t key_len = key.size();
    out.write(kMagic, kMagicLen);
    out.write(reinterpret_cast<const char*>(&key_len), sizeof(key_len));
    out.write(key.data(), static_cast<std::streamsize>(key.size()));
    out.write(reinterpret_cast<const char*>(&frames), sizeof(frames));
    out.write(reinterpret_cast<const char*>(&bins), sizeof(bins));
    crash_point("FeatureCache::store:header-written", final_path);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * sizeof(float)));
    const uint64_t sum = entry_checksum(key, frames, bins, data);
    out.write(reinterpret_cast<const char*>(&sum), sizeof(sum));
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.str().c_str());
      fail<IoError>("FeatureCache: writing '", tmp.str(), "' failed (disk full?)");
    }
  }
  crash_point("FeatureCache::store:written", final_path);
  std::error_code ec;
  fs::rename(tmp.str(), final_path, ec);
  if (ec) {
    std::remove(tmp.str().c_str());
    fail<IoError>("FeatureCache: cannot rename '", tmp.str(), "' to '", final_path, "': ", ec.message());
  }
  crash_point("FeatureCache::store:renamed", final_path);
}

std::vector<float> FeatureCache::get(const std::string& audio_path, int64_t* frames, int64_t* bins,
                                     const Compute& compute) {
  std::vector<float> data;
  if (load(audio_path, &data, frames, bins)) {
    ++hits_;
    return data;
  }
  ++misses_;
  data = compute(frames, bins);
  store(audio_path, data, *frames, *bins);
  return data;
}

}  // namespace ag::audio
