// docs/examples/ch6_augment.cpp
// What the augmentations do, measured.
#include <cmath>
#include <cstdio>
#include <numeric>

#include "audio/augment.hpp"
#include "audio/waveform.hpp"
#include "check.hpp"

using namespace ag::audio;

int main() {
  ag::Generator gen(2024);

  // Noise at a random SNR in [10, 20] dB: the measured SNR is the drawn one.
  std::vector<float> clean(16000);
  for (size_t n = 0; n < clean.size(); ++n) clean[n] = 0.5f * std::sin(0.1f * n);
  std::vector<float> noisy = clean;
  const double snr = add_noise(noisy, gen, 10, 20);
  std::vector<float> noise(clean.size());
  for (size_t n = 0; n < clean.size(); ++n) noise[n] = noisy[n] - clean[n];
  const double measured = 20 * std::log10(rms(clean) / rms(noise));
  std::printf("noise: drew %.2f dB, measured %.2f dB\n", snr, measured);
  CHECK(std::fabs(snr - measured) < 0.3);

  // Pitch shift by +3 semitones keeps the length (and the tempo); time stretch keeps the pitch.
  const std::vector<float> up = pitch_shift(clean, 3.0, 16000);
  const std::vector<float> slow = time_stretch(clean, 0.8);
  std::printf("pitch_shift: %zu -> %zu samples; time_stretch(0.8): %zu -> %zu samples\n", clean.size(), up.size(),
              clean.size(), slow.size());
  CHECK(up.size() == clean.size() && slow.size() == 20000);

  // SpecAugment on a (T, F) = (501, 64) log-mel: PANNs' widths, 2 stripes each, < 64 frames / < 8 bins.
  std::vector<float> logmel(501 * 64, -30.0f);
  const auto t_stripes = time_mask(logmel.data(), 501, 64, gen, 2, 64, MaskFill::Constant, -100.0f);
  const auto f_stripes = freq_mask(logmel.data(), 501, 64, gen, 2, 8, MaskFill::Constant, -100.0f);
  for (const auto& s : t_stripes) std::printf("time stripe at %lld, width %lld\n", (long long)s.start, (long long)s.width);
  for (const auto& s : f_stripes) std::printf("freq stripe at %lld, width %lld\n", (long long)s.start, (long long)s.width);
  for (const auto& s : t_stripes) CHECK(s.width < 64);
  for (const auto& s : f_stripes) CHECK(s.width < 8);

  // Mixup: rows and their targets mixed by the same λ ~ Beta(α, α).
  std::vector<float> x = {1, 1, 0, 0};        // (B=2, D=2)
  std::vector<float> y = {1, 0, 0, 1};        // (B=2, N=2) one-hot
  std::vector<int64_t> partner;
  const auto lambda = mixup(x.data(), 2, 2, y.data(), 2, gen, 1.0, &partner);
  // Row 0 is λ0 * row 0 + (1 - λ0) * row partner[0] (possibly itself), and so is its target.
  const float mate = partner[0] == 0 ? 1.0f : 0.0f;
  std::printf("mixup: λ0 = %.3f, partner %lld: row 0 = (%.3f, %.3f), target 0 = (%.3f, %.3f)\n", lambda[0],
              static_cast<long long>(partner[0]), x[0], x[1], y[0], y[1]);
  CHECK(std::fabs(x[0] - (lambda[0] + (1 - lambda[0]) * mate)) < 1e-6);
  CHECK(std::fabs(y[0] - (lambda[0] + (1 - lambda[0]) * mate)) < 1e-6);

  // The same by name, as apps take it from the command line.
  AugmentChain chain("gain(p=0.5,min_db=-6,max_db=6) noise(p=0.3) time_mask freq_mask", 16000);
  CHECK(chain.has_waveform() && chain.has_spectrogram());
  return 0;
}
