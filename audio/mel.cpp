// mel.cpp: see mel.hpp. Formulas follow torchaudio 0.13 functional/functional.py (_hz_to_mel,
// _mel_to_hz, _create_triangular_filterbank, melscale_fbanks), in double precision.
#include "audio/mel.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/error.hpp"

namespace ag::audio {

MelScale parse_mel_scale(const std::string& name) {
  if (name == "slaney") return MelScale::Slaney;
  if (name == "htk") return MelScale::Htk;
  fail<ValueError>("mel: unknown mel_scale '", name, "', expected 'slaney' or 'htk'");
}
MelNorm parse_mel_norm(const std::string& name) {
  if (name == "slaney") return MelNorm::Slaney;
  if (name == "none") return MelNorm::None;
  fail<ValueError>("mel: unknown norm '", name, "', expected 'slaney' or 'none'");
}
const char* mel_scale_name(MelScale s) { return s == MelScale::Slaney ? "slaney" : "htk"; }
const char* mel_norm_name(MelNorm n) { return n == MelNorm::Slaney ? "slaney" : "none"; }

namespace {
constexpr double kSlaneyFSp = 200.0 / 3.0;            // Hz per mel below 1 kHz
constexpr double kSlaneyMinLogHz = 1000.0;            // where the log part begins
constexpr double kSlaneyMinLogMel = 1000.0 / kSlaneyFSp;  // = 15
const double kSlaneyLogStep = std::log(6.4) / 27.0;   // mels per ln(Hz) above 1 kHz
}  // namespace

double hz_to_mel(double hz, MelScale scale) {
  if (scale == MelScale::Htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz >= kSlaneyMinLogHz) return kSlaneyMinLogMel + std::log(hz / kSlaneyMinLogHz) / kSlaneyLogStep;
  return hz / kSlaneyFSp;
}

double mel_to_hz(double mel, MelScale scale) {
  if (scale == MelScale::Htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel >= kSlaneyMinLogMel) return kSlaneyMinLogHz * std::exp(kSlaneyLogStep * (mel - kSlaneyMinLogMel));
  return kSlaneyFSp * mel;
}

std::vector<double> mel_filterbank(int n_freqs, double f_min, double f_max, int n_mels, int sample_rate,
                                   MelNorm norm, MelScale scale) {
  if (n_freqs < 2 || n_mels < 1 || sample_rate <= 0) {
    fail<ValueError>("mel_filterbank: need n_freqs >= 2, n_mels >= 1, sample_rate > 0; got ", n_freqs, ", ", n_mels,
                     ", ", sample_rate);
  }
  if (!(f_min >= 0) || !(f_max > f_min)) {
    fail<ValueError>("mel_filterbank: need 0 <= f_min < f_max, got f_min ", f_min, ", f_max ", f_max);
  }
  const double nyquist = static_cast<double>(sample_rate / 2);  // integer division, as torchaudio
  if (f_max > nyquist) {
    fail<ValueError>("mel_filterbank: f_max ", f_max, " Hz is above the Nyquist frequency ", nyquist, " Hz of ",
                     sample_rate, " Hz audio");
  }
  // Corner frequencies: n_mels + 2 points equally spaced in mel.
  const double m_min = hz_to_mel(f_min, scale), m_max = hz_to_mel(f_max, scale);
  std::vector<double> f_pts(n_mels + 2);
  for (int i = 0; i < n_mels + 2; ++i) f_pts[i] = mel_to_hz(m_min + (m_max - m_min) * i / (n_mels + 1), scale);
  std::vector<double> fb(static_cast<size_t>(n_freqs) * n_mels, 0.0);
  for (int k = 0; k < n_freqs; ++k) {
    const double f = nyquist * k / (n_freqs - 1);
    for (int m = 0; m < n_mels; ++m) {
      const double down = (f - f_pts[m]) / (f_pts[m + 1] - f_pts[m]);      // rising edge
      const double up = (f_pts[m + 2] - f) / (f_pts[m + 2] - f_pts[m + 1]);  // falling edge
      double w = std::max(0.0, std::min(down, up));
      if (norm == MelNorm::Slaney) w *= 2.0 / (f_pts[m + 2] - f_pts[m]);
      fb[static_cast<size_t>(k) * n_mels + m] = w;
    }
  }
  return fb;
}

MelFilterbank::MelFilterbank(int n_freqs, double f_min, double f_max, int n_mels, int sample_rate, MelNorm norm,
                             MelScale scale)
    : n_freqs_(n_freqs), n_mels_(n_mels), dense_(mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate, norm, scale)) {
  start_.resize(n_mels);
  offset_.resize(n_mels + 1);
  offset_[0] = 0;
  for (int m = 0; m < n_mels; ++m) {
    int first = n_freqs, last = -1;
    for (int k = 0; k < n_freqs; ++k) {
      if (dense_[static_cast<size_t>(k) * n_mels + m] != 0.0) {
        first = std::min(first, k);
        last = k;
      }
    }
    if (last < 0) first = last = 0;  // an empty filter (more mels than bins): one zero weight
    start_[m] = first;
    for (int k = first; k <= last; ++k) weights_.push_back(dense_[static_cast<size_t>(k) * n_mels + m]);
    offset_[m + 1] = static_cast<int>(weights_.size());
    used_bins_ = std::max(used_bins_, last + 1);
  }
}

void MelFilterbank::apply(const double* spec, double* mel) const {
  for (int m = 0; m < n_mels_; ++m) {
    const double* w = weights_.data() + offset_[m];
    const double* s = spec + start_[m];
    const int n = offset_[m + 1] - offset_[m];
    double acc = 0;
    for (int i = 0; i < n; ++i) acc += w[i] * s[i];
    mel[m] = acc;
  }
}

void MelFilterbank::apply(const float* spec, float* mel) const {
  for (int m = 0; m < n_mels_; ++m) {
    const double* w = weights_.data() + offset_[m];
    const float* s = spec + start_[m];
    const int n = offset_[m + 1] - offset_[m];
    double acc = 0;
    for (int i = 0; i < n; ++i) acc += w[i] * s[i];
    mel[m] = static_cast<float>(acc);
  }
}

void MelFilterbank::apply_block(const double* spec, double* mel) const {
  typedef double vd __attribute__((vector_size(8 * kBlock)));  // kBlock doubles (GCC/Clang)
  for (int m = 0; m < n_mels_; ++m) {
    const double* w = weights_.data() + offset_[m];
    const double* s = spec + static_cast<size_t>(start_[m]) * kBlock;
    const int n = offset_[m + 1] - offset_[m];
    vd acc = {};
    for (int i = 0; i < n; ++i) {
      vd x;
      std::memcpy(&x, s + static_cast<size_t>(i) * kBlock, sizeof(x));
      acc += w[i] * x;
    }
    std::memcpy(mel + static_cast<size_t>(m) * kBlock, &acc, sizeof(acc));
  }
}

std::vector<double> apply_mel_reference(const std::vector<double>& spec, int64_t frames, const std::vector<double>& fb,
                                        int n_freqs, int n_mels) {
  std::vector<double> out(static_cast<size_t>(frames) * n_mels, 0.0);
  for (int64_t t = 0; t < frames; ++t)
    for (int k = 0; k < n_freqs; ++k)
      for (int m = 0; m < n_mels; ++m) out[t * n_mels + m] += spec[t * n_freqs + k] * fb[static_cast<size_t>(k) * n_mels + m];
  return out;
}

}  // namespace ag::audio
