// stft.cpp: see stft.hpp.
#include "audio/stft.hpp"

#include <omp.h>

#include <cmath>

#include "audio/fft.hpp"
#include "tensor/error.hpp"
#include "tensor/parallel.hpp"

namespace ag::audio {

PadMode parse_pad_mode(const std::string& name) {
  if (name == "reflect") return PadMode::Reflect;
  if (name == "constant") return PadMode::Constant;
  fail<ValueError>("stft: unknown pad_mode '", name, "', expected 'reflect' or 'constant'");
}

const char* pad_mode_name(PadMode p) { return p == PadMode::Reflect ? "reflect" : "constant"; }

void StftConfig::validate(const char* op) const {
  if (n_fft < 2) fail<ValueError>(op, ": n_fft must be >= 2, got ", n_fft);
  if (win() > n_fft) fail<ValueError>(op, ": win_length ", win(), " is larger than n_fft ", n_fft);
  if (hop() <= 0) fail<ValueError>(op, ": hop_length must be positive, got ", hop());
  if (power != 1.0 && power != 2.0) {
    fail<ValueError>(op, ": power must be 1 (magnitude) or 2 (power), got ", power);
  }
}

int64_t stft_minimum_length(const StftConfig& cfg) {
  if (!cfg.center) return cfg.n_fft;
  return cfg.pad_mode == PadMode::Reflect ? cfg.n_fft / 2 + 1 : 1;
}

int64_t stft_frames(int64_t length, const StftConfig& cfg) {
  cfg.validate("stft");
  if (length < stft_minimum_length(cfg)) {
    fail<ValueError>("stft: signal of ", length, " samples is shorter than one window: need at least ",
                     stft_minimum_length(cfg), " for n_fft ", cfg.n_fft,
                     cfg.center ? (cfg.pad_mode == PadMode::Reflect ? " with reflect padding" : "") : " without center");
  }
  // As torch.stft: n_fft/2 (rounded down) of padding on each side, then every whole window. For an
  // odd n_fft that is 1 + (length - 1) / hop, one frame fewer than 1 + length / hop when hop
  // divides the length.
  if (cfg.center) return 1 + (length + 2 * (cfg.n_fft / 2) - cfg.n_fft) / cfg.hop();
  return 1 + (length - cfg.n_fft) / cfg.hop();
}

std::vector<float> padded_window(const StftConfig& cfg) {
  std::vector<float> w = make_window(cfg.window, cfg.win(), cfg.periodic);
  std::vector<float> full(static_cast<size_t>(cfg.n_fft), 0.0f);
  const int left = (cfg.n_fft - cfg.win()) / 2;  // torch.stft centres a shorter window
  std::copy(w.begin(), w.end(), full.begin() + left);
  return full;
}

std::vector<float> pad_signal(const float* x, int64_t length, const StftConfig& cfg) {
  if (!cfg.center) return std::vector<float>(x, x + length);
  const int64_t pad = cfg.n_fft / 2;
  std::vector<float> out(static_cast<size_t>(length + 2 * pad), 0.0f);
  std::copy(x, x + length, out.begin() + pad);
  if (cfg.pad_mode == PadMode::Reflect) {
    // x[-i] = x[i] and x[L-1+i] = x[L-1-i]: the edge sample is not repeated (numpy "reflect").
    for (int64_t i = 1; i <= pad; ++i) {
      out[pad - i] = x[i];
      out[pad + length - 1 + i] = x[length - 1 - i];
    }
  }
  return out;
}

void spectrogram(const float* x, int64_t length, const StftConfig& cfg, float* out, bool parallel) {
  const int64_t frames = stft_frames(length, cfg);
  const std::vector<float> xp = pad_signal(x, length, cfg);
  const std::vector<float> window = padded_window(cfg);
  const RealFft& fft = RealFft::get(cfg.n_fft);
  const int n_fft = cfg.n_fft, n_bins = cfg.n_bins(), hop = cfg.hop();
  const bool magnitude = cfg.power == 1.0;
  // Frames are independent, so threads split them; each thread owns its FFT buffers. Worth it only
  // for long signals (forking a team costs ~1 us; an n_fft = 1024 frame costs ~3 us).
  const bool use_threads = parallel && frames * n_fft >= kParallelGrain;
#pragma omp parallel if (use_threads)
  {
    FftBuffer frame(static_cast<size_t>(n_fft));
    std::vector<double> power(static_cast<size_t>(n_bins));
#pragma omp for schedule(static)
    for (int64_t t = 0; t < frames; ++t) {
      const float* src = xp.data() + t * hop;
      double* f = frame.data();
      for (int j = 0; j < n_fft; ++j) f[j] = static_cast<double>(src[j]) * window[j];
      fft.power(f, power.data(), n_bins);
      float* row = out + t * n_bins;  // (T, n_bins) row t
      for (int k = 0; k < n_bins; ++k) row[k] = static_cast<float>(magnitude ? std::sqrt(power[k]) : power[k]);
    }
  }
}

std::vector<float> spectrogram(const std::vector<float>& x, const StftConfig& cfg, int64_t* n_frames) {
  const int64_t frames = stft_frames(static_cast<int64_t>(x.size()), cfg);
  std::vector<float> out(static_cast<size_t>(frames * cfg.n_bins()));
  spectrogram(x.data(), static_cast<int64_t>(x.size()), cfg, out.data());
  if (n_frames) *n_frames = frames;
  return out;
}

std::vector<double> spectrogram_reference(const std::vector<float>& x, const StftConfig& cfg) {
  const int64_t frames = stft_frames(static_cast<int64_t>(x.size()), cfg);
  const std::vector<float> xp = pad_signal(x.data(), static_cast<int64_t>(x.size()), cfg);
  const std::vector<float> window = padded_window(cfg);
  const int n_bins = cfg.n_bins();
  std::vector<double> out(static_cast<size_t>(frames * n_bins));
  std::vector<double> frame(static_cast<size_t>(cfg.n_fft));
  for (int64_t t = 0; t < frames; ++t) {
    for (int j = 0; j < cfg.n_fft; ++j) frame[j] = static_cast<double>(xp[t * cfg.hop() + j]) * window[j];
    const auto spec = dft_reference(frame);
    for (int k = 0; k < n_bins; ++k) {
      const double p = std::norm(spec[k]);
      out[t * n_bins + k] = cfg.power == 1.0 ? std::sqrt(p) : p;
    }
  }
  return out;
}

}  // namespace ag::audio
