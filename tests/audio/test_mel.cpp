// The mel scale, torchaudio's melscale_fbanks, the sparse filterbank, dB and MFCC.
#include <gtest/gtest.h>

#include <tuple>

#include "audio/db.hpp"
#include "audio/mel.hpp"
#include "audio/mfcc.hpp"
#include "tensor/random.hpp"
#include "test_utils.hpp"

namespace ag::audio {
namespace {

TEST(MelScale, KnownValuesAndInverse) {
  EXPECT_NEAR(hz_to_mel(1000.0, MelScale::Slaney), 15.0, 1e-12);
  EXPECT_NEAR(hz_to_mel(500.0, MelScale::Slaney), 7.5, 1e-12);
  EXPECT_NEAR(hz_to_mel(6400.0, MelScale::Slaney), 42.0, 1e-9);  // 15 + 27 (log step ln 6.4 / 27)
  EXPECT_NEAR(hz_to_mel(700.0, MelScale::Htk), 2595.0 * std::log10(2.0), 1e-9);
  for (double f : {0.0, 50.0, 999.0, 1000.0, 1234.5, 14000.0, 22050.0})
    for (MelScale s : {MelScale::Slaney, MelScale::Htk}) EXPECT_NEAR(mel_to_hz(hz_to_mel(f, s), s), f, 1e-9 * (1 + f));
}

void expect_fbank(const std::string& fixture, int n_freqs, double f_min, double f_max, int n_mels, int rate,
                  MelNorm norm, MelScale scale) {
  const auto expect = testing::load_fixture(fixture);
  ASSERT_EQ(expect.shape, (Shape{n_freqs, n_mels}));
  const auto got = mel_filterbank(n_freqs, f_min, f_max, n_mels, rate, norm, scale);
  double max_err = 0;
  for (size_t i = 0; i < got.size(); ++i) max_err = std::max(max_err, std::fabs(got[i] - expect.values[i]));
  EXPECT_LT(max_err, 1e-6) << fixture;
  std::cout << "  [" << fixture << "] max |ours - torchaudio| = " << max_err << "\n";
}

TEST(MelFilterbank, MatchesTorchaudioMelscaleFbanks) {
  expect_fbank("fbank_erann.npy", 691, 50, 14000, 128, 44100, MelNorm::Slaney, MelScale::Slaney);
  expect_fbank("fbank_panns.npy", 513, 50, 14000, 64, 32000, MelNorm::Slaney, MelScale::Slaney);
  expect_fbank("fbank_htk_none_16k.npy", 257, 0, 8000, 40, 16000, MelNorm::None, MelScale::Htk);
  expect_fbank("fbank_htk_slaney_22k.npy", 257, 20, 11025, 40, 22050, MelNorm::Slaney, MelScale::Htk);
}

TEST(MelFilterbank, SlaneyNormGivesEqualAreas) {
  // Each normalised triangle has area 1 (in Hz): sum_k w[k] * bin_width ~= 1 when bins are dense.
  const int n_freqs = 8193, rate = 44100;
  const auto fb = mel_filterbank(n_freqs, 50, 14000, 32, rate, MelNorm::Slaney, MelScale::Slaney);
  const double bin_hz = (rate / 2) / double(n_freqs - 1);
  for (int m = 0; m < 32; ++m) {
    double area = 0;
    for (int k = 0; k < n_freqs; ++k) area += fb[static_cast<size_t>(k) * 32 + m] * bin_hz;
    EXPECT_NEAR(area, 1.0, 0.02) << "filter " << m;
  }
}

TEST(MelFilterbank, SparseApplyMatchesDenseReference) {
  Generator gen(5);
  for (auto [n_freqs, n_mels] : {std::pair{691, 128}, std::pair{513, 64}, std::pair{9, 3}, std::pair{65, 40}}) {
    MelFilterbank fb(n_freqs, 20, 4000, n_mels, 8000, MelNorm::Slaney, MelScale::Htk);
    const int64_t frames = 7;
    std::vector<float> spec(frames * n_freqs);
    std::vector<double> spec_d(spec.size());
    for (size_t i = 0; i < spec.size(); ++i) spec_d[i] = spec[i] = static_cast<float>(gen.uniform());
    const auto ref = apply_mel_reference(spec_d, frames, fb.dense(), n_freqs, n_mels);
    std::vector<float> got(frames * n_mels);
    for (int64_t t = 0; t < frames; ++t) fb.apply(spec.data() + t * n_freqs, got.data() + t * n_mels);
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], ref[i], 1e-5 * (1 + std::fabs(ref[i]))) << i;
  }
}

TEST(MelFilterbank, BlockApplyMatchesFrameByFrameAndReadsOnlyUsedBins) {
  // apply_block: kBlock frames at once, frame-minor, must equal apply() frame by frame; and neither
  // may read a bin at or above used_bins() (they are NaN here, so reading one would show).
  Generator gen(6);
  constexpr int kB = MelFilterbank::kBlock;
  for (auto [n_freqs, f_max, n_mels, rate] : {std::tuple{691, 14000.0, 128, 44100}, std::tuple{513, 14000.0, 64, 32000},
                                               std::tuple{65, 4000.0, 40, 8000}}) {
    MelFilterbank fb(n_freqs, 50, f_max, n_mels, rate, MelNorm::Slaney, MelScale::Slaney);
    const int used = fb.used_bins();
    // Tight: the last used bin has a non-zero weight, every later one none.
    double last_col = 0;
    for (int m = 0; m < n_mels; ++m) last_col += fb.dense()[static_cast<size_t>(used - 1) * n_mels + m];
    EXPECT_GT(last_col, 0.0);
    for (int k = used; k < n_freqs; ++k)
      for (int m = 0; m < n_mels; ++m) ASSERT_EQ(fb.dense()[static_cast<size_t>(k) * n_mels + m], 0.0);
    std::vector<double> block(static_cast<size_t>(n_freqs) * kB, std::nan(""));
    std::vector<std::vector<double>> frames(kB, std::vector<double>(n_freqs, std::nan("")));
    for (int f = 0; f < kB; ++f)
      for (int k = 0; k < used; ++k) frames[f][k] = block[static_cast<size_t>(k) * kB + f] = gen.uniform();
    std::vector<double> got(static_cast<size_t>(n_mels) * kB), one(n_mels);
    fb.apply_block(block.data(), got.data());
    for (int f = 0; f < kB; ++f) {
      fb.apply(frames[f].data(), one.data());
      for (int m = 0; m < n_mels; ++m) ASSERT_NEAR(got[static_cast<size_t>(m) * kB + f], one[m], 1e-12 * (1 + one[m])) << m;
    }
  }
  // ERANN's front end: f_max = 14 kHz of 22.05 uses 439 of 691 bins.
  EXPECT_EQ(MelFilterbank(691, 50, 14000, 128, 44100, MelNorm::Slaney, MelScale::Slaney).used_bins(), 439);
}

TEST(MelFilterbank, BadArgumentsAreExplained) {
  EXPECT_THROW(mel_filterbank(691, 50, 30000, 128, 44100), ValueError);  // f_max above Nyquist
  EXPECT_THROW(mel_filterbank(691, 500, 100, 128, 44100), ValueError);
  EXPECT_THROW(mel_filterbank(1, 0, 100, 4, 8000), ValueError);
  EXPECT_THROW(parse_mel_scale("bark"), ValueError);
}

TEST(Db, PowerAmplitudeTopDbAndLog) {
  std::vector<float> p = {1.0f, 0.1f, 1e-12f, 100.0f, 0.0f};
  power_to_db(p.data(), 5);
  EXPECT_NEAR(p[0], 0.0f, 1e-6);
  EXPECT_NEAR(p[1], -10.0f, 1e-5);
  EXPECT_NEAR(p[2], -100.0f, 1e-4);  // floored at amin = 1e-10
  EXPECT_NEAR(p[3], 20.0f, 1e-5);
  EXPECT_NEAR(p[4], -100.0f, 1e-4);
  std::vector<float> q = {1.0f, 0.1f, 1e-12f, 100.0f};
  power_to_db(q.data(), 4, 1e-10, 10.0, 50.0);  // ref 10 -> -10 dB offset; clamp at 10 - 50 = -40
  EXPECT_NEAR(q[0], -10.0f, 1e-5);
  EXPECT_NEAR(q[2], -40.0f, 1e-5);
  EXPECT_NEAR(q[3], 10.0f, 1e-5);
  std::vector<float> a = {0.1f};
  amplitude_to_db(a.data(), 1);
  EXPECT_NEAR(a[0], -20.0f, 1e-5);
  std::vector<float> l = {0.0f, 1.0f};
  log_eps(l.data(), 2, 1e-6);
  EXPECT_NEAR(l[0], std::log(1e-6f), 1e-5);
  EXPECT_NEAR(l[1], 0.0f, 1e-5);
  EXPECT_THROW(power_to_db(p.data(), 1, 0.0), ValueError);
}

TEST(Db, FastLogMatchesStdLog) {
  // Absolute error (what reaches the dB value, times 10 / ln 10): < 1e-12 from 1e-12 to 1e12.
  double worst = 0;
  for (double x = 1e-12; x < 1e12; x *= 1.0137) worst = std::max(worst, std::fabs(fast_log(x) - std::log(x)));
  for (double x : {0.70710678118654746, 0.70710678118654757, 1.0, 1.4142135623730949, 1.4142135623730951, 2.0, 1e-10})
    EXPECT_NEAR(fast_log(x), std::log(x), 1e-12) << x;
  EXPECT_EQ(fast_log(1.0), 0.0);
  EXPECT_LT(worst, 1e-12);
}

TEST(Mfcc, DctIsOrthonormalAndMatchesTorchaudio) {
  const auto d = dct_matrix(128, 128);
  for (int i = 0; i < 128; i += 17)
    for (int j = 0; j < 128; j += 13) {
      double dot = 0;
      for (int m = 0; m < 128; ++m) dot += d[m * 128 + i] * d[m * 128 + j];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12);
    }
  EXPECT_THROW(dct_matrix(41, 40), ValueError);
}

}  // namespace
}  // namespace ag::audio
