// stft.hpp: short-time Fourier transform, power and magnitude spectrograms.
//
// Framing, as torch.stft / torchaudio.transforms.Spectrogram do it:
//   - with center = true the signal x (L,) is padded by floor(n_fft/2) on both sides (reflect:
//     mirror without repeating the edge sample, x[-1] = x[1]; or constant: zeros), so frame t is
//     centred on sample t * hop and there are T = 1 + floor((L + 2 floor(n_fft/2) - n_fft) / hop)
//     frames: 1 + floor(L / hop) for an even n_fft, 1 + floor((L - 1) / hop) for an odd one;
//   - with center = false, T = 1 + floor((L - n_fft) / hop);
//   - the window (win_length) is zero-padded on both sides to n_fft, centred;
//   - frame t is  f_t[j] = x_pad[t * hop + j] * w[j],  j = 0..n_fft-1,
//     X_t[k] = sum_j f_t[j] e^{-2 pi i j k / n_fft},  k = 0..n_fft/2  (n_bins = n_fft/2 + 1);
//   - power spectrum |X_t[k]|^2 (power = 2) or magnitude |X_t[k]| (power = 1), not normalised.
// Output layout is (T, n_bins): time-major, like the (T, F) log-mels the models read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audio/window.hpp"

namespace ag::audio {

enum class PadMode { Reflect, Constant };
PadMode parse_pad_mode(const std::string& name);  // "reflect" | "constant"
const char* pad_mode_name(PadMode p);

struct StftConfig {
  int n_fft = 1024;
  int win_length = 0;  // 0: n_fft
  int hop_length = 0;  // 0: win_length / 4
  WindowType window = WindowType::Hann;
  bool periodic = true;
  bool center = true;
  PadMode pad_mode = PadMode::Reflect;
  double power = 2.0;  // 2: |X|^2, 1: |X|

  int win() const { return win_length > 0 ? win_length : n_fft; }
  int hop() const { return hop_length > 0 ? hop_length : win() / 4; }
  int n_bins() const { return n_fft / 2 + 1; }
  // Throws ValueError for inconsistent settings (win > n_fft, hop <= 0, power not 1 or 2, ...).
  void validate(const char* op) const;
};

// Number of frames for a signal of `length` samples; throws ValueError when the
// signal is shorter than one window (see minimum_length).
int64_t stft_frames(int64_t length, const StftConfig& cfg);
// Shortest signal the configuration accepts: n_fft/2 + 1 with reflect padding (the mirror needs
// that many samples), 1 with constant padding, n_fft without centering.
int64_t stft_minimum_length(const StftConfig& cfg);

// The window of cfg zero-padded (centred) to n_fft: (n_fft,).
std::vector<float> padded_window(const StftConfig& cfg);

// x: (L,) -> the padded signal the frames are cut from: (L + 2 * (n_fft/2),) with center, else x.
std::vector<float> pad_signal(const float* x, int64_t length, const StftConfig& cfg);

// x: (L,) -> out: (T, n_bins) power or magnitude spectrogram; FFTW in double, stored as float.
// Frames are spread over OpenMP threads when `parallel` is true and the work is large enough.
void spectrogram(const float* x, int64_t length, const StftConfig& cfg, float* out, bool parallel = true);
std::vector<float> spectrogram(const std::vector<float>& x, const StftConfig& cfg, int64_t* n_frames = nullptr);

// The plain reference: same framing, an O(n_fft^2) DFT in double. (T, n_bins). For tests.
std::vector<double> spectrogram_reference(const std::vector<float>& x, const StftConfig& cfg);

}  // namespace ag::audio
