// fft.hpp: real-to-complex FFTs through FFTW, with plans made once and shared by all threads.
//
// Double precision, on purpose: a float32 FFT's rounding noise is ~1e-7 of a frame's largest
// component, so in a frame spanning 60-70 dB the quiet mel bands come out ~1e-3 dB off (torchaudio's
// own float32 log-mel is 1.3e-3 dB off the exact value on real ESC-50 clips). In double the error
// is ~1e-12 and FFTW's double transforms cost about the same as float ones at these sizes
// (n = 1024: ~0.8-0.9 us either way; 1380: ~5-7 us, bound by the generic radix-23 step).
//
// FFTW splits its work into a *plan* (search for the fastest algorithm for one size, slow: up to
// tens of milliseconds with FFTW_MEASURE) and an *execute* (fast, any number of times). The planner
// keeps global state and is NOT thread-safe, but executing an existing plan on new arrays
// (fftw_execute_dft_r2c) is, provided the arrays have the alignment the plan was made with. So:
//   - `RealFft::get(n)` returns the process-wide plan for size n, creating it under a mutex the
//     first time (each size is planned exactly once; later calls are a locked map lookup, which
//     callers do once per clip, not per frame);
//   - callers execute it on their own buffers from `FftBuffer`, which allocates with fftw_malloc
//     (the same SIMD alignment FFTW planned with).
// Any n works. FFTW has fast hard-coded kernels ("codelets") for factors up to 13 (and 16, 32, 64),
// but a larger prime factor such as the 23 in ERANN's n_fft = 1380 = 2^2 * 3 * 5 * 23 goes through
// its generic O(p^2) solver, scalar: 1380 costs ~5-7 us, six times a 1024. For such sizes (primes up
// to kMaxSplitPrime) RealFft splits n = p * m itself (Cooley-Tukey, "four-step" form) and lets
// FFTW do only the fast part:
//   x[m*n1 + n2], n1 < p, n2 < m;   X[k1 + p*k2], k1 < p, k2 < m
//   1. p-point DFTs of the m columns, as one small dense matrix product vectorised over the m
//      contiguous columns: blocks of 8 columns (one AVX-512 register), then one of 4 (60 = 7 * 8
//      + 4), the last 1-3 zero-padded. The input is real, so only k1 <= p/2 is computed
//      (Hermitian symmetry), and pairing n1 with p - n1 halves the multiply-adds. The u, v pairs
//      of a block stay in registers, and two output rows are computed at once (four independent
//      multiply-add chains);
//   2. twiddles: multiply row k1, column n2 by e^{-2 pi i n2 k1 / n}, in the same registers;
//   3. m-point complex FFTs of the p/2+1 rows, batched in one FFTW plan (m = 60: fast codelets);
//   4. X[k] for k <= n/2 read from row k mod p, or from the conjugate of row p - (k mod p).
// For n = 1380: ~2.4 us against FFTW's ~5-7 us (the two timed in one process), of which step 3
// (FFTW) is ~0.75 us; step 1 is ~2100 multiply-adds of 8 doubles, close to what one core issues.
//
// `power()` is what the front end calls: |X[k]|^2 for the first n_out bins only, written with a
// stride (the front end stores eight frames side by side). For split sizes it reads the rows of
// step 3 directly, skipping the interleaved copy of step 4; for other even sizes it runs one
// n/2-point complex FFT of the samples taken in pairs, z[j] = x[2j] + i x[2j+1], and untangles
// the even and odd halves bin by bin (the textbook real-FFT trick), eight bins per vector. For
// n = 1024 that made the whole `panns` log-mel ~13 % faster than FFTW's real transform followed
// by a scalar |.|^2 (bench_logmel, the two binaries alternated; the single-transform timings are
// within this machine's noise of each other: ~1.1-1.2 us).
//
// A plain O(n^2) DFT in double (`dft_reference`) is kept beside it for tests.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

namespace ag::audio {

// One double buffer allocated with fftw_malloc (SIMD-aligned as FFTW expects). Move-only.
class FftBuffer {
 public:
  FftBuffer() = default;
  explicit FftBuffer(size_t n);
  ~FftBuffer();
  FftBuffer(FftBuffer&& other) noexcept;
  FftBuffer& operator=(FftBuffer&& other) noexcept;
  FftBuffer(const FftBuffer&) = delete;
  FftBuffer& operator=(const FftBuffer&) = delete;
  double* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  double* data_ = nullptr;
  size_t size_ = 0;
};

class RealFft {
 public:
  // The shared plan for size n (n >= 1), created on first use. Thread-safe.
  static const RealFft& get(int n);

  int size() const { return n_; }
  int n_bins() const { return n_ / 2 + 1; }
  // in: (n,) real, out: (n/2 + 1,) complex as interleaved (re, im) doubles. Both must come from
  // FftBuffer (or fftw_malloc). `in` is not modified. Thread-safe.
  void forward(const double* in, double* out) const;
  // |X[k]|^2 for k < n_out (n_out <= n/2 + 1) into out[k * stride]: the power spectrum without
  // the interleaved complex copy (and, for split sizes, only the bins asked for). Thread-safe.
  void power(const double* in, double* out, int n_out, int stride = 1) const;

  // Split mode handles primes up to this (larger ones go to FFTW's own O(p log p) Rader path).
  static constexpr int kMaxSplitPrime = 61;
  static constexpr int kMaxSplitPairs = (kMaxSplitPrime - 1) / 2;

  ~RealFft();
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;

 private:
  explicit RealFft(int n);
  // Steps 1-3 of the split; returns this thread's (p/2 + 1, m) complex rows Y.
  const double* split_rows(const double* in) const;
  // Step 4 for power(): |Y|^2 of the rows into out[k * stride], k < n_out.
  void split_power(const double* spec, double* out, int n_out, size_t stride) const;
  void check_power_args(int n_out, int stride) const;
  // power() for even n: one n/2-point complex FFT of the samples taken in pairs, then the bins.
  void power_half(const double* in, double* out, int n_out, size_t stride) const;

  int n_;
  void* plan_ = nullptr;  // fftw_plan (opaque so users of this header need not include fftw3.h):
                          // the r2c plan of size n, or in split mode the batched m-point c2c plan
  // Split mode (n = p * m with a prime p > 13): see the file header.
  bool split_ = false;
  static constexpr int kLanes = 8;  // doubles per vector block in step 1 (one AVX-512 register)
  int p_ = 0, m_ = 0, half_p_ = 0;  // half_p_ = p/2 + 1 rows computed
  int mp_ = 0;                      // m rounded up to a multiple of kLanes
  std::vector<double> dft_cos_, dft_sin_;  // (half_p, p): cos / sin(2 pi n1 k1 / p)
  std::vector<double> tw_re_, tw_im_;      // (half_p, mp), zero-padded: e^{-2 pi i n2 k1 / n}
  // Even n, not split: the n/2-point complex plan power() uses, and e^{-2 pi i k / n}, k <= n/2.
  void* half_plan_ = nullptr;
  std::vector<double> half_tw_re_, half_tw_im_;
};

// Largest prime factor of n (1 for n = 1).
int largest_prime_factor(int n);

// Reference: X[k] = sum_t x[t] e^{-2 pi i k t / n}, k = 0..n/2, in double. O(n^2); for tests only.
std::vector<std::complex<double>> dft_reference(const std::vector<double>& x);

}  // namespace ag::audio
