// Augmentations: each test checks the statistics or the effect (widths, SNR, λ, labels, pitch),
// not only that the call runs.
#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include "audio/augment.hpp"
#include "audio/waveform.hpp"
#include "tensor/error.hpp"
#include "test_utils.hpp"

namespace ag::audio {
namespace {

TEST(Augment, GainIsWithinRangeAndAppliedExactly) {
  Generator gen(1);
  double lo = 1e9, hi = -1e9, sum = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    std::vector<float> x = {0.5f, -0.25f};
    const double g = random_gain(x, gen, -6, 3);
    ASSERT_NEAR(x[0], 0.5 * std::pow(10, g / 20), 1e-6);
    ASSERT_NEAR(x[1], -0.25 * std::pow(10, g / 20), 1e-6);
    lo = std::min(lo, g), hi = std::max(hi, g), sum += g;
  }
  EXPECT_GE(lo, -6.0);
  EXPECT_LE(hi, 3.0);
  EXPECT_LT(lo, -5.9);
  EXPECT_GT(hi, 2.9);
  EXPECT_NEAR(sum / n, -1.5, 0.15);  // mean of U[-6, 3]
}

TEST(Augment, NoiseHitsTheDrawnSnr) {
  Generator gen(2);
  const auto clean = testing::sine(440, 16000, 16000, 0.5);
  for (int i = 0; i < 20; ++i) {
    auto x = clean;
    const double snr = add_noise(x, gen, 5, 20);
    ASSERT_GE(snr, 5.0);
    ASSERT_LE(snr, 20.0);
    std::vector<float> noise(x.size());
    for (size_t k = 0; k < x.size(); ++k) noise[k] = x[k] - clean[k];
    const double measured = 20 * std::log10(rms(clean) / rms(noise));
    EXPECT_NEAR(measured, snr, 0.2) << "drawn " << snr;  // 16000 samples: noise power within ~1 %
  }
  std::vector<float> silence(100, 0.0f);
  add_noise(silence, gen, 5, 20);
  EXPECT_EQ(peak(silence), 0.0f);
}

TEST(Augment, ShiftRollsOrZeroFills) {
  Generator gen(3);
  for (int i = 0; i < 50; ++i) {
    std::vector<float> x(10);
    std::iota(x.begin(), x.end(), 1.0f);
    auto rolled = x;
    const int64_t s = time_shift(rolled, gen, 4, true);
    ASSERT_LE(std::abs(s), 4);
    for (int64_t k = 0; k < 10; ++k) ASSERT_EQ(rolled[((k + s) % 10 + 10) % 10], x[k]);
    auto shifted = x;
    Generator g2(100 + i);
    const int64_t s2 = time_shift(shifted, g2, 4, false);
    for (int64_t k = 0; k < 10; ++k) {
      const int64_t src = k - s2;
      ASSERT_EQ(shifted[k], src >= 0 && src < 10 ? x[src] : 0.0f);
    }
  }
}

TEST(Augment, TimeStretchChangesLengthNotPitch) {
  const int sr = 16000;
  const auto x = testing::sine(440, sr, sr);  // 1 s
  for (double rate : {0.8, 1.25}) {
    const auto y = time_stretch(x, rate, 512);
    EXPECT_EQ(static_cast<double>(y.size()), std::round(sr / rate));
    const std::vector<float> mid(y.begin() + 1000, y.end() - 1000);
    EXPECT_NEAR(testing::dominant_frequency(mid, sr, 380, 500, 1.0), 440, 3) << rate;
    EXPECT_NEAR(rms(mid), 0.5 / std::sqrt(2.0), 0.05) << rate;  // WSOLA keeps the level
  }
}

TEST(Augment, PitchShiftChangesPitchNotLength) {
  const int sr = 16000;
  const auto x = testing::sine(440, sr, sr);
  for (double semitones : {2.0, -3.0}) {
    const auto y = pitch_shift(x, semitones, sr);
    ASSERT_EQ(y.size(), x.size());
    const std::vector<float> mid(y.begin() + 1500, y.end() - 1500);
    const double expect = 440 * std::pow(2.0, semitones / 12);
    EXPECT_NEAR(testing::dominant_frequency(mid, sr, 300, 600, 1.0), expect, 4) << semitones;
  }
}

TEST(Augment, RandomTemporalCropIsAWindowOfTheClip) {
  Generator gen(4);
  std::vector<float> x(1000);
  std::iota(x.begin(), x.end(), 0.0f);
  double mean_start = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto y = random_temporal_crop(x, 200, gen);
    ASSERT_EQ(y.size(), 200u);
    ASSERT_EQ(y.back() - y.front(), 199.0f);
    mean_start += y.front() / 1000.0;
  }
  EXPECT_NEAR(mean_start, 400, 15);  // start ~ U{0..800}
}

TEST(Augment, MaskWidthsFollowPannsDefaults) {
  // PANNs: widths drawn in [0, max_width); 2 stripes each. Check the range, the mean and the fill.
  Generator gen(5);
  const int64_t T = 640, F = 128;
  std::vector<int64_t> widths;
  for (int i = 0; i < 500; ++i) {
    std::vector<float> s(T * F);
    for (int64_t k = 0; k < T * F; ++k) s[k] = static_cast<float>(k % 7);  // mean 3 (approx)
    const double mean = std::accumulate(s.begin(), s.end(), 0.0) / s.size();
    auto stripes = time_mask(s.data(), T, F, gen, 2, 64);
    ASSERT_EQ(stripes.size(), 2u);
    for (const auto& st : stripes) {
      ASSERT_GE(st.width, 0);
      ASSERT_LT(st.width, 64);
      ASSERT_LE(st.start + st.width, T);
      widths.push_back(st.width);
      for (int64_t t = st.start; t < st.start + st.width; ++t)
        for (int64_t f = 0; f < F; ++f) ASSERT_NEAR(s[t * F + f], mean, 1e-4);
    }
    auto fs = freq_mask(s.data(), T, F, gen, 2, 8, MaskFill::Constant, -100.0f);
    for (const auto& st : fs) {
      ASSERT_LT(st.width, 8);
      for (int64_t f = st.start; f < st.start + st.width; ++f) ASSERT_EQ(s[5 * F + f], -100.0f);
    }
  }
  const double mean_w = std::accumulate(widths.begin(), widths.end(), 0.0) / widths.size();
  EXPECT_NEAR(mean_w, 31.5, 2.0);  // U{0..63}
  EXPECT_EQ(*std::max_element(widths.begin(), widths.end()), 63);
}

TEST(Augment, TimeWarpMovesTheCentreAndKeepsTheEnds) {
  const int64_t T = 100, F = 2;
  std::vector<float> s(T * F);
  for (int64_t t = 0; t < T; ++t) s[t * F] = s[t * F + 1] = static_cast<float>(t);  // a ramp in time
  auto w = s;
  warp_time_axis(w.data(), T, F, 40, 5);  // frame 40 now sits at 45
  EXPECT_FLOAT_EQ(w[0], 0.0f);
  EXPECT_FLOAT_EQ(w[(T - 1) * F], 99.0f);
  EXPECT_NEAR(w[45 * F], 40.0f, 1e-4);
  for (int64_t t = 1; t < T; ++t) ASSERT_GE(w[t * F], w[(t - 1) * F]);  // still monotone
  Generator gen(6);
  for (int i = 0; i < 100; ++i) {
    auto v = s;
    auto [c, d] = time_warp(v.data(), T, F, gen, 5);
    ASSERT_GE(c, 6);
    ASSERT_LT(c, T - 6);
    ASSERT_LE(std::abs(d), 5);
    ASSERT_NEAR(v[(c + d) * F], static_cast<float>(c), 1e-3);
  }
}

TEST(Augment, FilterAugmentAddsAStepEqualiser) {
  Generator gen(7);
  const int64_t T = 10, F = 64;
  for (int i = 0; i < 100; ++i) {
    std::vector<float> s(T * F, -20.0f);
    const auto gain = filter_augment(s.data(), T, F, gen, -6, 6, 3, 6);
    int steps = 1;
    for (int64_t f = 1; f < F; ++f) steps += gain[f] != gain[f - 1];
    ASSERT_GE(steps, 1);
    ASSERT_LE(steps, 6);
    for (int64_t f = 0; f < F; ++f) {
      ASSERT_GE(gain[f], -6.0f);
      ASSERT_LE(gain[f], 6.0f);
      for (int64_t t = 0; t < T; ++t) ASSERT_FLOAT_EQ(s[t * F + f], -20.0f + gain[f]);  // same for every frame
    }
  }
}

TEST(Augment, MixupLambdaIsBetaAndTargetsMixLikeInputs) {
  Generator gen(8);
  const int64_t B = 8, D = 5, N = 3;
  std::vector<double> all;
  for (int rep = 0; rep < 500; ++rep) {
    std::vector<float> x(B * D), y(B * N, 0.0f);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t d = 0; d < D; ++d) x[b * D + d] = static_cast<float>(b);  // row b is all b
      y[b * N + b % N] = 1.0f;                                             // one-hot
    }
    std::vector<int64_t> partner;
    const auto lam = mixup(x.data(), B, D, y.data(), N, gen, 1.0, &partner);
    for (int64_t b = 0; b < B; ++b) {
      const double expect = lam[b] * b + (1 - lam[b]) * partner[b];
      ASSERT_NEAR(x[b * D], expect, 1e-5);
      double ysum = 0;
      for (int64_t n = 0; n < N; ++n) ysum += y[b * N + n];
      ASSERT_NEAR(ysum, 1.0, 1e-6);  // still a distribution
      ASSERT_NEAR(y[b * N + b % N], lam[b] + (partner[b] % N == b % N ? 1 - lam[b] : 0.0), 1e-6);
      all.push_back(lam[b]);
    }
  }
  // Beta(1, 1) is uniform: mean 1/2, variance 1/12.
  const double mean = std::accumulate(all.begin(), all.end(), 0.0) / all.size();
  double var = 0;
  for (double l : all) var += (l - mean) * (l - mean) / all.size();
  EXPECT_NEAR(mean, 0.5, 0.02);
  EXPECT_NEAR(var, 1.0 / 12, 0.005);
  // Beta(0.2, 0.2) piles up near 0 and 1.
  std::vector<float> x(2 * 1000), y(2 * 1000);
  Generator g2(9);
  int extreme = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto l = mixup(x.data(), 2, 1, y.data(), 1, g2, 0.2);
    extreme += l[0] < 0.1 || l[0] > 0.9;
  }
  EXPECT_GT(extreme, 600);
}

TEST(Augment, ParseByNameWithDefaultsAndClearErrors) {
  const auto specs = parse_augmentations("gain(p=0.25, max_db=3) time_mask freq_mask(max_width=4)");
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].name, "gain");
  EXPECT_EQ(specs[0].p, 0.25);
  EXPECT_EQ(specs[0].get("max_db", 0), 3);
  EXPECT_EQ(specs[0].get("min_db", 0), -6);  // default kept
  EXPECT_EQ(specs[1].get("max_width", 0), 64);
  EXPECT_EQ(specs[2].get("max_width", 0), 4);
  EXPECT_THROW(parse_augmentations("reverb"), ValueError);
  EXPECT_THROW(parse_augmentations("gain(level=3)"), ValueError);
  EXPECT_THROW(parse_augmentations("gain(p=2)"), ValueError);
  EXPECT_THROW(parse_augmentations("gain(p=0.5"), ValueError);
  AugmentChain chain("gain(p=1,min_db=6,max_db=6) time_mask(p=0)");
  EXPECT_TRUE(chain.has_waveform());
  EXPECT_FALSE(chain.has_spectrogram());  // p = 0 never fires
  Generator gen(10);
  std::vector<float> x = {0.1f};
  chain.apply_waveform(x, gen);
  EXPECT_NEAR(x[0], 0.1 * std::pow(10, 6.0 / 20), 1e-6);
}

// The table in augment_chain.cpp is the only list of names: the listing, the errors, the domain
// split and the defaults of a spec made by hand all come from it.
TEST(Augment, OneTableNamesDomainsAndDefaults) {
  const std::vector<std::string> names = augmentation_names();
  EXPECT_EQ(names, (std::vector<std::string>{"filter_augment", "freq_mask", "gain", "noise", "pitch_shift", "shift",
                                             "time_mask", "time_stretch", "time_warp"}));
  for (const std::string& name : names) {
    AugmentChain chain(name + "(p=1)");
    EXPECT_NE(chain.has_waveform(), chain.has_spectrogram()) << name;  // exactly one domain
  }
  auto message = [](const std::string& text) {
    try {
      parse_augmentations(text);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("reverb").find("unknown augmentation 'reverb'"), std::string::npos);
  EXPECT_NE(message("reverb").find("known: filter_augment, freq_mask, gain, noise, pitch_shift, shift, time_mask, "
                                   "time_stretch, time_warp"),
            std::string::npos);
  EXPECT_NE(message("gain(level=3)").find("'gain' has no parameter 'level'; it takes max_db, min_db, p"),
            std::string::npos);
  // A spec without parameters runs with the table's defaults, drawing what the parsed one draws.
  AugmentSpec bare;
  bare.name = "filter_augment";
  AugmentChain by_hand(std::vector<AugmentSpec>{bare}), parsed("filter_augment(p=1)");
  std::vector<float> s1(20 * 16, 0.0f), s2 = s1;
  Generator g1(11), g2(11);
  by_hand.apply_spectrogram(s1.data(), 20, 16, g1);
  parsed.apply_spectrogram(s2.data(), 20, 16, g2);
  EXPECT_EQ(s1, s2);
  EXPECT_NE(s1, std::vector<float>(20 * 16, 0.0f));
  bare.name = "reverb";
  EXPECT_THROW(AugmentChain(std::vector<AugmentSpec>{bare}), ValueError);
}

TEST(Augment, SameSeedSameResult) {
  AugmentChain chain("gain(p=0.5) noise(p=0.5) shift(p=0.5) time_mask freq_mask filter_augment(p=0.5)", 16000);
  auto run = [&](uint64_t seed) {
    Generator gen(seed);
    auto x = testing::sine(300, 16000, 8000);
    chain.apply_waveform(x, gen);
    std::vector<float> s(50 * 16, 1.0f);
    chain.apply_spectrogram(s.data(), 50, 16, gen);
    x.insert(x.end(), s.begin(), s.end());
    return x;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

}  // namespace
}  // namespace ag::audio
