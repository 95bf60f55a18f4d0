// augment_filter.cpp: a random low-pass or high-pass FIR filter, the seed pipeline's LPHPFilter
// (fabuloudy/audio_survey, utils/augmentation/wave.py).
//
// As the seed: an odd number of taps, 5 per 11 025 Hz of sample rate (21 at 44.1 kHz: a gentle
// slope, a tone colour rather than a brick wall); with probability 1/2 a low-pass with cutoff
// fc ~ U[0.5, 0.75) of Nyquist, else a high-pass with fc ~ U[0, 0.25); the clip reflect-padded by
// half the filter on each side (same length, no edge click), filtered, and scaled back to its own
// peak. The filter is scipy.signal.firwin's: the ideal response's impulse (a sinc, or a delta minus
// one for the high-pass) under a Hamming window, scaled to unit gain at DC (low-pass) or at
// Nyquist (high-pass). The seed also divides by the taps' sum, which for a high-pass is ~0; the
// peak rescaling undoes any such scale, so we leave it out.
#include <algorithm>
#include <cmath>

#include "audio/augment.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

std::vector<double> fir_filter(int taps, double cutoff, bool highpass) {
  if (taps < 1 || taps % 2 == 0) fail<ValueError>("fir_filter: the number of taps must be odd and >= 1, got ", taps);
  if (!(cutoff > 0 && cutoff < 1)) fail<ValueError>("fir_filter: the cutoff must be in (0, 1) of Nyquist, got ", cutoff);
  const double pi = 3.14159265358979323846;
  const int m = taps / 2;
  std::vector<double> h(static_cast<size_t>(taps));
  for (int i = 0; i < taps; ++i) {
    const double t = i - m;
    const double lp = t == 0 ? cutoff : std::sin(pi * cutoff * t) / (pi * t);  // ideal low-pass, cutoff of Nyquist
    const double ideal = highpass ? (t == 0 ? 1.0 : 0.0) - lp : lp;
    const double window = taps == 1 ? 1.0 : 0.54 - 0.46 * std::cos(2 * pi * i / (taps - 1));  // Hamming
    h[static_cast<size_t>(i)] = ideal * window;
  }
  // Unit gain where the filter passes: sum h (DC) for a low-pass, sum (-1)^i h (Nyquist) for a high-pass.
  double gain = 0;
  for (int i = 0; i < taps; ++i) gain += h[static_cast<size_t>(i)] * (highpass && (i - m) % 2 ? -1.0 : 1.0);
  for (double& v : h) v /= gain;
  return h;
}

LowHighPass low_high_pass(std::vector<float>& x, Generator& gen, int sample_rate) {
  LowHighPass drawn;
  drawn.highpass = gen.uniform() >= 0.5;
  drawn.cutoff = drawn.highpass ? gen.uniform() * 0.25 : 0.5 + gen.uniform() * 0.25;
  if (drawn.cutoff <= 0) drawn.cutoff = 1e-6;  // U[0, 0.25) can draw 0: the mildest high-pass
  int taps = static_cast<int>(sample_rate / 11025.0 * 5);
  if (taps % 2 == 0) ++taps;
  const int64_t L = static_cast<int64_t>(x.size()), m = taps / 2;
  if (L <= m) return drawn;  // shorter than half the filter: reflect padding is undefined; left as is
  const std::vector<double> h = fir_filter(taps, drawn.cutoff, drawn.highpass);
  double peak = 0;
  for (float v : x) peak = std::max(peak, static_cast<double>(std::fabs(v)));
  auto at = [&](int64_t i) {  // reflect padding: x[-1] = x[1], x[L] = x[L - 2]
    if (i < 0) i = -i;
    if (i >= L) i = 2 * (L - 1) - i;
    return static_cast<double>(x[static_cast<size_t>(i)]);
  };
  std::vector<double> y(static_cast<size_t>(L));
  double out_peak = 0;
  for (int64_t n = 0; n < L; ++n) {
    double s = 0;
    for (int k = 0; k < taps; ++k) s += h[static_cast<size_t>(k)] * at(n + k - m);
    y[static_cast<size_t>(n)] = s;
    out_peak = std::max(out_peak, std::fabs(s));
  }
  const double scale = out_peak > 0 ? peak / out_peak : 0.0;
  for (int64_t n = 0; n < L; ++n) x[static_cast<size_t>(n)] = static_cast<float>(y[static_cast<size_t>(n)] * scale);
  return drawn;
}

}  // namespace ag::audio
