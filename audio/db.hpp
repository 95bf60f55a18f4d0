// db.hpp: compressing a power spectrum's dynamic range: decibels or a plain log.
//
// power_to_db:      10 log10(max(x, amin)) - 10 log10(max(ref, amin)), then, if top_db > 0,
//                   clamp from below at (max over the whole spectrogram) - top_db.
//                   (torchaudio AmplitudeToDB(stype="power"); librosa.power_to_db)
// amplitude_to_db:  the same with 20 instead of 10, for magnitude spectrograms.
// log_eps:          ln(x + eps), the other common choice (e.g. for speech models).
// amin keeps log10 finite for silent frames: 1e-10 power is -100 dB.
#pragma once

#include <cstdint>
#include <cstring>

namespace ag::audio {

// In place over n values; top_db <= 0 means no clamping.
void power_to_db(float* x, int64_t n, double amin = 1e-10, double ref = 1.0, double top_db = 0.0);
void amplitude_to_db(float* x, int64_t n, double amin = 1e-10, double ref = 1.0, double top_db = 0.0);
void log_eps(float* x, int64_t n, double eps = 1e-6);

// Natural log of a positive, normal double, written so that a loop over it vectorises (std::log is
// a scalar libm call: 10 ns each, 0.8 ms of a 5 s ERANN clip's 82k log-mel values, a fifth of the
// whole front end). x = m 2^e with m in [sqrt(1/2), sqrt(2)), and
//   ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...),  s = (m - 1) / (m + 1),  |s| <= 0.172,
// truncated after s^13 (next term < 1e-11). Relative error < 1e-12 (tests/audio/test_mel.cpp).
inline double fast_log(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  double e = static_cast<double>(static_cast<int64_t>((bits >> 52) & 0x7ff) - 1023);
  bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;  // mantissa as a number in [1, 2)
  double m;
  std::memcpy(&m, &bits, sizeof(m));
  const bool big = m > 1.4142135623730951;
  m = big ? 0.5 * m : m;
  e = big ? e + 1.0 : e;
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  const double poly =
      2.0 + s2 * (2.0 / 3 + s2 * (2.0 / 5 + s2 * (2.0 / 7 + s2 * (2.0 / 9 + s2 * (2.0 / 11 + s2 * (2.0 / 13))))));
  return e * 0.6931471805599453 + s * poly;
}

}  // namespace ag::audio
