// docs/examples/ch17_events.cpp
// A recording of any length, a block at a time, into events: a 12 s file with a tone from 4 s to
// 8 s, streamed and resampled (44.1 -> 32 kHz), scored per 0.5 s step by a toy "detector" (the
// step's RMS level), and turned into events by the same EventDetector `audiograd tag` uses.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "audio/audio.hpp"
#include "check.hpp"

using namespace ag;

int main() {
  const std::string path = (std::filesystem::temp_directory_path() / "ch17_tone.wav").string();
  std::vector<float> x(12 * 44100);
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = i / 44100.0;
    x[i] = (t >= 4 && t < 8) ? static_cast<float>(0.5 * std::sin(2 * M_PI * 1000 * t)) : 0.0f;
  }
  audio::write_wav(path, x, 1, 44100);

  audio::StreamOptions so;
  so.sample_rate = 32000;
  audio::MonoStream stream(audio::file_source(path), so);  // decode + resample, block by block
  audio::EventOptions eo;
  eo.on = 0.2;   // start when the score reaches 0.2 ...
  eo.off = 0.1;  // ... and go on until it drops below 0.1
  audio::EventDetector detector(1, eo);
  std::vector<audio::SoundEvent> events;

  const int64_t step = 16000;  // 0.5 s at 32 kHz
  std::vector<float> buf;
  int64_t t0 = 0;
  auto score = [&](int64_t n) {  // the toy detector: RMS of the step, which is 0.35 inside the tone
    double e = 0;
    for (int64_t i = 0; i < n; ++i) e += double(buf[i]) * buf[i];
    std::vector<float> s = {static_cast<float>(std::sqrt(e / n))};
    for (auto& ev : detector.push(t0 / 32000.0, (t0 + n) / 32000.0, s)) events.push_back(ev);
    buf.erase(buf.begin(), buf.begin() + n);
    t0 += n;
  };
  while (stream.read(buf) > 0)
    while (static_cast<int64_t>(buf.size()) >= step) score(step);
  if (!buf.empty()) score(static_cast<int64_t>(buf.size()));
  for (auto& ev : detector.finish()) events.push_back(ev);

  for (const auto& ev : events) std::printf("event: %.2f - %.2f s, peak %.3f\n", ev.onset, ev.offset, ev.peak);
  CHECK(events.size() == 1);
  CHECK(std::abs(events[0].onset - 4.0) < 1e-9 && std::abs(events[0].offset - 8.0) < 1e-9);
  CHECK(std::abs(events[0].peak - 0.5 / std::sqrt(2.0)) < 0.01);
  CHECK(stream.samples_out() == 12 * 32000);  // round(12 s x 32 kHz), as one-shot resampling gives
  std::filesystem::remove(path);
  return 0;
}
