// stream.hpp: audio of any length, a block at a time, in constant memory.
//
// load_audio (audio/load.hpp) decodes a whole clip; a one-hour recording or a live microphone does
// not fit that shape. Here the same steps run on blocks:
//
//   SampleSource (a file through libsndfile, or raw PCM from a pipe)
//     -> finite check -> mixdown to mono -> streaming resample (libsoxr) -> clip to [-1, 1]
//
// MonoStream::read hands out mono samples at the target rate as they become available; its memory
// does not depend on the stream's length. `audiograd tag` slides its windows over it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audio/decode.hpp"
#include "audio/resample.hpp"
#include "audio/waveform.hpp"

namespace ag::audio {

// Interleaved float frames from somewhere.
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual int channels() const = 0;
  virtual int sample_rate() const = 0;
  virtual std::string name() const = 0;  // for errors: the path, or "standard input"
  // Up to max_frames frames into out (frames x channels); 0 only at the end of the stream. May
  // return fewer than asked before the end (a pipe gives what has arrived). IoError on bad data.
  virtual int64_t read(std::vector<float>& out, int64_t max_frames) = 0;
};

// A file libsndfile decodes (WAV, FLAC, OGG/Vorbis, ...), read block by block (AudioFileReader).
std::unique_ptr<SampleSource> file_source(const std::string& path);

// Raw little-endian PCM from a file descriptor (0 = standard input), e.g. `arecord -f S16_LE`:
//   s16le  16-bit signed integers, scaled by 1/32768
//   f32le  32-bit floats
enum class PcmFormat { S16LE, F32LE };
PcmFormat parse_pcm_format(const std::string& name);  // "s16le" | "f32le"; ValueError otherwise
// `name` labels it in errors. The stream must end on a whole frame: ending mid-sample or
// mid-frame is an IoError that says how many bytes were left over.
std::unique_ptr<SampleSource> pcm_source(int fd, int sample_rate, int channels, PcmFormat format,
                                         const std::string& name = "standard input");

struct StreamOptions {
  int sample_rate = 44100;  // target rate (the model's front end)
  Mixdown mixdown = Mixdown::Sum;
  ResampleQuality quality = ResampleQuality::High;
  bool clip = true;          // clamp to [-1, 1] after resampling, as load_audio does
  int64_t block_frames = 4096;  // frames asked of the source at a time
};

class MonoStream {
 public:
  MonoStream(std::unique_ptr<SampleSource> source, const StreamOptions& options);
  ~MonoStream();
  MonoStream(const MonoStream&) = delete;
  MonoStream& operator=(const MonoStream&) = delete;

  // Appends the next mono samples at the target rate to `out` (at least one, unless the stream has
  // ended: then 0). IoError naming the source for a NaN or infinite sample, with its time.
  int64_t read(std::vector<float>& out);
  int64_t samples_out() const { return out_total_; }      // handed out so far, at the target rate
  double seconds_in() const;                                // read from the source so far
  const SampleSource& source() const { return *source_; }

 private:
  std::unique_ptr<SampleSource> source_;
  StreamOptions options_;
  void* soxr_ = nullptr;  // soxr_t, when the rates differ
  std::vector<float> in_, mono_, res_;
  int64_t in_total_ = 0, out_total_ = 0;
  bool source_ended_ = false, flushed_ = false;
};

}  // namespace ag::audio
