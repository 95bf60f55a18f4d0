// db.cpp: see db.hpp.
#include "audio/db.hpp"

#include <algorithm>
#include <cmath>

#include "tensor/error.hpp"

namespace ag::audio {
namespace {

void to_db(float* x, int64_t n, double multiplier, double amin, double ref, double top_db, const char* op) {
  if (!(amin > 0)) fail<ValueError>(op, ": amin must be positive, got ", amin);
  if (!(ref > 0)) fail<ValueError>(op, ": ref must be positive, got ", ref);
  const float offset = static_cast<float>(multiplier * std::log10(std::max(ref, amin)));
  const float famin = static_cast<float>(amin);
  const float mult = static_cast<float>(multiplier);
  float top = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = mult * std::log10(std::max(x[i], famin)) - offset;
    top = std::max(top, x[i]);
  }
  if (top_db > 0) {
    const float floor = top - static_cast<float>(top_db);
    for (int64_t i = 0; i < n; ++i) x[i] = std::max(x[i], floor);
  }
}

}  // namespace

void power_to_db(float* x, int64_t n, double amin, double ref, double top_db) {
  to_db(x, n, 10.0, amin, ref, top_db, "power_to_db");
}

void amplitude_to_db(float* x, int64_t n, double amin, double ref, double top_db) {
  to_db(x, n, 20.0, amin, ref, top_db, "amplitude_to_db");
}

void log_eps(float* x, int64_t n, double eps) {
  if (!(eps > 0)) fail<ValueError>("log_eps: eps must be positive, got ", eps);
  const float e = static_cast<float>(eps);
  for (int64_t i = 0; i < n; ++i) x[i] = std::log(x[i] + e);
}

}  // namespace ag::audio
