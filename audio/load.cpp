// load.cpp: decode -> mixdown -> resample -> fit; see load.hpp.
#include "audio/load.hpp"

#include <algorithm>

#include "audio/decode.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

std::vector<float> load_audio(const std::string& path, const LoadOptions& options, Generator* gen) {
  AudioBuffer audio = read_audio(path);
  std::vector<float> mono = mixdown(audio, options.mixdown);
  if (options.sample_rate > 0 && options.sample_rate != audio.sample_rate) {
    mono = resample(mono, audio.sample_rate, options.sample_rate, options.quality);
  }
  if (options.clip)
    for (float& v : mono) v = std::clamp(v, -1.0f, 1.0f);
  if (static_cast<int64_t>(mono.size()) < options.min_length) {
    const int rate = options.sample_rate > 0 ? options.sample_rate : audio.sample_rate;
    fail<IoError>("load_audio: '", path, "' is too short: ", mono.size(), " samples at ", rate,
                  " Hz, at least ", options.min_length, " needed (one analysis window)");
  }
  if (options.length > 0) mono = fit_length(mono, options.length, options.fit, gen);
  return mono;
}

}  // namespace ag::audio
