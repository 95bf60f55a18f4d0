// waveform.cpp: mixdown and fit_length; see waveform.hpp.
#include "audio/waveform.hpp"

#include <algorithm>
#include <cmath>

#include "audio/decode.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

Mixdown parse_mixdown(const std::string& name) {
  if (name == "sum") return Mixdown::Sum;
  if (name == "mean") return Mixdown::Mean;
  fail<ValueError>("mixdown: unknown mode '", name, "', expected 'sum' or 'mean'");
}

std::vector<float> mixdown(const std::vector<float>& interleaved, int channels, Mixdown mode) {
  if (channels <= 0 || interleaved.size() % channels != 0) {
    fail<ValueError>("mixdown: ", interleaved.size(), " samples is not a whole number of ", channels,
                     "-channel frames");
  }
  if (channels == 1) return interleaved;
  const size_t frames = interleaved.size() / channels;
  std::vector<float> out(frames);
  const float scale = mode == Mixdown::Mean ? 1.0f / channels : 1.0f;
  for (size_t f = 0; f < frames; ++f) {
    float acc = 0;
    for (int c = 0; c < channels; ++c) acc += interleaved[f * channels + c];
    acc *= scale;
    if (mode == Mixdown::Sum) acc = std::clamp(acc, -1.0f, 1.0f);
    out[f] = acc;
  }
  return out;
}

std::vector<float> mixdown(const AudioBuffer& audio, Mixdown mode) {
  return mixdown(audio.samples, audio.channels, mode);
}

FitMode parse_fit_mode(const std::string& name) {
  if (name == "cut") return FitMode::Cut;
  if (name == "random_crop") return FitMode::RandomCrop;
  if (name == "center") return FitMode::Center;
  fail<ValueError>("fit_length: unknown mode '", name, "', expected 'cut', 'random_crop' or 'center'");
}

std::vector<float> fit_length(const std::vector<float>& x, int64_t length, FitMode mode, Generator* gen) {
  if (length <= 0) fail<ValueError>("fit_length: length must be positive, got ", length);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> out(static_cast<size_t>(length), 0.0f);
  if (mode == FitMode::RandomCrop && gen == nullptr) {
    fail<ValueError>("fit_length: random_crop needs a Generator (pass &gen)");
  }
  if (n >= length) {
    int64_t start = 0;
    if (mode == FitMode::RandomCrop) start = gen->randint(0, n - length + 1);
    if (mode == FitMode::Center) start = (n - length) / 2;
    std::copy(x.begin() + start, x.begin() + start + length, out.begin());
  } else {
    const int64_t left = mode == FitMode::Center ? (length - n) / 2 : 0;
    std::copy(x.begin(), x.end(), out.begin() + left);
  }
  return out;
}

float peak(const std::vector<float>& x) {
  float p = 0;
  for (float v : x) p = std::max(p, std::fabs(v));
  return p;
}

double rms(const std::vector<float>& x) {
  if (x.empty()) return 0.0;
  double s = 0;
  for (float v : x) s += static_cast<double>(v) * v;
  return std::sqrt(s / static_cast<double>(x.size()));
}

}  // namespace ag::audio
