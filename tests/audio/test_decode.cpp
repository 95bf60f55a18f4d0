// Reading audio: libsndfile decode, errors that name the file, mixdown, resampling, fit to length.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "audio/decode.hpp"
#include "audio/load.hpp"
#include "audio/resample.hpp"
#include "audio/waveform.hpp"
#include "test_utils.hpp"

namespace ag::audio {
namespace {

using testing::TempDir;

// Expects `f` to throw E whose message contains every one of `needles`.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "no exception thrown";
  } catch (const E& e) {
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

TEST(Decode, WavRoundTripFloatAndPcm16) {
  TempDir dir;
  std::vector<float> stereo = {0.5f, -0.25f, 0.125f, 1.0f, -1.0f, 0.0f};  // 3 frames x 2 channels
  write_wav(dir.file("f.wav"), stereo, 2, 22050, WavFormat::Float32);
  AudioBuffer a = read_audio(dir.file("f.wav"));
  EXPECT_EQ(a.channels, 2);
  EXPECT_EQ(a.sample_rate, 22050);
  EXPECT_EQ(a.frames, 3);
  EXPECT_EQ(a.samples, stereo);
  write_wav(dir.file("i.wav"), stereo, 2, 8000, WavFormat::Pcm16);
  AudioBuffer b = read_audio(dir.file("i.wav"));
  ASSERT_EQ(b.samples.size(), stereo.size());
  for (size_t i = 0; i < stereo.size(); ++i) EXPECT_NEAR(b.samples[i], stereo[i], 1.0 / 32768) << i;
  AudioInfo info = read_audio_info(dir.file("i.wav"));
  EXPECT_EQ(info.frames, 3);
  EXPECT_NE(info.format.find("16 bit"), std::string::npos) << info.format;
}

TEST(Decode, FlacRoundTripAndTruncation) {
  TempDir dir;
  const auto x = testing::sine(440, 16000, 16000, 0.5);
  write_flac(dir.file("a.flac"), x, 1, 16000);
  AudioBuffer a = read_audio(dir.file("a.flac"));
  EXPECT_EQ(a.frames, 16000);
  EXPECT_NE(read_audio_info(dir.file("a.flac")).format.find("FLAC"), std::string::npos);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(a.samples[i], x[i], 1.0 / 32768) << i;
  std::ifstream in(dir.file("a.flac"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.file("cut.flac"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  try {
    AudioBuffer b = read_audio(dir.file("cut.flac"));
    ADD_FAILURE() << "truncated FLAC loaded " << b.frames << " frames without an error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.flac"), std::string::npos) << e.what();
  }
}

TEST(Decode, MissingEmptyDirectoryAndGarbageNameTheFile) {
  TempDir dir;
  expect_error<IoError>([&] { read_audio(dir.file("nope.wav")); }, {"nope.wav", "no such file"});
  std::ofstream(dir.file("empty.wav")).close();
  expect_error<IoError>([&] { read_audio(dir.file("empty.wav")); }, {"empty.wav", "empty"});
  expect_error<IoError>([&] { read_audio(dir.path.string()); }, {"is a directory"});
  std::ofstream(dir.file("junk.ogg")) << "this is not audio at all, just some text to look like a file";
  expect_error<IoError>([&] { read_audio(dir.file("junk.ogg")); }, {"junk.ogg", "cannot be decoded"});
}

TEST(Decode, HeaderOnlyWavIsEmpty) {
  TempDir dir;
  write_wav(dir.file("zero.wav"), {}, 1, 16000, WavFormat::Pcm16);
  expect_error<IoError>([&] { read_audio(dir.file("zero.wav")); }, {"zero.wav", "no audio"});
}

TEST(Decode, TruncatedOggIsReported) {
  SKIP_WITHOUT_ESC50();
  // A real OGG/Vorbis clip cut to 40 % of its bytes, as an interrupted copy would leave it.
  TempDir dir;
  const std::string src = testing::esc50_dir() + "/audio/1-100038-A-14.ogg";
  std::ifstream in(src, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  std::ofstream(dir.file("cut.ogg"), std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 5);
  expect_error<IoError>([&] { read_audio(dir.file("cut.ogg")); }, {"cut.ogg"});
}

TEST(Decode, TruncatedWavIsReported) {
  TempDir dir;
  write_wav(dir.file("full.wav"), std::vector<float>(48000, 0.25f), 1, 48000, WavFormat::Pcm16);
  std::ifstream in(dir.file("full.wav"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.file("cut.wav"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  // libsndfile notices the data chunk is shorter than its header says and reports fewer frames,
  // or we find fewer frames than promised: either way the file must not load silently.
  try {
    AudioBuffer a = read_audio(dir.file("cut.wav"));
    ADD_FAILURE() << "truncated WAV loaded " << a.frames << " frames without an error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.wav"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(Mixdown, SumClipsAndMeanAverages) {
  std::vector<float> x = {0.25f, 0.5f, 0.75f, 0.75f, -0.8f, -0.9f};  // (3 frames, 2 channels)
  EXPECT_EQ(mixdown(x, 2, Mixdown::Sum), (std::vector<float>{0.75f, 1.0f, -1.0f}));
  EXPECT_EQ(mixdown(x, 2, Mixdown::Mean), (std::vector<float>{0.375f, 0.75f, -0.85f}));
  EXPECT_EQ(mixdown(std::vector<float>{0.1f, 0.2f}, 1, Mixdown::Sum), (std::vector<float>{0.1f, 0.2f}));
  EXPECT_THROW(mixdown(x, 4, Mixdown::Sum), ValueError);
  EXPECT_EQ(parse_mixdown("mean"), Mixdown::Mean);
  EXPECT_THROW(parse_mixdown("avg"), ValueError);
}

TEST(FitLength, CutPadCenterAndRandomCrop) {
  std::vector<float> x = {1, 2, 3, 4, 5};
  EXPECT_EQ(fit_length(x, 3, FitMode::Cut), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(fit_length(x, 7, FitMode::Cut), (std::vector<float>{1, 2, 3, 4, 5, 0, 0}));
  EXPECT_EQ(fit_length(x, 3, FitMode::Center), (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(fit_length(x, 8, FitMode::Center), (std::vector<float>{0, 1, 2, 3, 4, 5, 0, 0}));
  EXPECT_THROW(fit_length(x, 3, FitMode::RandomCrop), ValueError);  // needs a generator
  Generator gen(7);
  std::vector<int> starts(3, 0);
  for (int i = 0; i < 3000; ++i) {
    auto y = fit_length(x, 3, FitMode::RandomCrop, &gen);
    ASSERT_EQ(y.size(), 3u);
    ASSERT_EQ(y[1], y[0] + 1);
    ASSERT_EQ(y[2], y[0] + 2);  // a contiguous window
    starts[static_cast<int>(y[0]) - 1]++;
  }
  for (int c : starts) EXPECT_NEAR(c, 1000, 120);  // every start equally likely
}

TEST(Resample, SineStaysASineAndLengthScales) {
  // 1 kHz at 48 kHz -> 44.1 kHz: the output must be the same sine sampled at 44.1 kHz
  // (away from the edges, where the filter sees the implicit zeros around the clip).
  const auto x = testing::sine(1000.0, 48000, 48000);
  const auto y = resample(x, 48000, 44100);
  ASSERT_EQ(y.size(), 44100u);
  const auto expect = testing::sine(1000.0, 44100, 44100);
  double max_err = 0;
  for (size_t i = 2000; i < y.size() - 2000; ++i) max_err = std::max(max_err, std::fabs(double(y[i]) - expect[i]));
  EXPECT_LT(max_err, 1e-4);
  // Downsampling removes what is above the new Nyquist frequency: 20 kHz at 48k -> 32k vanishes.
  const auto hf = resample(testing::sine(20000.0, 48000, 48000), 48000, 32000);
  EXPECT_LT(rms(std::vector<float>(hf.begin() + 2000, hf.end() - 2000)), 1e-3);
  EXPECT_EQ(resample(x, 48000, 48000), x);
  EXPECT_EQ(resample(std::vector<float>(1000), 44100, 32000).size(), 726u);  // round(1000 * 32000 / 44100)
  EXPECT_THROW(resample(x, 0, 44100), ValueError);
}

TEST(Load, ShortClipNamesTheFileAndTheMinimum) {
  TempDir dir;
  write_wav(dir.file("short.wav"), std::vector<float>(100, 0.1f), 1, 44100);
  LoadOptions opt;
  opt.min_length = 691;
  expect_error<IoError>([&] { load_audio(dir.file("short.wav"), opt); }, {"short.wav", "too short", "691"});
}

TEST(Load, NanOrInfSampleNamesTheFileAndTheFrame) {
  TempDir dir;
  for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    std::vector<float> x(2000, 0.1f);
    x[2 * 700 + 1] = bad;  // frame 700, channel 1
    write_wav(dir.file("bad.wav"), x, 2, 8000, WavFormat::Float32);
    expect_error<IoError>([&] { load_audio(dir.file("bad.wav")); }, {"bad.wav", "non-finite", "frame 700", "channel 1"});
  }
}

TEST(Decode, FromMemoryMatchesTheFileAndNamesTheSource) {
  TempDir dir;
  std::vector<float> x(3000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * std::sin(0.01f * static_cast<float>(i));
  for (const char* name : {"m.wav", "m.flac"}) {
    if (std::string(name) == "m.wav") write_wav(dir.file(name), x, 2, 16000, WavFormat::Pcm16);
    else write_flac(dir.file(name), x, 2, 16000);
    std::ifstream f(dir.file(name), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(f)), {});
    AudioBuffer a = read_audio(dir.file(name)), b = decode_audio(bytes, name);
    EXPECT_EQ(a.samples, b.samples) << name;
    EXPECT_EQ(a.sample_rate, b.sample_rate);
    EXPECT_EQ(load_audio(dir.file(name)), load_audio_bytes(bytes, name)) << name;
    expect_error<IoError>([&] { decode_audio(bytes.substr(0, 30), "cut.wav"); }, {"cut.wav"});
    // A bound on the decoded size: an IoError naming the source, not an allocation.
    expect_error<IoError>([&] { decode_audio(bytes, "big.wav", 1000); }, {"big.wav", "more than 1000 samples"});
  }
  expect_error<IoError>([&] { decode_audio("", "empty.wav"); }, {"empty.wav", "empty"});
  expect_error<IoError>([&] { decode_audio("RIFF nonsense", "junk.wav"); }, {"junk.wav", "cannot be decoded"});
}

TEST(Load, ResamplingBeyondMaxLengthIsRefused) {
  TempDir dir;
  write_wav(dir.file("slow.wav"), std::vector<float>(1000, 0.1f), 1, 100);  // 10 s at 100 Hz
  LoadOptions opt;
  opt.max_length = 100000;  // 441000 samples at 44.1 kHz would be needed
  expect_error<IoError>([&] { load_audio(dir.file("slow.wav"), opt); }, {"slow.wav", "100 Hz", "more than the 100000"});
}

TEST(Load, CutDecodesOnlyTheHeadAndGivesTheSameSamples) {
  // A 20 s stereo file at 48 kHz cut to 2 s at 44.1 kHz: load_audio decodes 2.5 s of it; the result
  // must be what decoding, mixing and resampling the whole file and cutting it gives.
  TempDir dir;
  std::vector<float> x(2 * 48000 * 20);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * std::sin(0.0007f * static_cast<float>(i)) + 0.1f * std::sin(0.31f * static_cast<float>(i));
  write_wav(dir.file("long.wav"), x, 2, 48000, WavFormat::Float32);
  LoadOptions opt;
  opt.length = 2 * 44100;
  const std::vector<float> head = load_audio(dir.file("long.wav"), opt);
  std::vector<float> whole = resample(mixdown(read_audio(dir.file("long.wav")), opt.mixdown), 48000, 44100, opt.quality);
  for (float& v : whole) v = std::clamp(v, -1.0f, 1.0f);
  whole.resize(static_cast<size_t>(opt.length));
  EXPECT_EQ(head, whole);
  EXPECT_EQ(read_audio(dir.file("long.wav"), 2.5).frames, 120000);
}

TEST(Load, StereoAt48kIsMixedResampledAndFitted) {
  TempDir dir;
  // Left and right carry the same 440 Hz sine at 0.3: the sum mixdown gives 0.6.
  std::vector<float> st;
  for (float v : testing::sine(440.0, 48000, 24000, 0.3)) { st.push_back(v); st.push_back(v); }
  write_wav(dir.file("st.wav"), st, 2, 48000);
  LoadOptions opt;
  opt.sample_rate = 44100;
  opt.length = 44100;
  auto y = load_audio(dir.file("st.wav"), opt);
  ASSERT_EQ(y.size(), 44100u);
  EXPECT_NEAR(peak(std::vector<float>(y.begin() + 1000, y.begin() + 20000)), 0.6, 2e-3);
  for (size_t i = 22050 + 100; i < y.size(); ++i) ASSERT_EQ(y[i], 0.0f) << "zero padding at " << i;
  opt.mixdown = Mixdown::Mean;
  EXPECT_NEAR(peak(load_audio(dir.file("st.wav"), opt)), 0.3, 2e-3);
}

TEST(Load, Esc50ClipsHaveTheOfficialLength) {
  SKIP_WITHOUT_ESC50();
  LoadOptions opt;  // 44.1 kHz, sum, 5 s
  opt.length = 220500;
  for (const char* stem : {"1-100038-A-14", "1-101336-A-30", "1-103995-A-30"}) {  // mono, stereo, 48 kHz
    auto y = load_audio(testing::esc50_dir() + "/audio/" + stem + ".ogg", opt);
    EXPECT_EQ(y.size(), 220500u) << stem;
    EXPECT_LE(peak(y), 1.0f) << stem;
    EXPECT_GT(rms(y), 1e-3) << stem;
  }
}

}  // namespace
}  // namespace ag::audio
