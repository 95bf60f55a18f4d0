// mfcc.cpp: see mfcc.hpp.
#include "audio/mfcc.hpp"

#include <cmath>

#include "tensor/error.hpp"

namespace ag::audio {

std::vector<double> dct_matrix(int n_mfcc, int n_mels) {
  if (n_mels < 1 || n_mfcc < 1 || n_mfcc > n_mels) {
    fail<ValueError>("dct_matrix: need 1 <= n_mfcc <= n_mels, got n_mfcc ", n_mfcc, ", n_mels ", n_mels);
  }
  const double pi = 3.14159265358979323846;
  std::vector<double> d(static_cast<size_t>(n_mels) * n_mfcc);
  for (int m = 0; m < n_mels; ++m)
    for (int i = 0; i < n_mfcc; ++i) {
      const double s = i == 0 ? std::sqrt(1.0 / n_mels) : std::sqrt(2.0 / n_mels);
      d[static_cast<size_t>(m) * n_mfcc + i] = s * std::cos(pi / n_mels * (m + 0.5) * i);
    }
  return d;
}

std::vector<float> mfcc(const std::vector<float>& logmel, int64_t frames, int n_mels, int n_mfcc) {
  if (static_cast<int64_t>(logmel.size()) != frames * n_mels) {
    fail<ValueError>("mfcc: log-mel has ", logmel.size(), " values, expected (", frames, ", ", n_mels, ")");
  }
  const std::vector<double> d = dct_matrix(n_mfcc, n_mels);
  std::vector<float> out(static_cast<size_t>(frames) * n_mfcc);
  for (int64_t t = 0; t < frames; ++t)
    for (int i = 0; i < n_mfcc; ++i) {
      double acc = 0;
      for (int m = 0; m < n_mels; ++m) acc += logmel[t * n_mels + m] * d[static_cast<size_t>(m) * n_mfcc + i];
      out[t * n_mfcc + i] = static_cast<float>(acc);
    }
  return out;
}

}  // namespace ag::audio
