// load.cpp: decode -> mixdown -> resample -> fit; see load.hpp.
#include "audio/load.hpp"

#include <algorithm>
#include <cmath>

#include "audio/decode.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

std::vector<float> prepare_waveform(AudioBuffer audio, const std::string& what, const LoadOptions& options, Generator* gen) {
  // NaN or Inf samples (a float WAV can hold them) would turn every feature of the clip into NaN and
  // then the loss: refused here, naming the file and the first bad sample.
  for (size_t i = 0; i < audio.samples.size(); ++i)
    if (!std::isfinite(audio.samples[i]))
      fail<IoError>("load_audio: '", what, "' holds a non-finite sample (", audio.samples[i], " at frame ",
                    i / static_cast<size_t>(std::max(audio.channels, 1)), ", channel ", i % static_cast<size_t>(std::max(audio.channels, 1)),
                    "); audio samples must be finite");
  // Mono is moved, not copied: a long file's samples are held once.
  std::vector<float> mono = audio.channels == 1 ? std::move(audio.samples) : mixdown(audio, options.mixdown);
  audio.samples = {};
  if (options.sample_rate > 0 && options.sample_rate != audio.sample_rate) {
    const double out = static_cast<double>(mono.size()) * options.sample_rate / audio.sample_rate;
    if (out > static_cast<double>(options.max_length))
      fail<IoError>("load_audio: '", what, "': ", mono.size(), " samples at ", audio.sample_rate, " Hz would become ",
                    static_cast<long long>(out), " at ", options.sample_rate, " Hz, more than the ", options.max_length,
                    " samples audiograd reads (is the sample rate in the header right?)");
    mono = resample(mono, audio.sample_rate, options.sample_rate, options.quality);
  }
  if (options.clip)
    for (float& v : mono) v = std::clamp(v, -1.0f, 1.0f);
  if (static_cast<int64_t>(mono.size()) < options.min_length) {
    const int rate = options.sample_rate > 0 ? options.sample_rate : audio.sample_rate;
    fail<IoError>("load_audio: '", what, "' is too short: ", mono.size(), " samples at ", rate,
                  " Hz, at least ", options.min_length, " needed (one analysis window)");
  }
  if (options.length > 0) mono = fit_length(mono, options.length, options.fit, gen);
  return mono;
}

std::vector<float> load_audio(const std::string& path, const LoadOptions& options, Generator* gen) {
  // Cut to a length at a known rate: decode only that much, plus a margin far longer than the
  // resampler's filter, so the samples kept are those a whole-file decode would give.
  const bool head_only = options.length > 0 && options.fit == FitMode::Cut && options.sample_rate > 0;
  const double seconds = head_only ? static_cast<double>(options.length) / options.sample_rate + 0.5 : 0;
  return prepare_waveform(read_audio(path, seconds), path, options, gen);
}

std::vector<float> load_audio_bytes(const std::string& bytes, const std::string& what, const LoadOptions& options, Generator* gen) {
  return prepare_waveform(decode_audio(bytes, what, static_cast<size_t>(options.max_length)), what, options, gen);
}

}  // namespace ag::audio
