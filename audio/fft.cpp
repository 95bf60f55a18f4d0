// fft.cpp: FFTW plan cache; see fft.hpp.
#include "audio/fft.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>

#include "tensor/error.hpp"

namespace ag::audio {

FftBuffer::FftBuffer(size_t n) : size_(n) {
  data_ = static_cast<double*>(fftw_malloc(sizeof(double) * (n ? n : 1)));
  if (data_ == nullptr) throw std::bad_alloc();
  std::fill(data_, data_ + n, 0.0);
}
FftBuffer::~FftBuffer() { fftw_free(data_); }
FftBuffer::FftBuffer(FftBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}
FftBuffer& FftBuffer::operator=(FftBuffer&& other) noexcept {
  if (this != &other) {
    fftw_free(data_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

namespace {
// Guards the FFTW planner (global state, not thread-safe) and the cache map.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

int largest_prime_factor(int n) {
  int largest = 1;
  for (int f = 2; static_cast<int64_t>(f) * f <= n; ++f)
    while (n % f == 0) largest = f, n /= f;
  return n > 1 ? std::max(largest, n) : largest;
}

RealFft::RealFft(int n) : n_(n) {
  const double pi = 3.14159265358979323846;
  const int p = largest_prime_factor(n);
  // Split only when FFTW would hit its generic solver (p > 13) and the rest is FFTW-friendly.
  split_ = p > 13 && p <= kMaxSplitPrime && n / p >= 8 && largest_prime_factor(n / p) <= 13;
  if (!split_) {
    // Plan on scratch arrays: FFTW_MEASURE times real transforms and overwrites its arrays.
    // FFTW_PRESERVE_INPUT keeps `in` intact in forward() (needed: callers reuse their frames).
    FftBuffer in(static_cast<size_t>(n));
    FftBuffer out(2 * static_cast<size_t>(n / 2 + 1));
    plan_ = fftw_plan_dft_r2c_1d(n, in.data(), reinterpret_cast<fftw_complex*>(out.data()),
                                 FFTW_MEASURE | FFTW_PRESERVE_INPUT);
    if (plan_ == nullptr) fail<ValueError>("RealFft: FFTW could not plan a real FFT of size ", n);
    if (n % 2 == 0 && n >= 16) {
      // power(): the n real samples as n/2 complex ones, z[j] = x[2j] + i x[2j+1] (the same memory).
      const int h = n / 2;
      FftBuffer zin(2 * static_cast<size_t>(h)), zout(2 * static_cast<size_t>(h) + 2);
      half_plan_ = fftw_plan_dft_1d(h, reinterpret_cast<fftw_complex*>(zin.data()),
                                    reinterpret_cast<fftw_complex*>(zout.data()), FFTW_FORWARD,
                                    FFTW_MEASURE | FFTW_PRESERVE_INPUT);
      if (half_plan_ == nullptr) fail<ValueError>("RealFft: FFTW could not plan a complex FFT of size ", h);
      half_tw_re_.resize(static_cast<size_t>(h) + 1);
      half_tw_im_.resize(static_cast<size_t>(h) + 1);
      for (int k = 0; k <= h; ++k) {
        const double a = -2 * pi * k / n;
        half_tw_re_[k] = std::cos(a);
        half_tw_im_[k] = std::sin(a);
      }
    }
    return;
  }
  p_ = p;
  m_ = n / p;
  half_p_ = p / 2 + 1;
  dft_cos_.resize(static_cast<size_t>(half_p_) * p_);
  dft_sin_.resize(static_cast<size_t>(half_p_) * p_);
  for (int k1 = 0; k1 < half_p_; ++k1)
    for (int n1 = 0; n1 < p_; ++n1) {
      const double a = 2 * pi * ((static_cast<int64_t>(n1) * k1) % p_) / p_;
      dft_cos_[k1 * p_ + n1] = std::cos(a);
      dft_sin_[k1 * p_ + n1] = std::sin(a);
    }
  // Twiddles in split form, each row padded to mp columns (a multiple of the vector width) so that
  // step 1 runs whole vectors only; the padding is zero and never stored.
  mp_ = (m_ + kLanes - 1) / kLanes * kLanes;
  tw_re_.assign(static_cast<size_t>(half_p_) * mp_, 0.0);
  tw_im_.assign(static_cast<size_t>(half_p_) * mp_, 0.0);
  for (int k1 = 0; k1 < half_p_; ++k1)
    for (int n2 = 0; n2 < m_; ++n2) {
      const double a = -2 * pi * ((static_cast<int64_t>(n2) * k1) % n) / n;
      tw_re_[static_cast<size_t>(k1) * mp_ + n2] = std::cos(a);
      tw_im_[static_cast<size_t>(k1) * mp_ + n2] = std::sin(a);
    }
  // half_p rows of m complex values each, contiguous: one batched plan (out of place: FFTW's
  // in-place plan for these was ~8 % slower on the whole log-mel).
  FftBuffer in(2 * static_cast<size_t>(half_p_) * m_), out(2 * static_cast<size_t>(half_p_) * m_);
  int dims[1] = {m_};
  plan_ = fftw_plan_many_dft(1, dims, half_p_, reinterpret_cast<fftw_complex*>(in.data()), nullptr, 1, m_,
                             reinterpret_cast<fftw_complex*>(out.data()), nullptr, 1, m_, FFTW_FORWARD, FFTW_MEASURE);
  if (plan_ == nullptr) fail<ValueError>("RealFft: FFTW could not plan ", half_p_, " complex FFTs of size ", m_);
}

RealFft::~RealFft() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  fftw_destroy_plan(static_cast<fftw_plan>(plan_));
  if (half_plan_ != nullptr) fftw_destroy_plan(static_cast<fftw_plan>(half_plan_));
}

namespace {
// N doubles in one vector (GCC/Clang vector extensions: one AVX-512 register for N = 8, one AVX
// register for N = 4), and the masks that interleave two of them into (re, im) pairs. (Spelled
// out per N: GCC does not take a vector_size that depends on a template parameter.)
template <int N>
struct Lanes;
template <>
struct Lanes<8> {
  typedef double v __attribute__((vector_size(64)));
  typedef long long vi __attribute__((vector_size(64)));
  static constexpr vi lo = {0, 8, 1, 9, 2, 10, 3, 11}, hi = {4, 12, 5, 13, 6, 14, 7, 15};
};
template <>
struct Lanes<4> {
  typedef double v __attribute__((vector_size(32)));
  typedef long long vi __attribute__((vector_size(32)));
  static constexpr vi lo = {0, 4, 1, 5}, hi = {2, 6, 3, 7};
};
using vd = Lanes<8>::v;
using vi = Lanes<8>::vi;
// __builtin_shuffle(a, b, mask) is GCC's; clang (the fuzz preset) has only __builtin_shufflevector
// with constant indices, so there it is spelled out lane by lane (slower, same result).
#if defined(__clang__)
template <class V, class M>
inline V shuffle2(const V& a, const V& b, const M& mask) {
  constexpr int n = static_cast<int>(sizeof(V) / sizeof(double));
  V r;
  for (int i = 0; i < n; ++i) {
    const int j = static_cast<int>(mask[i] & (2 * n - 1));
    r[i] = j < n ? a[j] : b[j - n];
  }
  return r;
}
#else
#define shuffle2 __builtin_shuffle
#endif
template <class V = vd>
inline V load_vec(const double* ptr) {
  V r;
  std::memcpy(&r, ptr, sizeof(r));
  return r;
}

// Steps 1 and 2 for one block of N columns (`width` of them real, the rest zero), see fft.hpp.
// `src` points at column n0 of row 0, rows `stride` apart. kPairs = (p - 1) / 2 when known at
// compile time (the loops are then fully unrolled and U, V live in registers), 0 for any p.
// Two output rows k1 at a time: four independent multiply-add chains, enough to keep the FMA
// units busy (one chain alone waits ~4 cycles on each multiply-add).
template <int kPairs, int N>
void column_block(const double* src, size_t stride, int width, int p, int hp, const double* dft_cos,
                  const double* dft_sin, const double* tw_re, const double* tw_im, int mp, int n0, double* rows,
                  int m) {
  typedef typename Lanes<N>::v V;
  typedef typename Lanes<N>::vi VI;
  constexpr int kMax = kPairs > 0 ? kPairs : RealFft::kMaxSplitPairs;
  const int pairs = kPairs > 0 ? kPairs : (p - 1) / 2;
  V u[kMax] = {}, v[kMax] = {};  // zero: quiets -Wmaybe-uninitialized for a runtime p; free when unrolled
  const V x0 = load_vec<V>(src);
#pragma GCC unroll 32
  for (int j = 1; j <= pairs; ++j) {
    const V a = load_vec<V>(src + j * stride), b = load_vec<V>(src + (p - j) * stride);
    u[j - 1] = a + b;
    v[j - 1] = a - b;
  }
  const VI lo_mask = Lanes<N>::lo, hi_mask = Lanes<N>::hi;
  // Row k1: Re = x0 + sum_j cos_j u_j, Im = -sum_j sin_j v_j, then times the twiddle w; the
  // (re, im) pairs interleaved with two shuffles for FFTW's layout.
  auto finish = [&](int k1, V re, V im_neg) {
    const V wr = load_vec<V>(tw_re + static_cast<size_t>(k1) * mp + n0);
    const V wi = load_vec<V>(tw_im + static_cast<size_t>(k1) * mp + n0);
    const V a = re * wr + im_neg * wi, b = re * wi - im_neg * wr;
    const V lo = shuffle2(a, b, lo_mask), hi = shuffle2(a, b, hi_mask);
    double* row = rows + 2 * (static_cast<size_t>(k1) * m + n0);
    if (width == N) {
      std::memcpy(row, &lo, sizeof(lo));
      std::memcpy(row + N, &hi, sizeof(hi));
    } else {
      double tmp[2 * N];
      std::memcpy(tmp, &lo, sizeof(lo));
      std::memcpy(tmp + N, &hi, sizeof(hi));
      for (int i = 0; i < 2 * width; ++i) row[i] = tmp[i];
    }
  };
  int k1 = 0;
  for (; k1 + 2 <= hp; k1 += 2) {
    const double *c0 = dft_cos + static_cast<size_t>(k1) * p, *s0 = dft_sin + static_cast<size_t>(k1) * p;
    const double *c1 = c0 + p, *s1 = s0 + p;
    V re0 = x0, re1 = x0, im0 = {}, im1 = {};
#pragma GCC unroll 32
    for (int j = 1; j <= pairs; ++j) {
      re0 += c0[j] * u[j - 1];
      re1 += c1[j] * u[j - 1];
      im0 += s0[j] * v[j - 1];
      im1 += s1[j] * v[j - 1];
    }
    finish(k1, re0, im0);
    finish(k1 + 1, re1, im1);
  }
  if (k1 < hp) {  // hp odd
    const double *c0 = dft_cos + static_cast<size_t>(k1) * p, *s0 = dft_sin + static_cast<size_t>(k1) * p;
    V re0 = x0, im0 = {};
#pragma GCC unroll 32
    for (int j = 1; j <= pairs; ++j) {
      re0 += c0[j] * u[j - 1];
      im0 += s0[j] * v[j - 1];
    }
    finish(k1, re0, im0);
  }
}
// Step 4's walk: for every bin k < n_out, f(k, y, conj) with y the (re, im) of Y that X[k] is
// (conj: its conjugate). X[k1 + p*k2] = Y[k1][k2] for k1 < hp, else conj(Y[p - k1][m - 1 - k2]),
// row by row so that no bin needs a branch or a division (k < n_out <= n/2 + 1 keeps k2 < m).
template <class F>
void for_each_bin(const double* spec, int p, int m, int hp, int n_out, F f) {
  for (int k1 = 0; k1 < hp; ++k1) {
    const double* y = spec + 2 * static_cast<size_t>(k1) * m;
    for (int k2 = 0, k = k1; k < n_out; ++k2, k += p) f(k, y + 2 * k2, false);
  }
  for (int k1 = hp; k1 < p; ++k1) {
    const double* y = spec + 2 * static_cast<size_t>(p - k1) * m;
    for (int k2 = 0, k = k1; k < n_out; ++k2, k += p) f(k, y + 2 * (m - 1 - k2), true);
  }
}
}  // namespace

const double* RealFft::split_rows(const double* in) const {
  const int p = p_, m = m_, hp = half_p_, mp = mp_;
  // Per-thread scratch, allocated once per thread and size (fftw_malloc'd: the plan's alignment).
  thread_local FftBuffer rows_buf, spec_buf;
  const size_t need = 2 * static_cast<size_t>(hp) * m;
  if (rows_buf.size() < need) rows_buf = FftBuffer(need), spec_buf = FftBuffer(need);
  double* rows = rows_buf.data();  // (hp, m) complex interleaved: steps 1 and 2
  double* spec = spec_buf.data();  // (hp, m) complex interleaved: step 3
  // Steps 1 + 2, read straight from `in` (rows m apart), one block of columns at a time.
  auto block = [&](auto lanes, const double* src, size_t stride, int width, int n0) {
    constexpr int N = decltype(lanes)::value;
    if (p == 23)
      column_block<11, N>(src, stride, width, p, hp, dft_cos_.data(), dft_sin_.data(), tw_re_.data(), tw_im_.data(),
                          mp, n0, rows, m);
    else
      column_block<0, N>(src, stride, width, p, hp, dft_cos_.data(), dft_sin_.data(), tw_re_.data(), tw_im_.data(),
                         mp, n0, rows, m);
  };
  using Eight = std::integral_constant<int, 8>;
  using Four = std::integral_constant<int, 4>;
  // Blocks of 8 columns, then one of 4 if that many are left (ERANN's m = 60: 7 x 8 + 4, with no
  // lane wasted), then the last 1-3 copied, zero-padded, into `tail` (4 wide): reading 4 from `in`
  // there would run past the end of the last row.
  int n0 = 0;
  for (; n0 + 8 <= m; n0 += 8) block(Eight{}, in + n0, static_cast<size_t>(m), 8, n0);
  if (n0 + 4 <= m) block(Four{}, in + n0, static_cast<size_t>(m), 4, n0), n0 += 4;
  if (n0 < m) {
    double tail[kMaxSplitPrime * 4];
    const int width = m - n0;
    for (int n1 = 0; n1 < p; ++n1)
      for (int i = 0; i < 4; ++i) tail[n1 * 4 + i] = i < width ? in[static_cast<size_t>(n1) * m + n0 + i] : 0.0;
    block(Four{}, tail, 4, width, n0);
  }
  // Step 3: hp complex FFTs of size m (thread-safe new-array execute).
  fftw_execute_dft(static_cast<fftw_plan>(plan_), reinterpret_cast<fftw_complex*>(rows),
                   reinterpret_cast<fftw_complex*>(spec));
  return spec;
}

const RealFft& RealFft::get(int n) {
  if (n < 1) fail<ValueError>("RealFft: size must be >= 1, got ", n);
  // Plans live until exit (a few kB each; a program uses one or two sizes).
  static std::map<int, std::unique_ptr<RealFft>>* cache = new std::map<int, std::unique_ptr<RealFft>>();
  std::lock_guard<std::mutex> lock(planner_mutex());
  auto it = cache->find(n);
  if (it == cache->end()) it = cache->emplace(n, std::unique_ptr<RealFft>(new RealFft(n))).first;
  return *it->second;
}

void RealFft::power_half(const double* in, double* out, int n_out, size_t stride) const {
  // Z = FFT_h(z), z[j] = x[2j] + i x[2j+1], h = n/2. With Z[h] = Z[0] (periodic) and for k <= h:
  //   E[k] = (Z[k] + conj Z[h-k]) / 2,   O[k] = (Z[k] - conj Z[h-k]) / 2i   (the even / odd samples' DFTs)
  //   X[k] = E[k] + e^{-2 pi i k / n} O[k],   out = |X[k]|^2.
  const int h = n_ / 2;
  thread_local FftBuffer z_buf;
  if (z_buf.size() < 2 * static_cast<size_t>(h) + 2) z_buf = FftBuffer(2 * static_cast<size_t>(h) + 2);
  double* z = z_buf.data();
  fftw_execute_dft(static_cast<fftw_plan>(half_plan_), reinterpret_cast<fftw_complex*>(const_cast<double*>(in)),
                   reinterpret_cast<fftw_complex*>(z));
  z[2 * h] = z[0];
  z[2 * h + 1] = z[1];
  const double* wr = half_tw_re_.data();
  const double* wi = half_tw_im_.data();
  // |X[k]|^2 from Z[k] = (zr, zi), Z[h-k] = (yr, yi) and the twiddle (w_r, w_i): on doubles for the
  // last bins, on vectors of 8 bins for the rest.
  auto bin_power = [](auto zr, auto zi, auto yr, auto yi, auto w_r, auto w_i) {
    const auto er = 0.5 * (zr + yr), ei = 0.5 * (zi - yi);
    const auto o_r = 0.5 * (zi + yi), o_i = -0.5 * (zr - yr);
    const auto xr = er + w_r * o_r - w_i * o_i, xi = ei + w_r * o_i + w_i * o_r;
    return xr * xr + xi * xi;
  };
  // Eight bins at a time: Z[k..k+8) deinterleaved, Z[h-k-7 .. h-k] deinterleaved and reversed.
  const vi even = {0, 2, 4, 6, 8, 10, 12, 14}, odd = {1, 3, 5, 7, 9, 11, 13, 15};
  const vi even_rev = {14, 12, 10, 8, 6, 4, 2, 0}, odd_rev = {15, 13, 11, 9, 7, 5, 3, 1};
  int k = 0;
  for (; k + 8 <= n_out; k += 8) {
    const vd a = load_vec(z + 2 * k), b = load_vec(z + 2 * k + 8);
    const vd c = load_vec(z + 2 * (h - k - 7)), d = load_vec(z + 2 * (h - k - 7) + 8);
    const vd zr = shuffle2(a, b, even), zi = shuffle2(a, b, odd);
    const vd yr = shuffle2(c, d, even_rev), yi = shuffle2(c, d, odd_rev);
    const vd pw = bin_power(zr, zi, yr, yi, load_vec(wr + k), load_vec(wi + k));
    if (stride == 1) {
      std::memcpy(out + k, &pw, sizeof(pw));
    } else {
      for (int l = 0; l < 8; ++l) out[(k + l) * stride] = pw[l];
    }
  }
  for (; k < n_out; ++k)
    out[k * stride] = bin_power(z[2 * k], z[2 * k + 1], z[2 * (h - k)], z[2 * (h - k) + 1], wr[k], wi[k]);
}

void RealFft::forward(const double* in, double* out) const {
  if (!split_) {
    // New-array execute: thread-safe, needs the planning alignment (guaranteed by fftw_malloc).
    fftw_execute_dft_r2c(static_cast<fftw_plan>(plan_), const_cast<double*>(in), reinterpret_cast<fftw_complex*>(out));
    return;
  }
  // Step 4: the complex bins, conjugated where the row is the mirror one.
  for_each_bin(split_rows(in), p_, m_, half_p_, n_ / 2 + 1, [out](int k, const double* y, bool conj) {
    out[2 * k] = y[0];
    out[2 * k + 1] = conj ? -y[1] : y[1];
  });
}

void RealFft::check_power_args(int n_out, int stride) const {
  if (n_out < 0 || n_out > n_bins()) {
    fail<ValueError>("RealFft::power: n_out must be in [0, ", n_bins(), "] for n = ", n_, ", got ", n_out);
  }
  if (stride < 1) fail<ValueError>("RealFft::power: stride must be >= 1, got ", stride);
}

void RealFft::power(const double* in, double* out, int n_out, int stride) const {
  check_power_args(n_out, stride);
  const size_t st = static_cast<size_t>(stride);
  if (split_) return split_power(split_rows(in), out, n_out, st);
  if (half_plan_ != nullptr) return power_half(in, out, n_out, st);
  thread_local FftBuffer spec_buf;
  if (spec_buf.size() < 2 * static_cast<size_t>(n_bins())) spec_buf = FftBuffer(2 * static_cast<size_t>(n_bins()));
  const double* s = spec_buf.data();
  forward(in, spec_buf.data());
  for (int k = 0; k < n_out; ++k) out[k * st] = s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1];
}

void RealFft::split_power(const double* spec, double* out, int n_out, size_t st) const {
  // Step 4 as in forward(), but |.|^2 straight from the rows and only for k < n_out (the conjugate
  // has the same norm). Scalar: the bins of a row are p apart, and a vectorised norm with the same
  // one-by-one stores measured no faster.
  for_each_bin(spec, p_, m_, half_p_, n_out,
               [out, st](int k, const double* y, bool) { out[k * st] = y[0] * y[0] + y[1] * y[1]; });
}

std::vector<std::complex<double>> dft_reference(const std::vector<double>& x) {
  const size_t n = x.size();
  std::vector<std::complex<double>> out(n / 2 + 1);
  const double pi = 3.14159265358979323846;
  for (size_t k = 0; k <= n / 2; ++k) {
    std::complex<double> acc = 0;
    for (size_t t = 0; t < n; ++t) {
      // (k * t) mod n keeps the angle small, so cos/sin stay accurate for large n.
      const double angle = -2.0 * pi * static_cast<double>((k * t) % n) / static_cast<double>(n);
      acc += x[t] * std::complex<double>(std::cos(angle), std::sin(angle));
    }
    out[k] = acc;
  }
  return out;
}

}  // namespace ag::audio
