// decode.hpp: reading audio files into float samples (libsndfile), and writing WAV files.
//
// libsndfile decodes every format this project meets (WAV of any PCM or float width, FLAC,
// OGG/Vorbis, AIFF, ...) into interleaved float samples in [-1, 1). We keep that raw, multichannel
// form here; mixing down, resampling and fitting to a length are separate steps (audio/waveform.hpp,
// audio/resample.hpp, audio/load.hpp) so each can be tested on its own.
//
// Every failure throws ag::IoError naming the file and what is wrong: missing, not a file, empty
// (zero frames), truncated (fewer frames decoded than the header promises), or not decodable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ag::audio {

// Decoded audio exactly as stored: `samples` is interleaved, frame-major:
// samples[f * channels + c] is channel c of frame f. Shape (frames, channels).
struct AudioBuffer {
  std::vector<float> samples;  // (frames * channels)
  int64_t frames = 0;
  int channels = 0;
  int sample_rate = 0;
};

// What the header says, without decoding the samples (cheap: used to validate datasets).
struct AudioInfo {
  int64_t frames = 0;
  int channels = 0;
  int sample_rate = 0;
  std::string format;  // e.g. "WAV (Microsoft) / Signed 16 bit PCM"
};

AudioInfo read_audio_info(const std::string& path);

// The most samples (frames x channels) one file may decode to: 2^31 floats (8 GiB; 6.7 hours of
// 44.1 kHz stereo). A corrupt header or stream claiming more is an IoError, not an allocation failure.
constexpr size_t kMaxDecodedSamples = size_t{1} << 31;

// Decodes the whole file. Throws IoError for a missing, empty, truncated or undecodable file.
AudioBuffer read_audio(const std::string& path);
// Only the first `max_seconds` (all of it when <= 0): the rest of the file is neither decoded nor
// checked for truncation. load_audio uses it when it will cut the clip anyway (FitMode::Cut), so a
// 5 s clip of a one-hour file costs 5 s of memory.
AudioBuffer read_audio(const std::string& path, double max_seconds);

// The same from the bytes of a file in memory (libsndfile's virtual I/O); `what` names it in errors.
// The fuzz target passes a smaller max_samples, to keep each input's memory bounded.
AudioBuffer decode_audio(const std::string& bytes, const std::string& what = "audio data",
                         size_t max_samples = kMaxDecodedSamples);

// A file read a block at a time, for recordings too long to hold (audiograd tag on an hour of
// audio): the same checks as read_audio, the truncation check once the decoder stops.
//   AudioFileReader r(path);  std::vector<float> block;
//   while (r.read(block, 65536) > 0) { ... block holds (frames, channels) interleaved ... }
class AudioFileReader {
 public:
  explicit AudioFileReader(const std::string& path);  // IoError: missing, empty, undecodable
  ~AudioFileReader();
  AudioFileReader(const AudioFileReader&) = delete;
  AudioFileReader& operator=(const AudioFileReader&) = delete;

  int channels() const { return channels_; }
  int sample_rate() const { return sample_rate_; }
  int64_t frames_read() const { return done_; }
  // Up to max_frames frames into `out` (resized to frames x channels); the number read, 0 at the
  // end, where an IoError says the file is truncated or failed to decode (as read_audio would).
  int64_t read(std::vector<float>& out, int64_t max_frames);

 private:
  std::string path_;
  void* file_ = nullptr;  // SNDFILE*
  int64_t header_frames_ = 0, done_ = 0;
  int channels_ = 0, sample_rate_ = 0;
  bool ended_ = false;
};

// Sample format of write_wav: 16-bit PCM (what ESC-50 ships) or 32-bit float (lossless for us).
enum class WavFormat { Pcm16, Float32 };

// Writes interleaved samples (frames, channels) as a WAV file, atomically (temporary name, then
// rename). Used by tests, the fixture tools and the docs examples.
void write_wav(const std::string& path, const std::vector<float>& samples, int channels, int sample_rate,
               WavFormat format = WavFormat::Float32);
// The same as FLAC (lossless, 16-bit).
void write_flac(const std::string& path, const std::vector<float>& samples, int channels, int sample_rate);

}  // namespace ag::audio
