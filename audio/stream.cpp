// stream.cpp: block-wise sources, mixdown and streaming resampling; see stream.hpp.
#include "audio/stream.hpp"

#include <soxr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "audio/resample_private.hpp"
#include "tensor/error.hpp"

namespace ag::audio {
namespace {

class FileSource final : public SampleSource {
 public:
  explicit FileSource(const std::string& path) : reader_(path), path_(path) {}
  int channels() const override { return reader_.channels(); }
  int sample_rate() const override { return reader_.sample_rate(); }
  std::string name() const override { return path_; }
  int64_t read(std::vector<float>& out, int64_t max_frames) override { return reader_.read(out, max_frames); }

 private:
  AudioFileReader reader_;
  std::string path_;
};

class PcmSource final : public SampleSource {
 public:
  PcmSource(int fd, int rate, int channels, PcmFormat format, std::string name)
      : fd_(fd), rate_(rate), channels_(channels), format_(format), name_(std::move(name)) {}
  int channels() const override { return channels_; }
  int sample_rate() const override { return rate_; }
  std::string name() const override { return name_; }

  int64_t read(std::vector<float>& out, int64_t max_frames) override {
    const size_t sample_bytes = format_ == PcmFormat::S16LE ? 2 : 4;
    const size_t frame_bytes = sample_bytes * static_cast<size_t>(channels_);
    out.clear();
    for (;;) {
      const size_t whole = pending_.size() / frame_bytes;
      if (whole > 0) {  // hand out what has arrived, whole frames only; keep the rest for next time
        const size_t frames = std::min<size_t>(whole, static_cast<size_t>(max_frames));
        out.resize(frames * channels_);
        const unsigned char* p = pending_.data();
        for (size_t i = 0; i < out.size(); ++i, p += sample_bytes) {
          if (format_ == PcmFormat::S16LE) {
            const int16_t v = static_cast<int16_t>(static_cast<uint16_t>(p[0]) | static_cast<uint16_t>(p[1]) << 8);
            out[i] = static_cast<float>(v) / 32768.0f;
          } else {
            const uint32_t u = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                               static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
            std::memcpy(&out[i], &u, 4);
          }
        }
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(frames * frame_bytes));
        return static_cast<int64_t>(frames);
      }
      if (ended_) {
        if (!pending_.empty())
          fail<IoError>("tag: ", name_, " ended mid-frame: ", pending_.size(), " bytes left over, a frame is ", frame_bytes,
                        " bytes (", channels_, " channels of ", sample_bytes == 2 ? "s16le" : "f32le", ")");
        return 0;
      }
      unsigned char buf[65536];
      const ssize_t got = ::read(fd_, buf, sizeof buf);
      if (got < 0) {
        if (errno == EINTR) continue;
        fail<IoError>("tag: reading ", name_, " failed: ", std::strerror(errno));
      }
      if (got == 0) ended_ = true;
      pending_.insert(pending_.end(), buf, buf + got);
    }
  }

 private:
  int fd_, rate_, channels_;
  PcmFormat format_;
  std::string name_;
  std::vector<unsigned char> pending_;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<SampleSource> file_source(const std::string& path) { return std::make_unique<FileSource>(path); }

PcmFormat parse_pcm_format(const std::string& name) {
  if (name == "s16le") return PcmFormat::S16LE;
  if (name == "f32le") return PcmFormat::F32LE;
  fail<ValueError>("--format must be s16le or f32le, got '", name, "'");
}

std::unique_ptr<SampleSource> pcm_source(int fd, int sample_rate, int channels, PcmFormat format, const std::string& name) {
  if (sample_rate < 1000 || sample_rate > 768000)
    fail<ValueError>("--rate must be a sample rate in Hz between 1000 and 768000, got ", sample_rate);
  if (channels < 1 || channels > 64) fail<ValueError>("--channels must be between 1 and 64, got ", channels);
  return std::make_unique<PcmSource>(fd, sample_rate, channels, format, name);
}

MonoStream::MonoStream(std::unique_ptr<SampleSource> source, const StreamOptions& options)
    : source_(std::move(source)), options_(options) {
  if (options_.sample_rate <= 0) fail<ValueError>("MonoStream: the target sample rate must be positive, got ", options_.sample_rate);
  if (options_.block_frames <= 0) fail<ValueError>("MonoStream: block_frames must be positive, got ", options_.block_frames);
  if (source_->sample_rate() != options_.sample_rate) {
    soxr_error_t err = nullptr;
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t q = soxr_quality_spec(detail::soxr_recipe(options_.quality), 0);
    soxr_ = soxr_create(source_->sample_rate(), options_.sample_rate, 1, &err, &io, &q, nullptr);
    if (err || !soxr_) fail<ValueError>("resample: libsoxr cannot convert ", source_->sample_rate(), " -> ", options_.sample_rate, " Hz: ", err);
  }
}

MonoStream::~MonoStream() {
  if (soxr_) soxr_delete(static_cast<soxr_t>(soxr_));
}

double MonoStream::seconds_in() const { return static_cast<double>(in_total_) / source_->sample_rate(); }

int64_t MonoStream::read(std::vector<float>& out) {
  const double ratio = static_cast<double>(options_.sample_rate) / source_->sample_rate();
  for (;;) {
    if (flushed_) return 0;
    const int64_t frames = source_ended_ ? 0 : source_->read(in_, options_.block_frames);
    if (frames == 0) source_ended_ = true;
    for (size_t i = 0; i < in_.size(); ++i)
      if (!std::isfinite(in_[i]))
        fail<IoError>("tag: ", source_->name(), " has a ", std::isnan(in_[i]) ? "NaN" : "infinite", " sample at ",
                      static_cast<double>(in_total_ + static_cast<int64_t>(i) / source_->channels()) / source_->sample_rate(),
                      " s (channel ", i % source_->channels(), "): expected finite samples");
    mono_ = frames > 0 ? mixdown(in_, source_->channels(), options_.mixdown) : std::vector<float>{};
    in_total_ += frames;
    size_t produced = 0;
    if (!soxr_) {
      produced = mono_.size();
      res_.swap(mono_);
      if (source_ended_) flushed_ = true;
    } else {
      auto* s = static_cast<soxr_t>(soxr_);
      res_.resize(static_cast<size_t>(std::ceil(static_cast<double>(mono_.size()) * ratio)) + 1024);
      if (!source_ended_) {
        size_t used = 0;
        while (used < mono_.size()) {  // soxr may take the input in pieces
          size_t idone = 0, odone = 0;
          if (produced + 256 > res_.size()) res_.resize(res_.size() * 2);
          soxr_error_t err = soxr_process(s, mono_.data() + used, mono_.size() - used, &idone, res_.data() + produced,
                                          res_.size() - produced, &odone);
          if (err) fail<IoError>("tag: resampling ", source_->name(), " failed: ", err);
          used += idone;
          produced += odone;
        }
      } else {  // the end: flush the filter's tail
        for (;;) {
          size_t odone = 0;
          if (produced + 256 > res_.size()) res_.resize(res_.size() * 2);
          soxr_error_t err = soxr_process(s, nullptr, 0, nullptr, res_.data() + produced, res_.size() - produced, &odone);
          if (err) fail<IoError>("tag: resampling ", source_->name(), " failed: ", err);
          if (odone == 0) break;
          produced += odone;
        }
        flushed_ = true;
        // As resample() (one-shot) gives: round(L x ratio) samples in all, not the filter's tail too.
        const int64_t want = std::llround(static_cast<double>(in_total_) * ratio);
        produced = static_cast<size_t>(std::clamp<int64_t>(want - out_total_, 0, static_cast<int64_t>(produced)));
      }
    }
    if (produced == 0) continue;  // the resampler is still filling its filter, or a flush gave nothing
    const size_t at = out.size();
    out.insert(out.end(), res_.begin(), res_.begin() + static_cast<std::ptrdiff_t>(produced));
    if (options_.clip)
      for (size_t i = at; i < out.size(); ++i) out[i] = std::clamp(out[i], -1.0f, 1.0f);
    out_total_ += static_cast<int64_t>(produced);
    return static_cast<int64_t>(produced);
  }
}

}  // namespace ag::audio
