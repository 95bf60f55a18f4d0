// docs/examples/ch5_stft.cpp
// Framing: how many frames, which bin a tone lands in, and what the window does.
#include <cmath>
#include <cstdio>

#include "audio/fft.hpp"
#include "audio/stft.hpp"
#include "check.hpp"

using namespace ag::audio;

constexpr double kPi = 3.14159265358979323846;

int main() {
  // ERANN's analysis: n_fft = win = 1380 samples (31 ms), hop 345 (7.8 ms), centred frames.
  StftConfig cfg;
  cfg.n_fft = 1380;
  cfg.hop_length = 345;
  CHECK(stft_frames(220500, cfg) == 640);  // 1 + floor(L / hop) for 5 s at 44.1 kHz (even n_fft)

  // A 1 kHz tone: bin spacing is 44100 / 1380 = 31.96 Hz, so its energy peaks at bin 31.
  std::vector<float> x(44100);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(2 * kPi * 1000.0 * i / 44100);
  int64_t frames = 0;
  std::vector<float> power = spectrogram(x, cfg, &frames);  // (T, 691)
  const float* row = power.data() + 64 * cfg.n_bins();       // a frame in the middle
  int peak = 0;
  for (int k = 1; k < cfg.n_bins(); ++k)
    if (row[k] > row[peak]) peak = k;
  std::printf("%lld frames, peak at bin %d = %.1f Hz\n", static_cast<long long>(frames), peak, peak * 44100.0 / 1380);
  CHECK(peak == 31);

  // Leakage: far from the tone, the Hann window keeps the spectrum > 100 dB down; a rectangular
  // window (no taper) leaks the edges' discontinuity across the whole band.
  StftConfig rect = cfg;
  rect.window = WindowType::Rectangular;
  std::vector<float> leaky = spectrogram(x, rect);
  const double hann_db = 10 * std::log10(row[300] / row[31]);
  const double rect_db = 10 * std::log10(leaky[64 * cfg.n_bins() + 300] / leaky[64 * cfg.n_bins() + 31]);
  std::printf("bin 300 relative to the peak: Hann %.0f dB, rectangular %.0f dB\n", hann_db, rect_db);
  CHECK(hann_db < -100 && rect_db > -80);

  // Underneath: one shared FFTW plan per size, run on SIMD-aligned buffers. power() gives |X[k]|^2
  // of one windowed frame, here of frame 64 (centred: it starts 690 samples before sample 64 * 345).
  const RealFft& fft = RealFft::get(1380);
  const std::vector<float> window = padded_window(cfg);
  FftBuffer frame(1380);
  for (int j = 0; j < 1380; ++j) frame.data()[j] = static_cast<double>(x[64 * 345 - 690 + j]) * window[j];
  std::vector<double> bins(cfg.n_bins());
  fft.power(frame.data(), bins.data(), cfg.n_bins());
  CHECK(std::fabs(bins[31] - row[31]) < 1e-6 * row[31]);  // the same number spectrogram() gave
  return 0;
}
