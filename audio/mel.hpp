// mel.hpp: the mel scale and the triangular mel filterbank.
//
// Two mel scales:
//   HTK     m = 2595 log10(1 + f / 700)
//   Slaney  linear below 1 kHz, m = 3 f / 200; logarithmic above, m = 15 + ln(f / 1000) / (ln 6.4 / 27)
//           (Auditory Toolbox; librosa's default, torchaudio mel_scale="slaney")
// n_mels triangles have their corners at n_mels + 2 points equally spaced in mel between f_min and
// f_max; filter m rises from corner m to m+1 and falls to m+2. With Slaney normalisation each
// triangle is scaled by 2 / (f_{m+2} - f_m), so every filter has the same area (constant energy per
// mel band for white noise) instead of the same peak.
//
// `mel_filterbank` returns the (n_freqs, n_mels) matrix exactly as torchaudio.functional.
// melscale_fbanks does (bin k at frequency k * (sample_rate // 2) / (n_freqs - 1)), computed in
// double. `MelFilterbank` stores only each filter's non-zero span, so applying it to a power
// spectrum costs ~2 n_freqs multiply-adds per frame instead of n_freqs * n_mels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ag::audio {

enum class MelScale { Slaney, Htk };
enum class MelNorm { None, Slaney };
MelScale parse_mel_scale(const std::string& name);  // "slaney" | "htk"
MelNorm parse_mel_norm(const std::string& name);    // "slaney" | "none"
const char* mel_scale_name(MelScale s);
const char* mel_norm_name(MelNorm n);

double hz_to_mel(double hz, MelScale scale);
double mel_to_hz(double mel, MelScale scale);

// (n_freqs, n_mels), row-major, like torchaudio.functional.melscale_fbanks.
std::vector<double> mel_filterbank(int n_freqs, double f_min, double f_max, int n_mels, int sample_rate,
                                   MelNorm norm = MelNorm::Slaney, MelScale scale = MelScale::Slaney);

// The same filterbank in sparse form, for the front end's fast path.
class MelFilterbank {
 public:
  MelFilterbank() = default;
  MelFilterbank(int n_freqs, double f_min, double f_max, int n_mels, int sample_rate, MelNorm norm, MelScale scale);
  int n_freqs() const { return n_freqs_; }
  int n_mels() const { return n_mels_; }
  // apply() reads only bins [0, used_bins()): the rest have zero weight in every filter
  // (ERANN's f_max = 14 kHz: 439 of 691), so a caller need not compute them.
  int used_bins() const { return used_bins_; }
  // spec: (n_freqs,) power spectrum of one frame -> mel: (n_mels,)
  void apply(const float* spec, float* mel) const;
  void apply(const double* spec, double* mel) const;
  // The same for kBlock frames at once, frame-minor: spec[k * kBlock + f] for k < used_bins() ->
  // mel[m * kBlock + f]. Each filter tap is one multiply-add on a whole vector of frames.
  static constexpr int kBlock = 8;
  void apply_block(const double* spec, double* mel) const;
  // The dense (n_freqs, n_mels) matrix it was built from (float64).
  const std::vector<double>& dense() const { return dense_; }

 private:
  int n_freqs_ = 0, n_mels_ = 0, used_bins_ = 0;
  std::vector<double> dense_;    // (n_freqs, n_mels)
  std::vector<int> start_;       // (n_mels,) first non-zero bin of filter m
  std::vector<int> offset_;      // (n_mels + 1,) where filter m's weights begin in weights_
  std::vector<double> weights_;  // concatenated non-zero spans
};

// Plain reference: spec (T, n_freqs) x fb (n_freqs, n_mels) -> (T, n_mels) in double.
std::vector<double> apply_mel_reference(const std::vector<double>& spec, int64_t frames, const std::vector<double>& fb,
                                        int n_freqs, int n_mels);

}  // namespace ag::audio
