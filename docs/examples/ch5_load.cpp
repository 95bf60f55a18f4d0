// docs/examples/ch5_load.cpp
// From a file to the waveform a model reads: decode, mix down, resample, fit to 5 s.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "audio/decode.hpp"
#include "audio/load.hpp"
#include "check.hpp"

using namespace ag::audio;

constexpr double kPi = 3.14159265358979323846;

int main() {
  // A 2 s stereo file at 48 kHz, like 41 of ESC-50's source clips: 440 Hz left, 880 Hz right.
  const std::string path = (std::filesystem::temp_directory_path() / "ch5_stereo48k.wav").string();
  std::vector<float> interleaved;  // (frames, channels)
  for (int i = 0; i < 96000; ++i) {
    interleaved.push_back(0.4f * std::sin(2 * kPi * 440 * i / 48000.0));
    interleaved.push_back(0.4f * std::sin(2 * kPi * 880 * i / 48000.0));
  }
  write_wav(path, interleaved, 2, 48000, WavFormat::Pcm16);

  AudioInfo info = read_audio_info(path);  // the header only
  std::printf("%s: %lld frames, %d channels, %d Hz, %s\n", path.c_str(), static_cast<long long>(info.frames),
              info.channels, info.sample_rate, info.format.c_str());

  LoadOptions opt;         // ERANN's input: 44.1 kHz, sum of channels, 5 s
  opt.sample_rate = 44100;
  opt.length = 220500;     // 2 s of audio, then zeros
  std::vector<float> x = load_audio(path, opt);
  CHECK(x.size() == 220500);
  CHECK(std::fabs(x[88200 - 1000]) <= 0.8f + 1e-3f);  // the sum of two 0.4 sines
  CHECK(x[100000] == 0.0f);                            // zero padding after 2 s

  // Errors name the file and say what is wrong.
  try {
    load_audio("no/such/clip.ogg", opt);
  } catch (const ag::IoError& e) {
    std::printf("error: %s\n", e.what());
  }
  std::filesystem::remove(path);
  return 0;
}
