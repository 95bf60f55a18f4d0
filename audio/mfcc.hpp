// mfcc.hpp: mel-frequency cepstral coefficients, the DCT-II of a log-mel spectrogram.
//
// With orthonormal scaling (torchaudio.functional.create_dct(n_mfcc, n_mels, "ortho"), scipy
// dct(type=2, norm="ortho")):
//   c[t, i] = sum_m L[t, m] * D[m, i],   D[m, i] = s_i cos(pi / M * (m + 0.5) * i),
//   s_0 = sqrt(1 / M), s_i = sqrt(2 / M) for i > 0,   M = n_mels.
// D's columns are orthonormal, so the first n_mels coefficients keep all of the log-mel's energy.
#pragma once

#include <cstdint>
#include <vector>

namespace ag::audio {

// (n_mels, n_mfcc) DCT-II matrix, orthonormal columns. Needs 1 <= n_mfcc <= n_mels.
std::vector<double> dct_matrix(int n_mfcc, int n_mels);

// logmel: (T, n_mels) -> (T, n_mfcc).
std::vector<float> mfcc(const std::vector<float>& logmel, int64_t frames, int n_mels, int n_mfcc);

}  // namespace ag::audio
