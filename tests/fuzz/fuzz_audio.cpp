// fuzz_audio: the audio path after libsndfile, from memory: decode (sf_open_virtual) -> finite
// check -> mixdown -> resample -> clip -> fit length -> log-mel, as the loader and `audiograd
// predict` / `features` run it (ag::audio::load_audio_bytes, then LogMel). The first input byte
// picks the settings (target rate, fit mode, clip length), so both presets and natural lengths
// are exercised; memory is bounded by LoadOptions::max_length.
#include "audio/frontend.hpp"
#include "audio/load.hpp"
#include "fuzz.hpp"

AG_FUZZ_TARGET({
  if (input.empty()) return 0;
  const unsigned char knobs = static_cast<unsigned char>(input[0]);
  const std::string file = input.substr(1);
  const ag::audio::FrontendConfig fc = (knobs & 1) ? ag::audio::FrontendConfig::panns() : ag::audio::FrontendConfig::erann();
  ag::audio::LoadOptions lo;
  lo.sample_rate = (knobs & 2) ? 0 : fc.sample_rate;  // 0: the file's own rate
  lo.quality = ag::audio::ResampleQuality::Quick;
  lo.min_length = fc.n_fft;
  lo.max_length = int64_t{1} << 18;  // 262 k samples (6 s at 44.1 kHz) per input: bounded memory and time
  lo.fit = (knobs & 4) ? ag::audio::FitMode::Center : ag::audio::FitMode::Cut;
  lo.length = (knobs & 8) ? 0 : int64_t{fc.sample_rate} / 4;  // natural length, or 0.25 s
  ag::Generator gen(knobs);
  if (knobs & 16) lo.fit = ag::audio::FitMode::RandomCrop;
  std::vector<float> wave = ag::audio::load_audio_bytes(file, "fuzz.audio", lo, &gen);
  ag::audio::LogMel lm(fc);
  std::vector<float> mel = lm.compute(wave, /*parallel=*/false);
  if (mel.size() != static_cast<size_t>(lm.num_frames(static_cast<int64_t>(wave.size())) * lm.n_mels())) __builtin_trap();
})
