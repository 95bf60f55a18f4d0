// Windows, the FFTW plan cache against a plain DFT, and the STFT against its reference and torchaudio.
#include <gtest/gtest.h>

#include <thread>

#include "audio/fft.hpp"
#include "audio/stft.hpp"
#include "audio/window.hpp"
#include "tensor/random.hpp"
#include "test_utils.hpp"

namespace ag::audio {
namespace {

TEST(Window, HannAndHammingPeriodicAndSymmetric) {
  // torch.hann_window(4) = [0, 0.5, 1, 0.5]; torch.hann_window(5, periodic=False) = [0, .5, 1, .5, 0]
  const auto hp = make_window(WindowType::Hann, 4, true);
  const std::vector<float> hp_expect = {0.0f, 0.5f, 1.0f, 0.5f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(hp[i], hp_expect[i], 1e-7);
  const auto hs = make_window(WindowType::Hann, 5, false);
  const std::vector<float> hs_expect = {0.0f, 0.5f, 1.0f, 0.5f, 0.0f};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(hs[i], hs_expect[i], 1e-7);
  // Hamming: 0.54 - 0.46 cos; ends at 0.08 (symmetric), periodic has no second endpoint.
  const auto ms = make_window(WindowType::Hamming, 5, false);
  EXPECT_NEAR(ms[0], 0.08f, 1e-7);
  EXPECT_NEAR(ms[4], 0.08f, 1e-7);
  EXPECT_NEAR(ms[2], 1.0f, 1e-7);
  const auto mp = make_window(WindowType::Hamming, 4, true);
  EXPECT_NEAR(mp[1], 0.54f, 1e-7);
  // A periodic Hann at hop N/2 sums to exactly 1 (constant overlap-add).
  const auto w = make_window(WindowType::Hann, 1380, true);
  for (int i = 0; i < 690; ++i) EXPECT_NEAR(w[i] + w[i + 690], 1.0f, 1e-6);
  EXPECT_THROW(make_window(WindowType::Hann, 0), ValueError);
  EXPECT_THROW(parse_window("blackman"), ValueError);
}

TEST(Fft, MatchesPlainDftOnOddSizes) {
  Generator gen(3);
  // 153 = 17*9, 221 = 17*13, 276 = 23*12, 290 = 29*10, 322 = 23*14, 368 = 23*16, 1140 = 19*60 and
  // 1380 = 23*60 take RealFft's own split path (a prime factor > 13; m = 8a + 4b + c columns with
  // every combination of a 4-wide block and a 1-3 column tail); the others go straight to FFTW.
  EXPECT_EQ(largest_prime_factor(1380), 23);
  EXPECT_EQ(largest_prime_factor(1024), 2);
  EXPECT_EQ(largest_prime_factor(997), 997);
  EXPECT_EQ(largest_prime_factor(1), 1);
  for (int n : {1, 2, 7, 13, 64, 153, 221, 276, 290, 322, 368, 1024, 1140, 1380}) {
    const RealFft& fft = RealFft::get(n);
    FftBuffer in(n), out(2 * (n / 2 + 1));
    std::vector<double> xd(n);
    for (int i = 0; i < n; ++i) xd[i] = in.data()[i] = gen.normal();
    fft.forward(in.data(), out.data());
    const auto ref = dft_reference(xd);
    double max_err = 0, scale = std::sqrt(double(n));
    for (int k = 0; k <= n / 2; ++k) {
      max_err = std::max(max_err, std::abs(std::complex<double>(out.data()[2 * k], out.data()[2 * k + 1]) - ref[k]));
    }
    EXPECT_LT(max_err / scale, 1e-12) << "n = " << n;
  }
}

TEST(Fft, PowerMatchesPlainDftForAnyCountAndStride) {
  // power() computes |X[k]|^2 straight from the split's rows (or from FFTW's output), only for
  // k < n_out, into out[k * stride]: every size, a full and a partial count, two strides, and the
  // entries between strides left as they were. 536 = 67 * 8: a prime above kMaxSplitPrime, FFTW's own.
  Generator gen(4);
  for (int n : {2, 7, 64, 153, 221, 276, 290, 322, 368, 536, 1024, 1140, 1380}) {
    const RealFft& fft = RealFft::get(n);
    FftBuffer in(n);
    std::vector<double> xd(n);
    for (int i = 0; i < n; ++i) xd[i] = in.data()[i] = gen.normal();
    const auto ref = dft_reference(xd);
    for (int n_out : {n / 2 + 1, n / 3 + 1}) {
      for (int stride : {1, 3}) {
        std::vector<double> out(static_cast<size_t>(n_out) * stride + 1, -1.0);
        fft.power(in.data(), out.data(), n_out, stride);
        double max_err = 0;
        for (int k = 0; k < n_out; ++k) max_err = std::max(max_err, std::fabs(out[k * stride] - std::norm(ref[k])));
        EXPECT_LT(max_err / n, 1e-11) << "n = " << n << ", n_out = " << n_out << ", stride = " << stride;
        for (size_t i = 0; i < out.size(); ++i) {
          if (i % stride != 0 || i >= static_cast<size_t>(n_out) * stride) {
            ASSERT_EQ(out[i], -1.0) << "n = " << n << " i = " << i;
          }
        }
      }
    }
  }
  const RealFft& fft = RealFft::get(1380);
  FftBuffer in(1380);
  std::vector<double> out(700);
  EXPECT_THROW(fft.power(in.data(), out.data(), 692), ValueError);  // n/2 + 1 = 691 bins at most
  EXPECT_THROW(fft.power(in.data(), out.data(), -1), ValueError);
  EXPECT_THROW(fft.power(in.data(), out.data(), 10, 0), ValueError);
}

TEST(Fft, PlansAreSharedAndSafeToRequestFromManyThreads) {
  // Several threads ask for (partly new) sizes at once and execute them: plan creation must be
  // serialised (FFTW's planner is not thread-safe) and every thread must get the same plan object.
  std::vector<const RealFft*> got(8);
  std::vector<double> err(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &got, &err] {
      const int n = t % 2 ? 1001 : 997;  // sizes no other test uses
      const RealFft& fft = RealFft::get(n);
      got[t] = &fft;
      FftBuffer in(n), out(2 * (n / 2 + 1));
      for (int i = 0; i < n; ++i) in.data()[i] = std::cos(2 * 3.14159265358979 * 5 * i / n);
      for (int rep = 0; rep < 50; ++rep) fft.forward(in.data(), out.data());
      err[t] = std::fabs(out.data()[2 * 5] - n / 2.0);  // a cosine of 5 cycles: X[5] = n/2
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) {
    EXPECT_EQ(got[t], got[t % 2]);
    EXPECT_LT(err[t], 1e-2);
  }
  EXPECT_THROW(RealFft::get(0), ValueError);
}

TEST(Stft, FrameCountsAndPadding) {
  StftConfig c;
  c.n_fft = 1380;
  c.hop_length = 345;
  EXPECT_EQ(stft_frames(220500, c), 640);  // ERANN, 5 s
  c.n_fft = 1024;
  c.hop_length = 320;
  EXPECT_EQ(stft_frames(160000, c), 501);  // CNN14, 5 s
  c.center = false;
  EXPECT_EQ(stft_frames(1024 + 320 * 3 + 5, c), 4);
  // An odd n_fft pads n_fft/2 rounded down on each side, so the last whole window ends one sample
  // earlier: torch.stft gives 17 frames for n_fft 13, hop 3 and 50 or 51 samples, and 4 for n_fft
  // 7, hop 2 and 8 samples (not 1 + length / hop = 18 and 5).
  StftConfig odd;
  odd.n_fft = 13;
  odd.hop_length = 3;
  EXPECT_EQ(stft_frames(50, odd), 17);
  EXPECT_EQ(stft_frames(51, odd), 17);
  odd.n_fft = 7;
  odd.hop_length = 2;
  EXPECT_EQ(stft_frames(8, odd), 4);
  // Reflect padding mirrors without repeating the edge: [1 2 3 4 5], pad 2 -> [3 2 1 2 3 4 5 4 3].
  StftConfig r;
  r.n_fft = 4;
  const float x[] = {1, 2, 3, 4, 5};
  EXPECT_EQ(pad_signal(x, 5, r), (std::vector<float>{3, 2, 1, 2, 3, 4, 5, 4, 3}));
  r.pad_mode = PadMode::Constant;
  EXPECT_EQ(pad_signal(x, 5, r), (std::vector<float>{0, 0, 1, 2, 3, 4, 5, 0, 0}));
}

TEST(Stft, ShortSignalIsAClearError) {
  StftConfig c;
  c.n_fft = 1380;
  try {
    stft_frames(500, c);
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("shorter than one window"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("691"), std::string::npos) << e.what();
  }
  c.win_length = 2000;
  EXPECT_THROW(stft_frames(5000, c), ValueError);
}

TEST(Stft, FftwPathMatchesReferenceOnOddShapes) {
  Generator gen(11);
  struct Case { int n_fft, win, hop, length; bool center; PadMode pad; WindowType w; double power; };
  const Case cases[] = {
      {16, 16, 4, 37, true, PadMode::Reflect, WindowType::Hann, 2.0},
      {13, 7, 3, 50, true, PadMode::Constant, WindowType::Hamming, 1.0},
      {13, 13, 3, 51, true, PadMode::Reflect, WindowType::Hann, 2.0},  // odd n_fft, hop divides the length
      {1380, 1380, 345, 5000, true, PadMode::Reflect, WindowType::Hann, 2.0},
      {64, 50, 17, 64, false, PadMode::Reflect, WindowType::Hann, 1.0},
  };
  for (const Case& cs : cases) {
    StftConfig c;
    c.n_fft = cs.n_fft;
    c.win_length = cs.win;
    c.hop_length = cs.hop;
    c.center = cs.center;
    c.pad_mode = cs.pad;
    c.window = cs.w;
    c.power = cs.power;
    std::vector<float> x(cs.length);
    for (auto& v : x) v = static_cast<float>(gen.uniform(-1, 1));
    int64_t frames = 0;
    const auto fast = spectrogram(x, c, &frames);
    const auto ref = spectrogram_reference(x, c);
    ASSERT_EQ(fast.size(), ref.size());
    double max_ref = 0, max_err = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      max_ref = std::max(max_ref, ref[i]);
      max_err = std::max(max_err, std::fabs(fast[i] - ref[i]));
    }
    EXPECT_LT(max_err / max_ref, 1e-5) << "n_fft " << cs.n_fft << " frames " << frames;
  }
}

TEST(Stft, MatchesTorchaudioSpectrogram) {
  // torchaudio.transforms.Spectrogram(n_fft=512, win_length=400, hop_length=160) of synth_wave.
  const auto x = testing::load_fixture("synth_wave.npy").values;
  const auto expect = testing::load_fixture("synth_spec_512_400_160.npy");
  StftConfig c;
  c.n_fft = 512;
  c.win_length = 400;
  c.hop_length = 160;
  int64_t frames = 0;
  const auto got = spectrogram(x, c, &frames);
  ASSERT_EQ((Shape{frames, 257}), expect.shape);
  double max_rel = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    max_rel = std::max(max_rel, std::fabs(got[i] - expect.values[i]) / (expect.values[i] + 1e-3));
  }
  EXPECT_LT(max_rel, 1e-3);
}

}  // namespace
}  // namespace ag::audio
