// window.hpp: analysis windows for the STFT.
//
// Hann:    w[n] = 0.5  - 0.5  cos(2 pi n / D)
// Hamming: w[n] = 0.54 - 0.46 cos(2 pi n / D)
// with D = N (periodic) or D = N - 1 (symmetric), n = 0..N-1.
//
// Periodic windows (D = N) are one period of a cosine, the right choice for spectral analysis:
// overlapping them at hop N/4 or N/2 sums to a constant. This is torch.hann_window's default and
// the one both presets use. Symmetric windows (D = N - 1) are for filter design (scipy's default).
#pragma once

#include <string>
#include <vector>

namespace ag::audio {

enum class WindowType { Hann, Hamming, Rectangular };

WindowType parse_window(const std::string& name);  // "hann" | "hamming" | "rectangular"
const char* window_name(WindowType w);

// (length,) window values, computed in double and rounded to float once.
std::vector<float> make_window(WindowType type, int length, bool periodic = true);

}  // namespace ag::audio
