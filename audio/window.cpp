// window.cpp: see window.hpp.
#include "audio/window.hpp"

#include <cmath>

#include "tensor/error.hpp"

namespace ag::audio {

WindowType parse_window(const std::string& name) {
  if (name == "hann") return WindowType::Hann;
  if (name == "hamming") return WindowType::Hamming;
  if (name == "rectangular" || name == "ones") return WindowType::Rectangular;
  fail<ValueError>("window: unknown window '", name, "', expected 'hann', 'hamming' or 'rectangular'");
}

const char* window_name(WindowType w) {
  switch (w) {
    case WindowType::Hann: return "hann";
    case WindowType::Hamming: return "hamming";
    case WindowType::Rectangular: return "rectangular";
  }
  return "?";
}

std::vector<float> make_window(WindowType type, int length, bool periodic) {
  if (length <= 0) fail<ValueError>("make_window: length must be positive, got ", length);
  std::vector<float> w(static_cast<size_t>(length), 1.0f);
  if (type == WindowType::Rectangular || length == 1) return w;
  const double denom = periodic ? length : length - 1;
  const double a0 = type == WindowType::Hann ? 0.5 : 0.54;
  const double a1 = 1.0 - a0;
  const double pi = 3.14159265358979323846;
  for (int n = 0; n < length; ++n) w[n] = static_cast<float>(a0 - a1 * std::cos(2.0 * pi * n / denom));
  return w;
}

}  // namespace ag::audio
