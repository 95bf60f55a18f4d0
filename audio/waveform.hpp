// waveform.hpp: small operations on mono waveforms: channel mixdown and fitting to a length.
//
// Waveforms are plain std::vector<float> (L,) here; the front end (audio/frontend.hpp) turns them
// into tensors. Keeping these free of Tensor makes them cheap to call from the loader's worker
// threads and easy to test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/random.hpp"

namespace ag::audio {

struct AudioBuffer;

// How several channels become one.
//   Sum   l + r + ..., clipped to [-1, 1]: what the official ESC-50 WAVs were made with.
//   Mean  (l + r + ...) / C: keeps the level of a correlated stereo signal, never clips.
enum class Mixdown { Sum, Mean };

Mixdown parse_mixdown(const std::string& name);  // "sum" | "mean"

// (frames, channels) interleaved -> (frames,) mono.
std::vector<float> mixdown(const AudioBuffer& audio, Mixdown mode);
std::vector<float> mixdown(const std::vector<float>& interleaved, int channels, Mixdown mode);

// How a waveform is brought to exactly `length` samples.
//   Cut          keep the start (cut the end, or zero-pad the end when shorter): deterministic,
//                for evaluation and for ESC-50's official 5 s clips.
//   RandomCrop   a random window of `length` when longer (uniform start), else zero-pad the end;
//                for training.
//   Center       the middle `length` samples, or zero-pad both sides equally.
enum class FitMode { Cut, RandomCrop, Center };

FitMode parse_fit_mode(const std::string& name);  // "cut" | "random_crop" | "center"

// x: (L,) -> (length,). `gen` is needed for RandomCrop (ValueError if null).
std::vector<float> fit_length(const std::vector<float>& x, int64_t length, FitMode mode, Generator* gen = nullptr);

// Peak absolute value and root mean square (0 for an empty waveform).
float peak(const std::vector<float>& x);
double rms(const std::vector<float>& x);

}  // namespace ag::audio
