// test_tag.cpp: `audiograd tag` with a converted PANNs tagger (tests/fixtures/models/panns-cnn14-converted,
// CNN14 at width 2): the windows a file gets and their timestamps, scores equal to `predict` on the
// same samples, the output files, a 10-minute live stream on standard input (one line per hop, in
// constant memory), and input that goes wrong part way.
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/audiograd/json.hpp"
#include "audio/decode.hpp"
#include "tests/apps/app_runner.hpp"

namespace fs = std::filesystem;

namespace {

const char* kTagger = "tests/fixtures/models/panns-cnn14-converted/weights.safetensors";

using ag::app::Json;
using Result = ag::test::ShellResult;

Result app(const std::string& args) { return ag::test::shell(std::string(AUDIOGRAD_BIN) + " " + args); }
std::string tmp(const std::string& name) { return ag::test::temp_path("audiograd_tag", name); }

std::string tag(const std::string& input, const std::string& extra) {
  return "tag " + input + " --checkpoint " + kTagger + " --threads 1 " + extra;
}

// A chirp with noise at 32 kHz (the tagger's rate), so that windows differ from each other.
std::vector<float> chirp(int64_t n, uint32_t seed = 1) {
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    const double t = i / 32000.0;
    x[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * (200 + 150 * std::fmod(t, 7.0)) * t) + 0.05 * ((seed >> 8) / 16777216.0 - 0.5));
  }
  return x;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream is(text);
  for (std::string l; std::getline(is, l);) out.push_back(l);
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Json read_json(const std::string& path) {
  std::ifstream f(path);
  return Json::parse(f);
}

TEST(Tag, WindowsOfAFileAndTheirTimestamps) {
  // 7.3 s, 2 s windows every 1 s: starts 0..5 s, then one window ending at the end (5.3-7.3 s).
  const std::string wav = tmp("seven.wav");
  ag::audio::write_wav(wav, chirp(7.3 * 32000), 1, 32000);
  Result r = app(tag(wav, "--window 2 --hop 1 --print csv --top-k 2 --json " + tmp("seven.json") + " --csv " + tmp("seven.csv")));
  ASSERT_EQ(r.status, 0) << r.out;
  Json j = read_json(tmp("seven.json"));
  ASSERT_EQ(j["windows"].size(), 7u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_DOUBLE_EQ(j["windows"][i]["start"].get<double>(), i);
    EXPECT_DOUBLE_EQ(j["windows"][i]["end"].get<double>(), i + 2);
  }
  EXPECT_NEAR(j["windows"][6]["start"].get<double>(), 5.3, 1e-9);
  EXPECT_NEAR(j["windows"][6]["end"].get<double>(), 7.3, 1e-9);
  EXPECT_NEAR(j["seconds"].get<double>(), 7.3, 1e-9);
  EXPECT_EQ(j["task"], "tagging");
  EXPECT_EQ(j["classes"].size(), 527u);
  EXPECT_EQ(j["windows"][0]["scores"].size(), 527u);
  EXPECT_EQ(j["summary"].size(), 527u);
  // --csv: start,end and a column per class; --print csv: the top 2 per window.
  std::ifstream f(tmp("seven.csv"));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> rows = lines(text);
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0].rfind("start,end,Speech,\"Male speech, man speaking\",", 0), 0u) << rows[0].substr(0, 80);
  EXPECT_EQ(rows[3].rfind("2.000,4.000,", 0), 0u) << rows[3].substr(0, 40);
  std::vector<std::string> out = lines(r.out);
  int csv_rows = 0;  // (stderr's lines, merged in here, start with "tag:")
  for (const auto& l : out)
    if (!l.empty() && std::isdigit(static_cast<unsigned char>(l[0]))) ++csv_rows;
  EXPECT_EQ(csv_rows, 7) << r.out;
  EXPECT_NE(r.out.find("start,end,label1,score1,label2,score2"), std::string::npos) << r.out;
  // The summary's max is the largest window score of that class.
  const std::string top = j["summary"][0]["class"];
  double best = 0;
  const auto& names = j["classes"];
  size_t c = 0;
  while (c < names.size() && names[c] != top) ++c;
  ASSERT_LT(c, names.size());
  for (const auto& w : j["windows"]) best = std::max(best, w["scores"][c].get<double>());
  EXPECT_NEAR(j["summary"][0]["max"].get<double>(), best, 1e-6);
}

TEST(Tag, DefaultWindowIsTheModelsClipLength) {
  // The converted PANNs model was trained on 10 s clips: 10 s windows every 5 s by default, so a
  // 12 s file gets 0-10 s and the window ending at the end, 2-12 s.
  ag::audio::write_wav(tmp("twelve.wav"), chirp(12 * 32000), 1, 32000);
  Result r = app(tag(tmp("twelve.wav"), "--print json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("10 s windows every 5 s at 32000 Hz"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"type\":\"window\",\"start\":0.0,\"end\":10.0,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"type\":\"window\",\"start\":2.0,\"end\":12.0,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"type\":\"summary\",\"windows\":2,"), std::string::npos) << r.out;
}

TEST(Tag, ScoresEqualPredictOnTheSameSamples) {
  // The third window (2-4 s) of a file, cut out and given to predict, gets the same 527 scores.
  std::vector<float> x = chirp(6 * 32000, 7);
  ag::audio::write_wav(tmp("six.wav"), x, 1, 32000);
  ag::audio::write_wav(tmp("cut.wav"), std::vector<float>(x.begin() + 2 * 32000, x.begin() + 4 * 32000), 1, 32000);
  Result t = app(tag(tmp("six.wav"), "--window 2 --hop 1 --batch 3 --print none --json " + tmp("six.json")));
  ASSERT_EQ(t.status, 0) << t.out;
  Result p = app("predict " + tmp("cut.wav") + " --checkpoint " + kTagger + " --clip-seconds 2 --threads 1 --logits " + tmp("cut.npy"));
  ASSERT_EQ(p.status, 0) << p.out;
  std::vector<float> logits = ag::load_npy(tmp("cut.npy")).to_vector<float>();
  Json j = read_json(tmp("six.json"));
  ASSERT_EQ(j["windows"][2]["start"].get<double>(), 2.0);
  const auto& s = j["windows"][2]["scores"];
  ASSERT_EQ(s.size(), logits.size());
  double worst = 0;
  for (size_t i = 0; i < logits.size(); ++i) worst = std::max(worst, std::abs(s[i].get<double>() - 1.0 / (1.0 + std::exp(-logits[i]))));
  EXPECT_LT(worst, 1e-5);
}

TEST(Tag, ShortFileIsOneWindowAndEventsTileTheRecording) {
  ag::audio::write_wav(tmp("short.wav"), chirp(1.5 * 32000), 1, 32000);
  Result r = app(tag(tmp("short.wav"), "--window 2 --print json --on 0.3 --events " + tmp("short.json")));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("{\"type\":\"window\",\"start\":0.0,\"end\":1.5,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"type\":\"summary\",\"windows\":1,"), std::string::npos) << r.out;
  Json ev = read_json(tmp("short.json"));
  ASSERT_FALSE(ev.empty());  // an untrained tagger scores many classes above 0.3
  for (const auto& e : ev) {
    EXPECT_DOUBLE_EQ(e["onset"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(e["offset"].get<double>(), 1.5);
  }
}

TEST(Tag, FramewiseModelGivesScoresPer10msFrame) {
  // cnn14-sed (the same random weights converted as Cnn14_DecisionLevelMax): its frames tile the
  // recording at 10 ms, a window's score is its best frame's (predict's clip score), and events
  // start and end on frame boundaries.
  const char* sed = "tests/fixtures/models/panns-cnn14-sed-converted/weights.safetensors";
  std::vector<float> x = chirp(4.3 * 32000, 11);
  ag::audio::write_wav(tmp("sed.wav"), x, 1, 32000);
  ag::audio::write_wav(tmp("sed_cut.wav"), std::vector<float>(x.begin() + 32000, x.begin() + 3 * 32000), 1, 32000);
  Result r = app("tag " + tmp("sed.wav") + " --checkpoint " + sed + " --window 2 --hop 1 --threads 1 --print none --on 0.6 --off 0.4 " +
                 "--frames " + tmp("sed_frames.csv") + " --json " + tmp("sed.json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("cnn14-sed (tagger: sigmoid scores per 10 ms frame, 527 classes)"), std::string::npos) << r.out;
  std::vector<std::string> rows = lines(slurp(tmp("sed_frames.csv")));
  ASSERT_EQ(rows.size(), 1u + 430u);  // header, then 0.00 .. 4.29 s
  EXPECT_EQ(rows[0].rfind("time,Speech,", 0), 0u);
  for (int f = 0; f < 430; f += 37) {
    char expect[32];
    std::snprintf(expect, sizeof expect, "%.3f,", f * 0.01);
    EXPECT_EQ(rows[1 + f].rfind(expect, 0), 0u) << rows[1 + f].substr(0, 30);
  }
  // Window 1 (1-3 s) against predict on those samples: the clip score, max over its frames.
  Result p = app("predict " + tmp("sed_cut.wav") + " --checkpoint " + sed + " --clip-seconds 2 --threads 1 --logits " + tmp("sed_cut.npy"));
  ASSERT_EQ(p.status, 0) << p.out;
  std::vector<float> logits = ag::load_npy(tmp("sed_cut.npy")).to_vector<float>();
  Json j = read_json(tmp("sed.json"));
  const auto& sc = j["windows"][1]["scores"];
  double worst = 0;
  for (size_t i = 0; i < logits.size(); ++i) worst = std::max(worst, std::abs(sc[i].get<double>() - 1.0 / (1.0 + std::exp(-logits[i]))));
  EXPECT_LT(worst, 1e-5);
  ASSERT_FALSE(j["events"].empty());
  for (const auto& e : j["events"]) {
    const double on = e["onset"].get<double>() * 100, off = e["offset"].get<double>() * 100;
    EXPECT_NEAR(on, std::round(on), 1e-6);
    EXPECT_TRUE(std::abs(off - std::round(off)) < 1e-6 || std::abs(off - 430) < 1e-6) << off;
  }
  // --frames needs a frame-wise model.
  Result bad = app(tag(tmp("sed.wav"), "--frames " + tmp("no.csv")));
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("--frames needs a frame-wise model (cnn14-sed)"), std::string::npos) << bad.out;
  EXPECT_FALSE(fs::exists(tmp("no.csv")));
}

// Writes `seconds` of s16le mono noise at 32 kHz, then `trailing` bytes, into `cmd`'s standard
// input (cmd redirects its own output).
void pipe_into(const std::string& cmd, double seconds, const std::string& trailing = "") {
  signal(SIGPIPE, SIG_IGN);  // a command that stops reading early fails its test, not the test binary
  FILE* p = popen(cmd.c_str(), "w");
  ASSERT_NE(p, nullptr);
  const int64_t n = static_cast<int64_t>(seconds * 32000);
  std::vector<int16_t> block(32000);
  uint32_t seed = 3;
  for (int64_t done = 0; done < n;) {
    const int64_t k = std::min<int64_t>(n - done, static_cast<int64_t>(block.size()));
    for (int64_t i = 0; i < k; ++i) {
      seed = seed * 1664525u + 1013904223u;
      block[i] = static_cast<int16_t>(static_cast<int32_t>(seed >> 16) - 32768) / 4;
    }
    fwrite(block.data(), 2, k, p);
    done += k;
  }
  if (!trailing.empty()) fwrite(trailing.data(), 1, trailing.size(), p);
  pclose(p);
}

TEST(Tag, TenMinuteLiveStreamInConstantMemory) {
  // `... | audiograd tag -`: a line per 1 s hop once its 2 s window is complete; memory the same
  // for 1 minute and for 10.
  const std::string cmd = std::string(AUDIOGRAD_BIN) + " " + tag("-", "--rate 32000 --window 2 --hop 1 --print csv --top-k 1");
  pipe_into(cmd + " --html " + tmp("one.html") + " > " + tmp("one.out") + " 2> " + tmp("one.err"), 60);
  pipe_into(cmd + " --html " + tmp("ten.html") + " > " + tmp("ten.out") + " 2> " + tmp("ten.err"), 600);
  std::vector<std::string> rows = lines(slurp(tmp("ten.out")));
  ASSERT_EQ(rows.size(), 1u + 599u) << slurp(tmp("ten.err"));  // header, windows starting at 0 .. 598 s
  for (int i = 0; i < 599; i += 97) {
    std::ostringstream expect;
    expect << i << ".000," << i + 2 << ".000,";
    EXPECT_EQ(rows[1 + i].rfind(expect.str(), 0), 0u) << rows[1 + i];
  }
  EXPECT_EQ(rows.back().rfind("598.000,600.000,", 0), 0u) << rows.back();
  EXPECT_EQ(lines(slurp(tmp("one.out"))).size(), 1u + 59u);
  auto peak = [](const std::string& err) {  // "..., peak memory 123 MiB"
    const size_t at = err.find("peak memory ");
    return at == std::string::npos ? -1.0 : std::stod(err.substr(at + 12));
  };
  const double m1 = peak(slurp(tmp("one.err"))), m10 = peak(slurp(tmp("ten.err")));
  ASSERT_GT(m1, 0) << slurp(tmp("one.err"));
  EXPECT_LT(m10, m1 * 1.1 + 4) << "1 minute: " << m1 << " MiB, 10 minutes: " << m10 << " MiB";
  // 10 minutes of s16le is 37.5 MiB: holding the stream would show.
  // --html pools the picture: 60 000 frames of 10 ms end as 1000-2000 columns (tag_picture.hpp).
  for (const char* name : {"one.html", "ten.html"}) {
    const std::string h = slurp(tmp(name));
    ASSERT_NE(h.find("<svg"), std::string::npos) << name;
    const size_t at = h.find("base64,");
    ASSERT_NE(at, std::string::npos) << name;
    // IHDR's width and height: bytes 16-23 of the PNG are base64 characters 21.3-32; decode 32.
    static const std::string a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes;
    for (size_t i = 0; i < 32; i += 4) {
      uint32_t v = 0;
      for (size_t k = 0; k < 4; ++k) v = (v << 6) | static_cast<uint32_t>(a.find(h[at + 7 + i + k]));
      bytes += static_cast<char>(v >> 16), bytes += static_cast<char>(v >> 8), bytes += static_cast<char>(v);
    }
    auto be32 = [&](size_t o) { return (uint32_t(uint8_t(bytes[o])) << 24) | (uint32_t(uint8_t(bytes[o + 1])) << 16) | (uint32_t(uint8_t(bytes[o + 2])) << 8) | uint8_t(bytes[o + 3]); };
    EXPECT_GE(be32(16), 1000u) << name;
    EXPECT_LE(be32(16), 2000u) << name;
    EXPECT_EQ(be32(20), 64u) << name;  // the PANNs front end's mels
  }
}

TEST(Tag, StreamCutMidSampleKeepsTheOutputSoFar) {
  const std::string cmd = std::string(AUDIOGRAD_BIN) + " " +
                          tag("-", "--rate 32000 --window 2 --hop 1 --print csv --csv " + tmp("cut.csv") + " > " + tmp("cut.out") + " 2> " +
                                       tmp("cut.err") + "; echo status $? >> " + tmp("cut.err"));
  pipe_into(cmd, 4.5, std::string("\x01", 1));
  const std::string err = slurp(tmp("cut.err"));
  EXPECT_NE(err.find("audiograd: error: tag: standard input ended mid-frame: 1 bytes left over, a frame is 2 bytes"), std::string::npos) << err;
  EXPECT_NE(err.find("the 3 windows before it"), std::string::npos) << err;
  EXPECT_NE(err.find("status 1"), std::string::npos) << err;
  EXPECT_EQ(lines(slurp(tmp("cut.out"))).size(), 4u);  // header + windows at 0, 1, 2 s
  EXPECT_EQ(lines(slurp(tmp("cut.csv"))).size(), 4u);  // the file too, renamed into place
}

TEST(Tag, BadInputGetsOneLine) {
  std::vector<float> nan = {0.1f, 0.2f, std::nanf("")};
  {
    std::ofstream f(tmp("nan.f32"), std::ios::binary);
    f.write(reinterpret_cast<const char*>(nan.data()), 12);
  }
  Result n = app(tag("-", "--rate 16000 --format f32le < " + tmp("nan.f32")));
  EXPECT_EQ(n.status, 1);
  EXPECT_NE(n.out.find("audiograd: error: tag: standard input has a NaN sample at 0.000125 s (channel 0): expected finite samples"),
            std::string::npos) << n.out;
  Result norate = app(tag("-", "< /dev/null"));
  EXPECT_NE(norate.out.find("tag -: --rate is required for raw PCM on standard input"), std::string::npos) << norate.out;
  ag::audio::write_wav(tmp("f.wav"), chirp(32000), 1, 32000);
  Result rate_file = app(tag(tmp("f.wav"), "--rate 16000"));
  EXPECT_NE(rate_file.out.find("--rate, --channels and --format describe raw PCM on standard input"), std::string::npos) << rate_file.out;
  Result badrate = app(tag("-", "--rate 12 < /dev/null"));
  EXPECT_NE(badrate.out.find("--rate must be a sample rate in Hz between 1000 and 768000, got 12"), std::string::npos) << badrate.out;
  Result empty = app(tag("-", "--rate 32000 < /dev/null"));
  EXPECT_NE(empty.out.find("tag: standard input holds no audio"), std::string::npos) << empty.out;
  Result tiny = app(tag(tmp("f.wav"), "--window 0.01"));
  EXPECT_NE(tiny.out.find("--window 0.01 s is shorter than one analysis frame"), std::string::npos) << tiny.out;
  Result med = app(tag(tmp("f.wav"), "--median 2"));
  EXPECT_NE(med.out.find("--median must be an odd number of steps >= 1, got 2"), std::string::npos) << med.out;
  Result fmt = app(tag("-", "--rate 32000 --format s24le < /dev/null"));
  EXPECT_NE(fmt.out.find("--format must be s16le or f32le, got 's24le'"), std::string::npos) << fmt.out;
  Result missing = app(tag(tmp("nope.wav"), ""));
  EXPECT_NE(missing.out.find("no such file"), std::string::npos) << missing.out;
  for (const Result* r : {&n, &norate, &rate_file, &badrate, &empty, &tiny, &med, &fmt, &missing}) {
    EXPECT_EQ(r->status, 1) << r->out;
    EXPECT_EQ(lines(r->out).back().rfind("audiograd: error: ", 0), 0u) << r->out;
  }
}

}  // namespace
