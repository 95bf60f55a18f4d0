// load.hpp: one call from a file on disk to the mono waveform a model's front end expects.
//
//   decode (libsndfile) -> mix down to mono -> resample (libsoxr) -> fit to a length
//
// For ESC-50 with the `erann` preset: LoadOptions{.sample_rate = 44100, .length = 220500}; the
// official WAVs were made exactly this way (sum mixdown, clipped), so reading the OGG release gives
// the official samples to within 1 LSB of 16 bit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audio/decode.hpp"
#include "audio/resample.hpp"
#include "audio/waveform.hpp"
#include "tensor/random.hpp"

namespace ag::audio {

struct LoadOptions {
  int sample_rate = 44100;      // target rate; 0 keeps the file's rate
  Mixdown mixdown = Mixdown::Sum;
  ResampleQuality quality = ResampleQuality::High;
  // Clamp the result to [-1, 1], as storing it in a 16-bit file would: resampling a clipped sum
  // can overshoot by a fraction of a percent (the official ESC-50 WAVs are clamped this way).
  bool clip = true;
  int64_t length = 0;           // samples at the target rate; 0 keeps the natural length
  FitMode fit = FitMode::Cut;
  // Clips (after resampling, before fitting) shorter than this many samples are an error: e.g. the
  // n_fft of the front end, since an STFT needs at least one window of real signal.
  int64_t min_length = 1;
  // The most samples a file may decode to, and a clip may have after resampling (2^31: 13.5 hours
  // of mono at 44.1 kHz); more is an IoError naming the file (a corrupt header, usually).
  int64_t max_length = int64_t{1} << 31;
};

// path -> (L,) mono float samples at options.sample_rate. `gen` is used for FitMode::RandomCrop.
// Throws IoError naming the file for missing/empty/truncated/undecodable files and for clips
// shorter than options.min_length.
std::vector<float> load_audio(const std::string& path, const LoadOptions& options = {}, Generator* gen = nullptr);
// Also refused with an IoError naming the file: a NaN or infinite sample (float WAVs can hold them).

// The same from the bytes of a file in memory; `what` names it in errors.
std::vector<float> load_audio_bytes(const std::string& bytes, const std::string& what, const LoadOptions& options = {},
                                    Generator* gen = nullptr);

// The steps after decoding (finite check, mixdown, resample, clip, length check, fit), shared by both.
std::vector<float> prepare_waveform(AudioBuffer audio, const std::string& what, const LoadOptions& options,
                                    Generator* gen = nullptr);

}  // namespace ag::audio
