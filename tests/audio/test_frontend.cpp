// The log-mel front end: presets, the fused fast path against the double reference, and
// conformance with torchaudio's MelSpectrogram + AmplitudeToDB on real ESC-50 clips and synthetic
// signals (fixtures from tools/make_audio_fixtures.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "audio/frontend.hpp"
#include "audio/load.hpp"
#include "audio/mfcc.hpp"
#include "test_utils.hpp"

namespace ag::audio {
namespace {

// Largest |fast - reference| over all entries (the fused path against LogMel::reference()).
double max_abs_error(const std::vector<float>& fast, const std::vector<double>& ref) {
  EXPECT_EQ(fast.size(), ref.size());
  double err = 0;
  for (size_t i = 0; i < std::min(fast.size(), ref.size()); ++i) err = std::max(err, std::fabs(fast[i] - ref[i]));
  return err;
}

// Largest |ours - expected| over the entries where the reference is above `floor_db`.
double max_db_error(const std::vector<float>& got, const std::vector<float>& expect, double floor_db = -80.0) {
  double err = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (expect[i] > floor_db) err = std::max(err, std::fabs(double(got[i]) - expect[i]));
  return err;
}

TEST(Frontend, PresetsAreTheSpecs) {
  const auto e = FrontendConfig::erann();
  EXPECT_EQ(e.sample_rate, 44100);
  EXPECT_EQ(e.n_fft, 1380);
  EXPECT_EQ(e.win_length, 1380);
  EXPECT_EQ(e.hop_length, 345);
  EXPECT_EQ(e.n_mels, 128);
  EXPECT_EQ(e.num_frames(220500), 640);
  const auto p = FrontendConfig::preset("panns");
  EXPECT_EQ(p.sample_rate, 32000);
  EXPECT_EQ(p.n_fft, 1024);
  EXPECT_EQ(p.hop_length, 320);
  EXPECT_EQ(p.n_mels, 64);
  EXPECT_EQ(p.num_frames(160000), 501);
  for (const auto& c : {e, p}) {
    EXPECT_EQ(c.f_min, 50.0);
    EXPECT_EQ(c.f_max, 14000.0);
    EXPECT_EQ(c.mel_scale, MelScale::Slaney);
    EXPECT_EQ(c.mel_norm, MelNorm::Slaney);
    EXPECT_EQ(c.top_db, 0.0);
    EXPECT_TRUE(c.center && c.periodic_window && c.pad_mode == PadMode::Reflect && c.power == 2.0);
  }
  EXPECT_THROW(FrontendConfig::preset("vggish"), ValueError);
  EXPECT_NE(e.key(), p.key());
  auto e2 = e;
  e2.top_db = 80;
  EXPECT_NE(e.key(), e2.key());
}

TEST(Frontend, FusedPathMatchesDoubleReference) {
  Generator gen(9);
  for (auto cfg : {FrontendConfig::erann(), FrontendConfig::panns()}) {
    std::vector<float> x(3001);  // not a multiple of the hop (the O(n^2) reference is slow: keep it short)
    for (auto& v : x) v = static_cast<float>(0.3 * gen.normal());
    for (LogScale log : {LogScale::Db, LogScale::Log, LogScale::None}) {
      if (cfg.n_fft == 1024 && log != LogScale::Db) continue;
      cfg.log = log;
      LogMel lm(cfg);
      const auto fast = lm.compute(x);
      const auto ref = lm.reference(x);
      ASSERT_EQ(fast.size(), ref.size());
      double max_err = 0, max_ref = 0;
      for (size_t i = 0; i < ref.size(); ++i) {
        max_err = std::max(max_err, std::fabs(fast[i] - ref[i]));
        max_ref = std::max(max_ref, std::fabs(ref[i]));
      }
      // dB and log: absolute error; power: relative to the largest value.
      EXPECT_LT(log == LogScale::None ? max_err / max_ref : max_err, 1e-4) << log_scale_name(log) << " " << cfg.n_fft;
    }
  }
}

TEST(Frontend, FusedPathMatchesReferenceAtTheEdgesAndInEveryMode) {
  // The fused path frames the clip in place and pads only the frames that reach past an edge;
  // frames go through the mel in blocks of 8 (a partial last block here). Against the reference
  // (which pads the whole signal first): no centre, zero padding with magnitude, and a clip so
  // short that every frame touches an edge.
  Generator gen(10);
  struct Case { bool center; PadMode pad; double power; int length; };
  for (const Case& cs : {Case{false, PadMode::Reflect, 2.0, 3001}, Case{true, PadMode::Constant, 1.0, 3001},
                         Case{true, PadMode::Reflect, 2.0, 691}, Case{true, PadMode::Constant, 2.0, 700}}) {
    FrontendConfig cfg = FrontendConfig::erann();
    cfg.center = cs.center;
    cfg.pad_mode = cs.pad;
    cfg.power = cs.power;
    std::vector<float> x(cs.length);
    for (auto& v : x) v = static_cast<float>(0.3 * gen.normal());
    LogMel lm(cfg);
    EXPECT_LT(max_abs_error(lm.compute(x), lm.reference(x)), 1e-4) << "center " << cs.center << " pad " << pad_mode_name(cs.pad) << " power " << cs.power
                             << " length " << cs.length;
  }
  // An odd n_fft with a length the hop divides: the last frame's window ends inside the padding.
  FrontendConfig odd = FrontendConfig::panns();
  odd.sample_rate = 8000;
  odd.n_fft = odd.win_length = 255;
  odd.hop_length = 85;
  odd.n_mels = 16;
  odd.f_max = 4000;
  std::vector<float> x(850);
  for (auto& v : x) v = static_cast<float>(0.3 * gen.normal());
  LogMel lm(odd);
  EXPECT_EQ(lm.num_frames(850), 10);  // torch.stft: 1 + (850 + 2 * 127 - 255) // 85
  EXPECT_LT(max_abs_error(lm.compute(x), lm.reference(x)), 1e-4);
}

TEST(Frontend, TensorBoundaryShapesAndBatchEqualsSingle) {
  LogMel lm(FrontendConfig::panns());
  Generator gen(1);
  std::vector<std::vector<float>> clips(3, std::vector<float>(16000));
  for (auto& c : clips)
    for (auto& v : c) v = static_cast<float>(gen.uniform(-0.5, 0.5));
  Tensor one = lm(clips[1]);
  EXPECT_EQ(one.shape(), (Shape{51, 64}));
  Tensor b = lm.batch(clips);
  EXPECT_EQ(b.shape(), (Shape{3, 51, 64}));
  const auto bv = b.to_vector<float>();
  const auto ov = one.to_vector<float>();
  for (size_t i = 0; i < ov.size(); ++i) ASSERT_EQ(bv[51 * 64 + i], ov[i]);
  // (B, L) tensor input gives the same as batch().
  std::vector<float> flat;
  for (auto& c : clips) flat.insert(flat.end(), c.begin(), c.end());
  Tensor bt = lm(from_vector(flat, {3, 16000}));
  EXPECT_EQ(bt.to_vector<float>(), bv);
  EXPECT_THROW(lm(zeros({2, 3, 16000})), ShapeError);
  clips[2].resize(15000);
  EXPECT_THROW(lm.batch(clips), ShapeError);
}

TEST(Frontend, SyntheticMatchesTorchaudio) {
  const auto x = testing::load_fixture("synth_wave.npy").values;
  struct Case { std::string fixture; FrontendConfig cfg; };
  std::vector<Case> cases;
  cases.push_back({"synth_logmel_erann.npy", FrontendConfig::erann()});
  FrontendConfig htk = FrontendConfig::erann();
  htk.mel_scale = MelScale::Htk;
  htk.mel_norm = MelNorm::None;
  htk.n_mels = 40;
  htk.n_fft = 1024;
  htk.win_length = 800;
  htk.hop_length = 256;
  cases.push_back({"synth_logmel_htk_nonorm.npy", htk});
  FrontendConfig ham = FrontendConfig::erann();
  ham.window = WindowType::Hamming;
  ham.pad_mode = PadMode::Constant;
  ham.power = 1.0;
  ham.top_db = 60.0;
  cases.push_back({"synth_logmel_hamming_constant_mag_topdb.npy", ham});
  for (const auto& c : cases) {
    const auto expect = testing::load_fixture(c.fixture);
    LogMel lm(c.cfg);
    const auto got = lm.compute(x);
    ASSERT_EQ((Shape{lm.num_frames(int64_t(x.size())), c.cfg.n_mels}), expect.shape) << c.fixture;
    // Magnitude spectra in dB use 20 log10: the same relative error gives twice the dB error,
    // and the floor for "audible" is -80 dB of power = -80 dB of magnitude too.
    const double err = max_db_error(got, expect.values);
    std::cout << "  [" << c.fixture << "] max |ours - torchaudio| = " << err << " dB\n";
    EXPECT_LT(err, 1e-3) << c.fixture;
  }
}

TEST(Frontend, MfccMatchesTorchaudio) {
  const auto x = testing::load_fixture("synth_wave.npy").values;
  const auto expect = testing::load_fixture("synth_mfcc_erann_40.npy");
  FrontendConfig cfg = FrontendConfig::erann();
  cfg.top_db = 80.0;  // torchaudio MFCC's default
  LogMel lm(cfg);
  const auto logmel = lm.compute(x);
  const int64_t frames = lm.num_frames(int64_t(x.size()));
  const auto got = mfcc(logmel, frames, 128, 40);
  ASSERT_EQ((Shape{frames, 40}), expect.shape);
  double err = 0;
  for (size_t i = 0; i < got.size(); ++i) err = std::max(err, std::fabs(double(got[i]) - expect.values[i]));
  EXPECT_LT(err, 5e-3);  // sums of 128 dB values of magnitude up to ~1000
}

struct ClipRow {
  std::string stem, form;
  double start_s;
};
std::vector<ClipRow> fixture_clips() {
  std::ifstream in(std::string(testing::kFixtures) + "clips.tsv");
  std::string line;
  std::getline(in, line);  // header
  std::vector<ClipRow> rows;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    ClipRow r;
    double rms_unused;
    ss >> r.stem >> r.form >> r.start_s >> rms_unused;
    rows.push_back(r);
  }
  return rows;
}

TEST(Frontend, RealEsc50ClipsMatchTorchaudio) {
  SKIP_WITHOUT_ESC50();
  const auto rows = fixture_clips();
  ASSERT_GE(rows.size(), 10u);
  int n_stereo = 0, n_48k = 0, n_panns = 0;
  double worst = 0;
  for (const auto& r : rows) {
    n_stereo += r.form.find("2ch") != std::string::npos;
    n_48k += r.form.find("48000") != std::string::npos;
    for (const char* preset : {"erann", "panns"}) {
      const std::string fixture = std::string("logmel_") + preset + "_" + r.stem + ".npy";
      if (!std::filesystem::exists(testing::kFixtures + fixture)) continue;
      const auto cfg = FrontendConfig::preset(preset);
      LoadOptions opt;
      opt.sample_rate = cfg.sample_rate;
      const auto full = load_audio(testing::esc50_dir() + "/audio/" + r.stem + ".ogg", opt);
      const int64_t start = static_cast<int64_t>(r.start_s * cfg.sample_rate);
      const std::vector<float> second(full.begin() + start, full.begin() + start + cfg.sample_rate);
      const auto got = LogMel(cfg).compute(second);
      const auto expect = testing::load_fixture(fixture);
      ASSERT_EQ(got.size(), expect.values.size()) << fixture;
      const double err = max_db_error(got, expect.values);
      worst = std::max(worst, err);
      n_panns += preset[0] == 'p';
      std::cout << "  [" << fixture << "] " << err << " dB\n";
      EXPECT_LT(err, 1e-3) << fixture << " (" << r.form << ")";
    }
  }
  EXPECT_GE(n_stereo, 3);
  EXPECT_GE(n_48k, 3);
  EXPECT_GE(n_panns, 4);
  std::cout << "  " << rows.size() << " clips (" << n_stereo << " stereo, " << n_48k << " at 48 kHz), erann + "
            << n_panns << " panns: worst max |ours - torchaudio| = " << worst << " dB (where > -80 dB)\n";
}

}  // namespace
}  // namespace ag::audio

namespace ag::audio {
namespace {

// The seed pipeline's front end (`survey`, for --model blocks) against torchaudio's
// MelSpectrogram(30000, n_fft=930, win_length=930, hop_length=240, n_mels=128, f_min=30,
// f_max=15000) and log10(x + 1), in float64 (tools/make_blocks_fixtures.py).
TEST(Frontend, SurveyPresetMatchesTheSeedsTorchaudioFrontEnd) {
  const auto cfg = FrontendConfig::preset("survey");
  EXPECT_EQ(cfg.sample_rate, 30000);
  EXPECT_EQ(cfg.mel_scale, MelScale::Htk);
  EXPECT_EQ(cfg.mel_norm, MelNorm::None);
  EXPECT_EQ(cfg.log, LogScale::Log10p1);
  const auto wave = testing::load_fixture("survey_wave.npy");
  const auto expect = testing::load_fixture("survey_logmel.npy");
  const auto got = LogMel(cfg).compute(wave.values);
  ASSERT_EQ(got.size(), expect.values.size());
  ASSERT_EQ(static_cast<int64_t>(got.size()) / 128, cfg.num_frames(30000));  // 126 frames
  double worst = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(got[i]) - expect.values[i]));
    scale = std::max(scale, std::abs(static_cast<double>(expect.values[i])));
  }
  std::cout << "  survey log-mel: max |ours - torchaudio| = " << worst << " (values up to " << scale << ")\n";
  EXPECT_LT(worst, 1e-4 * scale);
  EXPECT_GT(scale, 1.0);  // the fixture is not silence
  EXPECT_EQ(parse_log_scale("log10p1"), LogScale::Log10p1);
  EXPECT_THROW(parse_log_scale("log2"), ValueError);
}

}  // namespace
}  // namespace ag::audio
