// decode.cpp: libsndfile wrapper; see decode.hpp.
#include "audio/decode.hpp"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <unistd.h>

#include "tensor/error.hpp"

namespace ag::audio {
namespace {

// Closes the SNDFILE on every path out of a function (including exceptions).
struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfileHandle = std::unique_ptr<SNDFILE, SndfileCloser>;

// The header checks shared by files and memory: a usable channel count and rate, and some frames.
void check_header(const SF_INFO& info, const std::string& what) {
  if (info.channels <= 0 || info.samplerate <= 0) {
    fail<IoError>("read_audio: '", what, "' has an invalid header: ", info.channels, " channels at ", info.samplerate, " Hz");
  }
  if (info.frames <= 0) fail<IoError>("read_audio: '", what, "' contains no audio (0 frames)");
}

// Opens `path` for reading, or throws an IoError that says which of the common problems it is.
SndfileHandle open_for_reading(const std::string& path, SF_INFO* info) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) fail<IoError>("read_audio: '", path, "': no such file");
  if (fs::is_directory(path, ec)) fail<IoError>("read_audio: '", path, "' is a directory, expected an audio file");
  if (fs::file_size(path, ec) == 0) fail<IoError>("read_audio: '", path, "' is empty (0 bytes)");
  *info = SF_INFO{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, info);
  if (f == nullptr) {
    fail<IoError>("read_audio: '", path, "' cannot be decoded: ", sf_strerror(nullptr),
                  " (expected WAV, FLAC, OGG/Vorbis or another format libsndfile reads)");
  }
  SndfileHandle handle(f);
  check_header(*info, path);
  return handle;
}

// libsndfile's virtual I/O over a byte string (decode_audio).
struct MemoryFile {
  const std::string* bytes;
  sf_count_t pos = 0;
};
sf_count_t mem_length(void* user) { return static_cast<sf_count_t>(static_cast<MemoryFile*>(user)->bytes->size()); }
sf_count_t mem_seek(sf_count_t offset, int whence, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t size = static_cast<sf_count_t>(m->bytes->size());
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : size;
  if (offset > 0 && base > INT64_MAX - offset) return -1;
  const sf_count_t to = base + offset;
  if (to < 0) return -1;
  m->pos = to;  // past the end is allowed (reads there return 0 bytes), as with a file
  return m->pos;
}
sf_count_t mem_read(void* ptr, sf_count_t count, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t size = static_cast<sf_count_t>(m->bytes->size());
  if (count <= 0 || m->pos >= size) return 0;
  const sf_count_t n = std::min(count, size - m->pos);
  std::memcpy(ptr, m->bytes->data() + m->pos, static_cast<size_t>(n));
  m->pos += n;
  return n;
}
sf_count_t mem_write(const void*, sf_count_t, void*) { return 0; }
sf_count_t mem_tell(void* user) { return static_cast<MemoryFile*>(user)->pos; }

std::string format_name(int format) {
  SF_FORMAT_INFO major{}, sub{};
  major.format = format & SF_FORMAT_TYPEMASK;
  sub.format = format & SF_FORMAT_SUBMASK;
  sf_command(nullptr, SFC_GET_FORMAT_INFO, &major, sizeof(major));
  sf_command(nullptr, SFC_GET_FORMAT_INFO, &sub, sizeof(sub));
  std::string out = major.name ? major.name : "?";
  if (sub.name) out += std::string(" / ") + sub.name;
  return out;
}

// libsndfile trusts a file's header and decodes what is there; a file cut short (an interrupted
// download or copy) opens fine and just yields fewer frames. Its log says so, in two forms we look
// for: "data : 96000 (should be 47978)" (a WAV/AIFF chunk longer than the file) and "File ended
// unexpectedly" (an Ogg stream without its end-of-stream page). Returns "" when the file looks whole.
std::string truncation_note(SNDFILE* f) {
  char log[8192] = {0};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof(log));
  const std::string text(log);
  if (text.find("ended unexpectedly") != std::string::npos) return "the stream ends without its end-of-stream page";
  size_t pos = text.find("data : ");
  while (pos != std::string::npos) {
    const size_t eol = text.find('\n', pos);
    const std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    long long claimed = 0, actual = 0;
    if (std::sscanf(line.c_str(), "data : %lld (should be %lld)", &claimed, &actual) == 2 && claimed > actual &&
        claimed != 0xFFFFFFFFLL) {
      return "the header promises " + std::to_string(claimed) + " bytes of samples but the file holds " +
             std::to_string(actual);
    }
    pos = text.find("data : ", pos + 1);
  }
  return "";
}

}  // namespace

AudioInfo read_audio_info(const std::string& path) {
  SF_INFO info;
  SndfileHandle f = open_for_reading(path, &info);
  return AudioInfo{info.frames, info.channels, info.samplerate, format_name(info.format)};
}

namespace {

// Decodes an opened file to the end and checks it decoded whole. `what` names it in errors.
// max_frames > 0: stop after that many frames (the rest of the file is neither read nor checked).
AudioBuffer decode_opened(SNDFILE* f, const SF_INFO& info, const std::string& what, size_t max_samples, int64_t max_frames = 0) {
  AudioBuffer out;
  out.channels = info.channels;
  out.sample_rate = info.samplerate;
  // info.frames is SF_COUNT_MAX when the length is unknown (e.g. an Ogg stream without its last
  // page), and any number a corrupt header claims, so it only guides the first allocation (capped
  // at 64 M samples); we read until the decoder stops, at most max_samples.
  const sf_count_t chunk = 65536;
  const sf_count_t channels = info.channels;
  if (info.frames < (sf_count_t{1} << 26) / channels) out.samples.reserve(static_cast<size_t>(info.frames * channels));
  sf_count_t done = 0;
  bool stopped_early = false;
  for (;;) {
    if (max_frames > 0 && done >= max_frames) {
      stopped_early = true;
      break;
    }
    if (static_cast<size_t>((done + chunk) * channels) > max_samples + static_cast<size_t>(chunk * channels))
      fail<IoError>("read_audio: '", what, "' decodes to more than ", max_samples, " samples (", channels,
                    " channels): the header or the stream is corrupt, or the file is longer than audiograd reads");
    out.samples.resize(static_cast<size_t>((done + chunk) * channels));
    const sf_count_t want = max_frames > 0 ? std::min<sf_count_t>(chunk, max_frames - done) : chunk;
    const sf_count_t got = sf_readf_float(f, out.samples.data() + done * channels, want);
    if (got <= 0) break;
    done += got;
  }
  out.samples.resize(static_cast<size_t>(done * channels));
  out.frames = done;
  const int err = sf_error(f);
  if (err != SF_ERR_NO_ERROR) {
    fail<IoError>("read_audio: '", what, "': decoding failed after ", done, " frames: ", sf_error_number(err));
  }
  if (done == 0) fail<IoError>("read_audio: '", what, "' contains no decodable audio (0 frames)");
  if (out.samples.size() > max_samples)
    fail<IoError>("read_audio: '", what, "' decodes to more than ", max_samples, " samples (", channels,
                  " channels): the header or the stream is corrupt, or the file is longer than audiograd reads");
  if (stopped_early) return out;
  const std::string note = truncation_note(f);
  if (!note.empty()) fail<IoError>("read_audio: '", what, "' is truncated: ", note, " (", done, " frames decoded)");
  if (info.frames != SF_COUNT_MAX && done < info.frames) {
    fail<IoError>("read_audio: '", what, "' is truncated: the header promises ", info.frames, " frames but only ",
                  done, " could be decoded");
  }
  return out;
}

}  // namespace

AudioBuffer read_audio(const std::string& path) {
  SF_INFO info;
  SndfileHandle f = open_for_reading(path, &info);
  return decode_opened(f.get(), info, path, kMaxDecodedSamples);
}

AudioBuffer read_audio(const std::string& path, double max_seconds) {
  SF_INFO info;
  SndfileHandle f = open_for_reading(path, &info);
  const int64_t max_frames = max_seconds > 0 ? static_cast<int64_t>(std::ceil(max_seconds * info.samplerate)) : 0;
  return decode_opened(f.get(), info, path, kMaxDecodedSamples, max_frames);
}

AudioFileReader::AudioFileReader(const std::string& path) : path_(path) {
  SF_INFO info;
  SndfileHandle f = open_for_reading(path, &info);
  header_frames_ = info.frames;
  channels_ = info.channels;
  sample_rate_ = info.samplerate;
  file_ = f.release();
}

AudioFileReader::~AudioFileReader() {
  if (file_) sf_close(static_cast<SNDFILE*>(file_));
}

int64_t AudioFileReader::read(std::vector<float>& out, int64_t max_frames) {
  if (max_frames <= 0) fail<ValueError>("AudioFileReader::read: max_frames must be positive, got ", max_frames);
  out.resize(static_cast<size_t>(max_frames * channels_));
  if (ended_) {
    out.clear();
    return 0;
  }
  auto* f = static_cast<SNDFILE*>(file_);
  const sf_count_t got = sf_readf_float(f, out.data(), max_frames);
  if (got > 0) {
    done_ += got;
    out.resize(static_cast<size_t>(got * channels_));
    return got;
  }
  out.clear();
  ended_ = true;  // the decoder stopped: was that the whole file?
  const int err = sf_error(f);
  if (err != SF_ERR_NO_ERROR)
    fail<IoError>("read_audio: '", path_, "': decoding failed after ", done_, " frames: ", sf_error_number(err));
  if (done_ == 0) fail<IoError>("read_audio: '", path_, "' contains no decodable audio (0 frames)");
  const std::string note = truncation_note(f);
  if (!note.empty()) fail<IoError>("read_audio: '", path_, "' is truncated: ", note, " (", done_, " frames decoded)");
  if (header_frames_ != SF_COUNT_MAX && done_ < header_frames_)
    fail<IoError>("read_audio: '", path_, "' is truncated: the header promises ", header_frames_, " frames but only ", done_,
                  " could be decoded");
  return 0;
}

AudioBuffer decode_audio(const std::string& bytes, const std::string& what, size_t max_samples) {
  if (bytes.empty()) fail<IoError>("read_audio: '", what, "' is empty (0 bytes)");
  MemoryFile m{&bytes};
  SF_VIRTUAL_IO io{mem_length, mem_seek, mem_read, mem_write, mem_tell};
  SF_INFO info{};
  SNDFILE* raw = sf_open_virtual(&io, SFM_READ, &info, &m);
  if (raw == nullptr)
    fail<IoError>("read_audio: '", what, "' cannot be decoded: ", sf_strerror(nullptr),
                  " (expected WAV, FLAC, OGG/Vorbis or another format libsndfile reads)");
  SndfileHandle f(raw);
  check_header(info, what);
  return decode_opened(f.get(), info, what, max_samples);
}

namespace {

// Writes through libsndfile to a temporary name, then renames (see write_wav).
void write_sndfile(const char* op, const std::string& path, const std::vector<float>& samples, int channels,
                   int sample_rate, int sf_format) {
  if (channels <= 0 || sample_rate <= 0) {
    fail<ValueError>(op, ": '", path, "': need channels > 0 and sample_rate > 0, got ", channels, " and ", sample_rate);
  }
  if (samples.size() % channels != 0) {
    fail<ValueError>(op, ": '", path, "': ", samples.size(), " samples is not a whole number of ", channels,
                     "-channel frames");
  }
  SF_INFO info{};
  info.channels = channels;
  info.samplerate = sample_rate;
  info.format = sf_format;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  SNDFILE* f = sf_open(tmp.c_str(), SFM_WRITE, &info);
  if (f == nullptr) fail<IoError>(op, ": cannot create '", tmp, "': ", sf_strerror(nullptr));
  // Integer formats clip instead of wrapping around for samples outside [-1, 1].
  sf_command(f, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const sf_count_t frames = static_cast<sf_count_t>(samples.size() / channels);
  const sf_count_t written = sf_writef_float(f, samples.data(), frames);
  const int close_err = sf_close(f);
  if (written != frames || close_err != 0) {
    std::remove(tmp.c_str());
    fail<IoError>(op, ": writing '", path, "' failed after ", written, " of ", frames, " frames");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    fail<IoError>(op, ": cannot rename '", tmp, "' to '", path, "': ", ec.message());
  }
}

}  // namespace

void write_wav(const std::string& path, const std::vector<float>& samples, int channels, int sample_rate,
               WavFormat format) {
  write_sndfile("write_wav", path, samples, channels, sample_rate,
                SF_FORMAT_WAV | (format == WavFormat::Pcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT));
}

void write_flac(const std::string& path, const std::vector<float>& samples, int channels, int sample_rate) {
  write_sndfile("write_flac", path, samples, channels, sample_rate, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
}

}  // namespace ag::audio
