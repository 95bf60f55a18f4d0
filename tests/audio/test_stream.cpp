// Audio of any length a block at a time (audio/stream.hpp): the same samples as load_audio, raw PCM
// from a pipe, and the errors of a stream that goes wrong part way.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "audio/decode.hpp"
#include "audio/load.hpp"
#include "audio/stream.hpp"
#include "test_utils.hpp"

namespace ag::audio {
namespace {

using testing::TempDir;

std::vector<float> read_all(MonoStream& s) {
  std::vector<float> out;
  while (s.read(out) > 0) {
  }
  return out;
}

// A pipe holding `bytes` and then closed: the read end, as standard input would be.
int pipe_with(const std::string& bytes) {
  int fd[2];
  EXPECT_EQ(pipe(fd), 0);
  EXPECT_LE(bytes.size(), 65536u);  // fits the pipe's buffer, so no writer thread is needed
  EXPECT_EQ(write(fd[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  close(fd[1]);
  return fd[0];
}

std::vector<float> tone(int64_t n, int channels, double rate) {
  std::vector<float> x(n * channels);
  for (int64_t i = 0; i < n; ++i)
    for (int c = 0; c < channels; ++c) x[i * channels + c] = 0.4f * std::sin(2 * M_PI * (440.0 + 110 * c) * i / rate);
  return x;
}

TEST(Stream, FileBlocksEqualTheWholeDecode) {
  // Stereo 44.1 kHz -> mono 32 kHz in blocks of 1000 frames against load_audio's one-shot path.
  TempDir dir;
  write_wav(dir.file("s.wav"), tone(44100 * 3 + 17, 2, 44100), 2, 44100);
  LoadOptions lo;
  lo.sample_rate = 32000;
  std::vector<float> whole = load_audio(dir.file("s.wav"), lo);
  StreamOptions so;
  so.sample_rate = 32000;
  so.block_frames = 1000;
  MonoStream s(file_source(dir.file("s.wav")), so);
  std::vector<float> streamed = read_all(s);
  ASSERT_EQ(streamed.size(), whole.size());  // round(L x 32000 / 44100)
  double worst = 0;
  for (size_t i = 0; i < whole.size(); ++i) worst = std::max(worst, std::abs(double(streamed[i]) - whole[i]));
  EXPECT_LT(worst, 1e-5);
  EXPECT_EQ(s.samples_out(), static_cast<int64_t>(whole.size()));
  EXPECT_NEAR(s.seconds_in(), (44100 * 3 + 17) / 44100.0, 1e-12);
}

TEST(Stream, SameRateIsCopiedExactly) {
  TempDir dir;
  std::vector<float> x = tone(5000, 1, 16000);
  write_wav(dir.file("m.wav"), x, 1, 16000);
  StreamOptions so;
  so.sample_rate = 16000;
  so.block_frames = 333;
  MonoStream s(file_source(dir.file("m.wav")), so);
  EXPECT_EQ(read_all(s), x);
}

TEST(Stream, RealEsc50ClipMatchesLoadAudio) {
  SKIP_WITHOUT_ESC50();
  const std::string clip = testing::esc50_dir() + "/audio/1-100032-A-0.ogg";
  LoadOptions lo;
  lo.sample_rate = 32000;
  std::vector<float> whole = load_audio(clip, lo);
  StreamOptions so;
  so.sample_rate = 32000;
  MonoStream s(file_source(clip), so);
  std::vector<float> streamed = read_all(s);
  ASSERT_EQ(streamed.size(), whole.size());
  double worst = 0;
  for (size_t i = 0; i < whole.size(); ++i) worst = std::max(worst, std::abs(double(streamed[i]) - whole[i]));
  EXPECT_LT(worst, 1e-5);
}

TEST(Stream, RawPcmS16AndF32) {
  // Two channels of s16le: (16384, -32768), (-16384, 32767) -> sums 0.5 + -1 -> -0.5, and -0.5 + 1 -> 0.5.
  const unsigned char s16[] = {0x00, 0x40, 0x00, 0x80, 0x00, 0xC0, 0xFF, 0x7F};
  MonoStream a(pcm_source(pipe_with(std::string(reinterpret_cast<const char*>(s16), sizeof s16)), 8000, 2, PcmFormat::S16LE), {8000});
  std::vector<float> x = read_all(a);
  ASSERT_EQ(x.size(), 2u);
  EXPECT_FLOAT_EQ(x[0], -0.5f);
  EXPECT_NEAR(x[1], 0.5f - 1.0f / 32768, 1e-7);
  std::vector<float> f = {0.25f, -0.125f, 1e-3f};
  std::string bytes(reinterpret_cast<const char*>(f.data()), f.size() * 4);  // the test machine is little-endian
  MonoStream b(pcm_source(pipe_with(bytes), 8000, 1, PcmFormat::F32LE), {8000});
  EXPECT_EQ(read_all(b), f);
}

TEST(Stream, ErrorsNameTheProblem) {
  // A stream cut inside a sample: the samples before it are handed out first, then the error.
  MonoStream cut(pcm_source(pipe_with(std::string("\x01\x00\x02\x00\x03", 5)), 8000, 1, PcmFormat::S16LE, "standard input"), {8000});
  std::vector<float> got;
  EXPECT_EQ(cut.read(got), 2);
  try {
    cut.read(got);
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("standard input ended mid-frame: 1 bytes left over, a frame is 2 bytes"), std::string::npos) << e.what();
  }
  std::vector<float> nan = {0.1f, std::nanf(""), 0.2f};
  MonoStream n(pcm_source(pipe_with(std::string(reinterpret_cast<const char*>(nan.data()), 12)), 8000, 1, PcmFormat::F32LE), {8000});
  try {
    read_all(n);
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("has a NaN sample at 0.000125 s (channel 0)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pcm_source(0, 0, 1, PcmFormat::S16LE), ValueError);
  EXPECT_THROW(pcm_source(0, 16000, 0, PcmFormat::S16LE), ValueError);
  EXPECT_THROW(parse_pcm_format("s24le"), ValueError);
  EXPECT_THROW(file_source("/nonexistent.wav"), IoError);
}

TEST(Stream, TruncatedFileFailsAtTheEnd) {
  // A WAV cut short: the blocks before the cut come out, then the same error read_audio gives.
  TempDir dir;
  write_wav(dir.file("t.wav"), tone(20000, 1, 16000), 1, 16000, WavFormat::Pcm16);
  std::filesystem::resize_file(dir.file("t.wav"), 44 + 2 * 12000);
  AudioFileReader r(dir.file("t.wav"));
  std::vector<float> block;
  int64_t total = 0, got = 0;
  try {
    while ((got = r.read(block, 4096)) > 0) total += got;
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("is truncated"), std::string::npos) << e.what();
  }
  EXPECT_EQ(total, 12000);
}

}  // namespace
}  // namespace ag::audio
