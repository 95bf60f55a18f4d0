// augment_reverb.cpp: reverberation by convolution with a room impulse response (RIR), the seed
// pipeline's `reverb` (fabuloudy/audio_survey, utils/augmentation/wave.py: RIR).
//
// The seed convolves with one of three recorded RIRs cut and scaled to unit energy. We draw a
// synthetic one instead, from the usual exponential-decay model of a diffuse late field (Polack's
// model): a direct path h[0] = 1, then Gaussian noise under an envelope that falls by 60 dB in
// RT60 seconds,
//   h[n] = N(0, 1) * 10^(-3 n / (RT60 * sr)),  1 <= n < RT60 * sr,   RT60 ~ U[min_rt60, max_rt60],
// scaled to unit L2 norm (as the seed scales its recordings), so the reverberant clip has about
// the dry clip's energy. The clip is replaced by (1 - wet) x + wet (h * x), the causal convolution
// cut to the clip's length (the seed pads on the left by len(h) - 1: the same alignment).
//
// Convolution by FFT: a 5 s clip and a 1 s RIR at 44.1 kHz is 220 500 x 44 100 multiply-adds
// directly (the seed's README: "very slow"), a few milliseconds through FFTW. FFTW's planner is not
// thread-safe and the loader's workers run augmentations in parallel, so plans are made under a
// mutex (FFTW_ESTIMATE: microseconds) and executed outside it on this call's own arrays.
#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <mutex>

#include "audio/augment.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// Smallest 2^a 3^b 5^c >= n: sizes FFTW handles with its fast codelets.
int64_t fast_size(int64_t n) {
  int64_t best = 1;
  while (best < n) best *= 2;
  for (int64_t p2 = 1; p2 < best; p2 *= 2)
    for (int64_t p3 = p2; p3 < best; p3 *= 3)
      for (int64_t p5 = p3; p5 < best; p5 *= 5)
        if (p5 >= n) best = std::min(best, p5);
  return best;
}

}  // namespace

std::vector<float> convolve_causal(const std::vector<float>& x, const std::vector<float>& h) {
  if (x.empty() || h.empty()) return std::vector<float>(x.size(), 0.0f);
  const int64_t L = static_cast<int64_t>(x.size()), K = static_cast<int64_t>(h.size());
  const int64_t n = fast_size(L + K - 1), bins = n / 2 + 1;
  double* a = fftw_alloc_real(static_cast<size_t>(n));
  double* b = fftw_alloc_real(static_cast<size_t>(n));
  fftw_complex* A = fftw_alloc_complex(static_cast<size_t>(bins));
  fftw_complex* Bf = fftw_alloc_complex(static_cast<size_t>(bins));
  fftw_plan fa, fb, inv;
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fa = fftw_plan_dft_r2c_1d(static_cast<int>(n), a, A, FFTW_ESTIMATE);
    fb = fftw_plan_dft_r2c_1d(static_cast<int>(n), b, Bf, FFTW_ESTIMATE);
    inv = fftw_plan_dft_c2r_1d(static_cast<int>(n), A, a, FFTW_ESTIMATE);
  }
  for (int64_t i = 0; i < n; ++i) {
    a[i] = i < L ? x[static_cast<size_t>(i)] : 0.0;
    b[i] = i < K ? h[static_cast<size_t>(i)] : 0.0;
  }
  fftw_execute(fa);
  fftw_execute(fb);
  for (int64_t k = 0; k < bins; ++k) {
    const std::complex<double> p = std::complex<double>(A[k][0], A[k][1]) * std::complex<double>(Bf[k][0], Bf[k][1]);
    A[k][0] = p.real() / static_cast<double>(n);  // FFTW's inverse is unnormalised
    A[k][1] = p.imag() / static_cast<double>(n);
  }
  fftw_execute(inv);
  std::vector<float> y(static_cast<size_t>(L));
  for (int64_t i = 0; i < L; ++i) y[static_cast<size_t>(i)] = static_cast<float>(a[i]);
  {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftw_destroy_plan(fa);
    fftw_destroy_plan(fb);
    fftw_destroy_plan(inv);
  }
  fftw_free(a);
  fftw_free(b);
  fftw_free(A);
  fftw_free(Bf);
  return y;
}

std::vector<float> synthetic_rir(Generator& gen, int sample_rate, double rt60) {
  if (!(rt60 > 0) || sample_rate <= 0)
    fail<ValueError>("reverb: RT60 must be > 0 s and the sample rate > 0, got ", rt60, " s at ", sample_rate, " Hz");
  const int64_t len = std::max<int64_t>(2, static_cast<int64_t>(std::llround(rt60 * sample_rate)));
  std::vector<float> h(static_cast<size_t>(len));
  h[0] = 1.0f;
  double energy = 1.0;
  for (int64_t n = 1; n < len; ++n) {
    const double v = gen.normal() * std::pow(10.0, -3.0 * static_cast<double>(n) / (rt60 * sample_rate));
    h[static_cast<size_t>(n)] = static_cast<float>(v);
    energy += v * v;
  }
  const float scale = static_cast<float>(1.0 / std::sqrt(energy));
  for (float& v : h) v *= scale;
  return h;
}

double reverb(std::vector<float>& x, Generator& gen, int sample_rate, double min_rt60, double max_rt60, double wet) {
  if (!(min_rt60 > 0) || max_rt60 < min_rt60)
    fail<ValueError>("reverb: need 0 < min_rt60 <= max_rt60, got ", min_rt60, " and ", max_rt60);
  if (wet < 0 || wet > 1) fail<ValueError>("reverb: wet must be in [0, 1], got ", wet);
  const double rt60 = gen.uniform(min_rt60, max_rt60);
  const std::vector<float> h = synthetic_rir(gen, sample_rate, rt60);
  const std::vector<float> y = convolve_causal(x, h);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((1 - wet) * x[i] + wet * y[i]);
  return rt60;
}

}  // namespace ag::audio
