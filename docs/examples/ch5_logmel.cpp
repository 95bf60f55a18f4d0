// docs/examples/ch5_logmel.cpp
// The mel filterbank, dB, and the two presets.
#include <cmath>
#include <cstdio>

#include "audio/frontend.hpp"
#include "audio/mel.hpp"
#include "check.hpp"

using namespace ag::audio;

constexpr double kPi = 3.14159265358979323846;

int main() {
  // Slaney's scale is linear to 1 kHz (15 mels) and logarithmic above (27 mels per factor 6.4).
  CHECK(std::fabs(hz_to_mel(1000, MelScale::Slaney) - 15.0) < 1e-12);
  CHECK(std::fabs(hz_to_mel(6400, MelScale::Slaney) - 42.0) < 1e-9);

  // ERANN's filterbank: 128 triangles between 50 Hz and 14 kHz over 691 FFT bins.
  const auto fb = mel_filterbank(691, 50, 14000, 128, 44100);  // (n_freqs, n_mels)
  for (int m : {0, 64, 127}) {
    int first = -1, last = -1;
    for (int k = 0; k < 691; ++k)
      if (fb[k * 128 + m] > 0) last = k, first = first < 0 ? k : first;
    std::printf("mel %3d covers bins %3d-%3d (%.0f-%.0f Hz)\n", m, first, last, first * 31.96, last * 31.96);
  }
  // Nothing above 14 kHz is ever weighted, so the front end computes the power of 439 bins, not 691.
  MelFilterbank sparse(691, 50, 14000, 128, 44100, MelNorm::Slaney, MelScale::Slaney);
  std::printf("bins any filter uses: %d of 691\n", sparse.used_bins());
  CHECK(sparse.used_bins() == 439);

  // The front end: waveform (L,) -> log-mel (T, F) in dB.
  LogMel erann(FrontendConfig::erann());
  std::vector<float> x(220500);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * std::sin(2 * kPi * 440.0 * i / 44100);
  ag::Tensor s = erann(x);
  std::printf("erann log-mel %s\n", ag::shape_str(s.shape()).c_str());
  CHECK(s.shape() == ag::Shape({640, 128}));

  // Every parameter is a field: e.g. natural log instead of dB, HTK mels, 40 bands.
  FrontendConfig speech = FrontendConfig::panns();
  speech.sample_rate = 16000;
  speech.n_fft = 512;
  speech.win_length = 400;
  speech.hop_length = 160;
  speech.n_mels = 40;
  speech.f_max = 8000;
  speech.mel_scale = MelScale::Htk;
  speech.log = LogScale::Log;
  CHECK(LogMel(speech)(std::vector<float>(16000, 0.0f)).shape() == ag::Shape({101, 40}));
  return 0;
}
