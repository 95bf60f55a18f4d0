// Augmentations: each test checks the statistics or the effect (widths, SNR, λ, labels, pitch),
// not only that the call runs.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
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
  EXPECT_THROW(parse_augmentations("echo"), ValueError);
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
  EXPECT_EQ(names, (std::vector<std::string>{"distortion", "filter_augment", "freq_mask", "gain", "low_high_pass", "noise",
                                             "pitch_shift", "reverb", "shift", "split_stretch", "time_mask", "time_stretch",
                                             "time_warp"}));
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
  EXPECT_NE(message("echo").find("unknown augmentation 'echo'"), std::string::npos);
  EXPECT_NE(message("echo").find("known: distortion, filter_augment, freq_mask, gain, low_high_pass, noise, pitch_shift, "
                                 "reverb, shift, split_stretch, time_mask, time_stretch, time_warp"),
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
  bare.name = "echo";
  EXPECT_THROW(AugmentChain(std::vector<AugmentSpec>{bare}), ValueError);
}

TEST(Augment, SameSeedSameResult) {
  AugmentChain chain("gain(p=0.5) noise(p=0.5) shift(p=0.5) reverb(p=0.5) low_high_pass split_stretch distortion time_mask "
                     "freq_mask filter_augment(p=0.5)",
                     16000);
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

// --- the seed pipeline's augmentations (one file each: augment_reverb.cpp, augment_filter.cpp,
// augment_split_stretch.cpp, augment_distortion.cpp) ------------------------------------------

// Energy of h over [t0, t0 + dt) seconds.
double energy(const std::vector<float>& h, int sr, double t0, double dt) {
  double e = 0;
  for (int64_t n = static_cast<int64_t>(t0 * sr); n < static_cast<int64_t>((t0 + dt) * sr) && n < static_cast<int64_t>(h.size()); ++n)
    e += static_cast<double>(h[n]) * h[n];
  return e;
}

TEST(Reverb, SyntheticRirDecaysBy60DbInRt60AndHasUnitEnergy) {
  Generator gen(3);
  const int sr = 16000;
  for (double rt60 : {0.3, 0.8}) {
    const std::vector<float> h = synthetic_rir(gen, sr, rt60);
    EXPECT_EQ(h.size(), static_cast<size_t>(rt60 * sr));
    EXPECT_NEAR(energy(h, sr, 0, rt60), 1.0, 1e-5);
    // The energy envelope falls 60 dB per RT60: 0.1 s later is 600 / (10 rt60) dB lower.
    const double db = 10 * std::log10(energy(h, sr, 0.15, 0.05) / energy(h, sr, 0.05, 0.05));
    EXPECT_NEAR(db, -6.0 / rt60, 1.0) << "RT60 " << rt60;
  }
  EXPECT_THROW(synthetic_rir(gen, sr, 0), ValueError);
}

TEST(Reverb, FftConvolutionMatchesTheDirectSum) {
  Generator gen(4);
  for (auto [L, K] : {std::pair<int, int>{1, 1}, {37, 5}, {300, 299}, {1000, 1}, {5, 40}}) {
    std::vector<float> x(L), h(K);
    for (float& v : x) v = static_cast<float>(gen.normal());
    for (float& v : h) v = static_cast<float>(gen.normal());
    const std::vector<float> y = convolve_causal(x, h);
    ASSERT_EQ(y.size(), x.size());
    for (int n = 0; n < L; ++n) {
      double ref = 0;  // the plain reference: sum_k h[k] x[n - k]
      for (int k = 0; k < K && k <= n; ++k) ref += static_cast<double>(h[k]) * x[n - k];
      ASSERT_NEAR(y[n], ref, 1e-4) << L << " x " << K << " at " << n;
    }
  }
}

TEST(Reverb, AnImpulseBecomesTheDrawnRirAndWetMixes) {
  const int sr = 8000;
  std::vector<float> x(6000, 0.0f);
  x[0] = 1.0f;
  Generator g1(9), g2(9);
  const double rt60 = reverb(x, g1, sr, 0.2, 0.5, 1.0);
  EXPECT_EQ(rt60, g2.uniform(0.2, 0.5));  // the draws: RT60, then the RIR's noise
  const std::vector<float> h = synthetic_rir(g2, sr, rt60);
  for (size_t n = 0; n < h.size(); ++n) ASSERT_NEAR(x[n], h[n], 1e-6) << n;
  for (size_t n = h.size(); n < x.size(); ++n) ASSERT_NEAR(x[n], 0.0f, 1e-6) << n;
  // wet = 0 is the dry clip; the RT60 stays in its range over many draws.
  auto clip = testing::sine(300, sr, 4000);
  auto dry = clip;
  Generator g3(1);
  reverb(clip, g3, sr, 0.2, 0.5, 0.0);
  for (size_t n = 0; n < clip.size(); ++n) ASSERT_NEAR(clip[n], dry[n], 1e-6);
  for (int i = 0; i < 50; ++i) {
    auto c = dry;
    const double t = reverb(c, g3, sr, 0.2, 0.5, 0.5);
    EXPECT_GE(t, 0.2);
    EXPECT_LE(t, 0.5);
  }
  EXPECT_THROW(reverb(clip, g3, sr, 0.5, 0.2), ValueError);
  EXPECT_THROW(reverb(clip, g3, sr, 0.2, 0.5, 1.5), ValueError);
}

// |H(f)| of a FIR at f in units of Nyquist.
double response(const std::vector<double>& h, double f) {
  std::complex<double> s = 0;
  for (size_t i = 0; i < h.size(); ++i) s += h[i] * std::polar(1.0, -3.14159265358979323846 * f * static_cast<double>(i));
  return std::abs(s);
}

TEST(LowHighPass, FirwinValuesAndResponses) {
  // scipy.signal.firwin(3, 0.1) as its documentation prints it, and firwin(5, 0.3, pass_zero=False)
  // from its definition (Hamming-windowed ideal response, unit gain at DC / Nyquist).
  const std::vector<double> lp = fir_filter(3, 0.1, false), hp = fir_filter(5, 0.3, true);
  const std::vector<double> lp_ref = {0.06799017, 0.86401967, 0.06799017};
  const std::vector<double> hp_ref = {-0.0126944268, -0.1457800792, 0.7338286951, -0.1457800792, -0.0126944268};
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(lp[i], lp_ref[i], 1e-8);
  for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(hp[i], hp_ref[i], 1e-9);
  // The seed's 21 taps at 44.1 kHz: a gentle slope, but the right way round.
  const std::vector<double> l21 = fir_filter(21, 0.6, false), h21 = fir_filter(21, 0.2, true);
  EXPECT_NEAR(response(l21, 0), 1.0, 1e-12);
  EXPECT_LT(response(l21, 0.95), 0.05);
  EXPECT_NEAR(response(h21, 1.0), 1.0, 1e-12);
  EXPECT_LT(response(h21, 0.02), 0.05);
  EXPECT_THROW(fir_filter(4, 0.5, false), ValueError);
  EXPECT_THROW(fir_filter(5, 1.0, false), ValueError);
}

TEST(LowHighPass, DrawsEitherKindInItsRangeAndKeepsThePeak) {
  Generator gen(5);
  const int sr = 44100;
  const auto clean = testing::sine(1000, sr, 4410, 0.7);
  int highpass = 0;
  for (int i = 0; i < 400; ++i) {
    auto x = clean;
    const LowHighPass d = low_high_pass(x, gen, sr);
    highpass += d.highpass;
    if (d.highpass) {
      EXPECT_GT(d.cutoff, 0.0);
      EXPECT_LT(d.cutoff, 0.25);
    } else {
      EXPECT_GE(d.cutoff, 0.5);
      EXPECT_LT(d.cutoff, 0.75);
    }
    ASSERT_EQ(x.size(), clean.size());
    double peak = 0;
    for (float v : x) peak = std::max(peak, static_cast<double>(std::fabs(v)));
    ASSERT_NEAR(peak, 0.7, 1e-4);
  }
  EXPECT_NEAR(highpass / 400.0, 0.5, 0.08);
}

TEST(SplitStretch, MovesTheCutAndKeepsTheLength) {
  Generator gen(6);
  const int64_t L = 4000;
  for (int i = 0; i < 50; ++i) {
    std::vector<float> x(L);
    for (int64_t n = 0; n < L; ++n) x[n] = static_cast<float>(n) / L;  // a ramp: x[n] tells where n came from
    auto [c, c2] = split_stretch(x, gen, 0.1);
    ASSERT_EQ(static_cast<int64_t>(x.size()), L);
    EXPECT_GE(c, L / 5);
    EXPECT_LE(c, 4 * L / 5);
    EXPECT_LE(std::abs(static_cast<double>(c2) / c - 1), 0.1 + 1.0 / c);
    // Inside each part (away from the band-limited edges) the ramp is rescaled linearly.
    EXPECT_NEAR(x[c2 / 2], 0.5 * c / L, 0.01);
    EXPECT_NEAR(x[(c2 + L) / 2], (0.5 * (c + L)) / L, 0.01);
  }
  std::vector<float> y(1000, 0.25f), same = y;
  split_stretch(y, gen, 0.0);  // no stretch: untouched
  EXPECT_EQ(y, same);
  EXPECT_THROW(split_stretch(y, gen, 1.0), ValueError);
}

TEST(Distortion, SoftClipsKeepingPeakAndSignAndAddsOddHarmonics) {
  const int sr = 8000;
  const auto clean = testing::sine(100, sr, 8000, 0.5);
  auto third = [&](const std::vector<float>& x) {  // amplitude of the 300 Hz harmonic over the 100 Hz one
    double a1 = 0, a3 = 0;
    for (size_t n = 0; n < x.size(); ++n) {
      const double t = static_cast<double>(n) / sr;
      a1 += x[n] * std::sin(2 * 3.14159265358979 * 100 * t);
      a3 += x[n] * std::sin(2 * 3.14159265358979 * 300 * t);
    }
    return std::fabs(a3 / a1);
  };
  double last = -1;
  for (double drive : {0.0, 6.0, 20.0}) {
    auto x = clean;
    Generator gen(1);
    EXPECT_EQ(distortion(x, gen, drive, drive), drive);
    double peak = 0;
    for (size_t n = 0; n < x.size(); ++n) {
      peak = std::max(peak, static_cast<double>(std::fabs(x[n])));
      ASSERT_EQ(x[n] > 0, clean[n] > 0) << n;  // odd and monotone: the sign is kept
    }
    EXPECT_NEAR(peak, 0.5, 1e-5);
    EXPECT_GT(third(x), last) << "drive " << drive;
    last = third(x);
  }
  EXPECT_GT(last, 0.1);  // 20 dB: most of the sine is squashed into a near-square wave
  Generator gen(2);
  double lo = 1e9, hi = -1e9;
  for (int i = 0; i < 500; ++i) {
    auto x = clean;
    const double d = distortion(x, gen, 3, 12);
    lo = std::min(lo, d), hi = std::max(hi, d);
  }
  EXPECT_GE(lo, 3.0);
  EXPECT_LE(hi, 12.0);
  EXPECT_LT(lo, 3.2);
  EXPECT_GT(hi, 11.8);
  std::vector<float> silent(100, 0.0f);
  distortion(silent, gen, 0, 20);
  EXPECT_EQ(silent, std::vector<float>(100, 0.0f));
  EXPECT_THROW(distortion(silent, gen, 10, 5), ValueError);
}

}  // namespace
}  // namespace ag::audio
