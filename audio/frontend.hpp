// frontend.hpp: waveform -> log-mel spectrogram, the input of every model in this project.
//
//   x (L,) --STFT (FFTW)--> |X|^2 (T, n_fft/2+1) --mel filterbank--> (T, n_mels) --dB--> (T, n_mels)
//
// `FrontendConfig` holds every parameter; the presets are those of the two model families
// (docs/05_audio.md §5.5): `erann` after ERANN (Verbitskiy, Berikov & Vyshegorodtsev, "ERANNs:
// Efficient residual audio neural networks for audio pattern recognition", 2022, whose 1380-sample
// window we also take as n_fft), `panns` after PANNs (Kong et al., "PANNs: Large-scale pretrained
// audio neural networks for audio pattern recognition", 2020):
//   erann: 44.1 kHz, n_fft = win = 1380, hop 345, 128 mels, 50-14000 Hz  -> 640 frames for 5 s
//   panns: 32 kHz,   n_fft = win = 1024, hop 320,  64 mels, 50-14000 Hz  -> 501 frames for 5 s
//   (and `survey`, the seed pipeline's, for `--model blocks`: see FrontendConfig::survey below)
// both: periodic Hann, center with reflect padding, power 2, Slaney mel scale and norm,
// 10 log10(max(P, 1e-10)), ref 1, no top_db. This equals torchaudio's MelSpectrogram(...) followed
// by AmplitudeToDB("power", top_db=None), transposed to (T, F) (tests/audio checks it on real clips).
//
// `LogMel` precomputes the window and a sparse filterbank once and then runs one fused loop over
// blocks of 8 frames on per-thread buffers, in double precision (see audio/fft.hpp for why): each
// frame is windowed straight from the clip (only frames that reach past an edge are padded, so
// the clip is never copied) and gets the power of only the bins a mel filter uses
// (RealFft::power); the block's spectra, stored frame-minor, then go through the mel filterbank
// and the log eight frames per vector. Only top_db, which needs the clip's maximum, is a second
// pass. Nothing as large as the (T, n_bins) spectrogram is ever written to memory. `reference()`
// is the plain path (O(n^2) DFT, dense mel matrix) the tests compare it with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audio/mel.hpp"
#include "audio/stft.hpp"
#include "tensor/tensor.hpp"

namespace ag::audio {

enum class LogScale { None, Db, Log, Log10p1 };  // power, 10 log10 (dB), ln(x + eps), log10(x + 1)
LogScale parse_log_scale(const std::string& name);  // "none" | "db" | "log" | "log10p1"
const char* log_scale_name(LogScale s);

struct FrontendConfig {
  int sample_rate = 44100;
  int n_fft = 1380;
  int win_length = 1380;
  int hop_length = 345;
  WindowType window = WindowType::Hann;
  bool periodic_window = true;
  bool center = true;
  PadMode pad_mode = PadMode::Reflect;
  double power = 2.0;
  int n_mels = 128;
  double f_min = 50.0;
  double f_max = 14000.0;
  MelScale mel_scale = MelScale::Slaney;
  MelNorm mel_norm = MelNorm::Slaney;
  LogScale log = LogScale::Db;
  double amin = 1e-10;   // dB floor (power)
  double ref = 1.0;      // dB reference
  double top_db = 0.0;   // > 0: clamp at max - top_db per clip
  double log_eps = 1e-6; // for LogScale::Log

  static FrontendConfig erann();
  static FrontendConfig panns();
  // The seed pipeline's (fabuloudy/audio_survey, config.yaml mel_spectrogram and utils/datasets.py):
  // torchaudio's MelSpectrogram at 30 kHz, n_fft = win = 930 (31 ms), hop 240 (8 ms), 128 HTK mels
  // without norm, 30 Hz to 15 kHz (the seed asks for 16 kHz, above Nyquist: torchaudio then lays
  // its top filters partly past the last bin; we stop at Nyquist), then log10(x + 1).
  static FrontendConfig survey();
  // "erann" | "panns" | "survey"; ValueError for anything else.
  static FrontendConfig preset(const std::string& name);

  StftConfig stft() const;
  void validate() const;
  // Every field as canonical text, "sample_rate=44100;n_fft=1380;...". Two configs give the same
  // features iff their keys are equal, which is what the feature cache keys on.
  std::string key() const;
  // Frames for a clip of `length` samples (ValueError when shorter than one window).
  int64_t num_frames(int64_t length) const;
};

class LogMel {
 public:
  explicit LogMel(const FrontendConfig& config = FrontendConfig::erann());

  const FrontendConfig& config() const { return config_; }
  int n_mels() const { return config_.n_mels; }
  int64_t num_frames(int64_t length) const { return config_.num_frames(length); }

  // x: (L,) -> out: (T, n_mels), T = num_frames(L). Frames spread over OpenMP threads when
  // `parallel` (set it false when the caller already runs one clip per thread).
  void compute(const float* x, int64_t length, float* out, bool parallel = true) const;
  std::vector<float> compute(const std::vector<float>& x, bool parallel = true) const;

  // Tensor boundary. (L,) -> (T, F); (B, L) -> (B, T, F). float32 or float64 input.
  Tensor operator()(const Tensor& wave) const;
  Tensor operator()(const std::vector<float>& wave) const;
  // B equal-length clips -> (B, T, F); clips run in parallel (one per thread).
  Tensor batch(const std::vector<std::vector<float>>& waves) const;

  // Plain path in double: spectrogram_reference -> dense mel matrix -> dB. (T, n_mels).
  std::vector<double> reference(const std::vector<float>& x) const;

 private:
  FrontendConfig config_;
  StftConfig stft_;
  std::vector<float> window_;  // (n_fft,) zero-padded window (float, as torch's; products are taken in double)
  MelFilterbank mel_;
};

}  // namespace ag::audio
