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
  split_ = p > 13 && n / p >= 8 && largest_prime_factor(n / p) <= 13;
  if (!split_) {
    // Plan on scratch arrays: FFTW_MEASURE times real transforms and overwrites its arrays.
    // FFTW_PRESERVE_INPUT keeps `in` intact in forward() (needed: callers reuse their frames).
    FftBuffer in(static_cast<size_t>(n));
    FftBuffer out(2 * static_cast<size_t>(n / 2 + 1));
    plan_ = fftw_plan_dft_r2c_1d(n, in.data(), reinterpret_cast<fftw_complex*>(out.data()),
                                 FFTW_MEASURE | FFTW_PRESERVE_INPUT);
    if (plan_ == nullptr) fail<ValueError>("RealFft: FFTW could not plan a real FFT of size ", n);
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
  // half_p rows of m complex values each, contiguous: one batched plan.
  FftBuffer in(2 * static_cast<size_t>(half_p_) * m_), out(2 * static_cast<size_t>(half_p_) * m_);
  int dims[1] = {m_};
  plan_ = fftw_plan_many_dft(1, dims, half_p_, reinterpret_cast<fftw_complex*>(in.data()), nullptr, 1, m_,
                             reinterpret_cast<fftw_complex*>(out.data()), nullptr, 1, m_, FFTW_FORWARD, FFTW_MEASURE);
  if (plan_ == nullptr) fail<ValueError>("RealFft: FFTW could not plan ", half_p_, " complex FFTs of size ", m_);
}

RealFft::~RealFft() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  fftw_destroy_plan(static_cast<fftw_plan>(plan_));
}

void RealFft::forward_split(const double* in, double* out) const {
  const int p = p_, m = m_, hp = half_p_, mp = mp_;
  const int pairs = (p - 1) / 2;
  // Per-thread scratch, allocated once per thread and size (fftw_malloc'd: the plan's alignment).
  thread_local FftBuffer rows_buf, spec_buf;
  const size_t need = 2 * static_cast<size_t>(hp) * m;
  if (rows_buf.size() < need) rows_buf = FftBuffer(need), spec_buf = FftBuffer(need);
  double* rows = rows_buf.data();  // (hp, m) complex interleaved: steps 1 and 2
  double* spec = spec_buf.data();  // (hp, m) complex interleaved: step 3
  // Step 1 + 2. A[k1][n2] = sum_n1 x[m*n1 + n2] e^{-2 pi i n1 k1 / p}, then the twiddle.
  // p is an odd prime, so pairing n1 with p - n1 halves the work (cos is even, sin odd in n1):
  //   Re A = x_0 + sum_{j=1}^{(p-1)/2} cos(2 pi j k1 / p) u_j,   u_j = x_j + x_{p-j}
  //   Im A =     - sum_{j=1}^{(p-1)/2} sin(2 pi j k1 / p) v_j,   v_j = x_j - x_{p-j}
  // (x_j meaning column n2 of row j). x_0, u and v are copied into rows padded to mp columns, a
  // multiple of kLanes, so that every block below is whole vectors; columns >= m are never stored.
  thread_local std::vector<double> scratch;
  const size_t scratch_size = (1 + 2 * static_cast<size_t>(pairs)) * mp;
  if (scratch.size() < scratch_size) scratch.assign(scratch_size, 0.0);
  double* __restrict x0 = scratch.data();                                  // (mp,)
  double* __restrict u = x0 + mp;                                          // (pairs, mp)
  double* __restrict v = u + static_cast<size_t>(pairs) * mp;              // (pairs, mp)
  std::memcpy(x0, in, sizeof(double) * m);
  for (int j = 1; j <= pairs; ++j) {
    const double* __restrict a = in + static_cast<size_t>(j) * m;
    const double* __restrict b = in + static_cast<size_t>(p - j) * m;
    double* __restrict uj = u + static_cast<size_t>(j - 1) * mp;
    double* __restrict vj = v + static_cast<size_t>(j - 1) * mp;
    for (int n2 = 0; n2 < m; ++n2) {
      uj[n2] = a[n2] + b[n2];
      vj[n2] = a[n2] - b[n2];
    }
  }
  // One block = kLanes columns in one vector register per accumulator (GCC/Clang vector
  // extensions: AVX-512 where the build targets it, else two 256-bit halves). The twiddle is
  // applied in registers and the (re, im) pairs interleaved with two shuffles for FFTW's layout.
  typedef double vd __attribute__((vector_size(8 * kLanes)));
  typedef long long vi __attribute__((vector_size(8 * kLanes)));
  static_assert(kLanes == 8, "the shuffle masks below are written for 8 lanes");
  auto load = [](const double* ptr) {
    vd r;
    std::memcpy(&r, ptr, sizeof(r));
    return r;
  };
  const vi lo_mask = {0, 8, 1, 9, 2, 10, 3, 11}, hi_mask = {4, 12, 5, 13, 6, 14, 7, 15};
  for (int k1 = 0; k1 < hp; ++k1) {
    const double* c = dft_cos_.data() + static_cast<size_t>(k1) * p;
    const double* s = dft_sin_.data() + static_cast<size_t>(k1) * p;
    const double* tr = tw_re_.data() + static_cast<size_t>(k1) * mp;
    const double* ti = tw_im_.data() + static_cast<size_t>(k1) * mp;
    double* row = rows + 2 * static_cast<size_t>(k1) * m;
    for (int n0 = 0; n0 < m; n0 += kLanes) {
      vd re = load(x0 + n0), im = {};
      for (int j = 1; j <= pairs; ++j) {
        re += c[j] * load(u + static_cast<size_t>(j - 1) * mp + n0);
        im -= s[j] * load(v + static_cast<size_t>(j - 1) * mp + n0);
      }
      const vd wr = load(tr + n0), wi = load(ti + n0);
      const vd a = re * wr - im * wi, b = re * wi + im * wr;
      const vd lo = __builtin_shuffle(a, b, lo_mask), hi = __builtin_shuffle(a, b, hi_mask);
      if (n0 + kLanes <= m) {
        std::memcpy(row + 2 * n0, &lo, sizeof(lo));
        std::memcpy(row + 2 * n0 + kLanes, &hi, sizeof(hi));
      } else {  // the last m % kLanes columns
        double tmp[2 * kLanes];
        std::memcpy(tmp, &lo, sizeof(lo));
        std::memcpy(tmp + kLanes, &hi, sizeof(hi));
        std::memcpy(row + 2 * n0, tmp, sizeof(double) * 2 * (m - n0));
      }
    }
  }
  // Step 3: hp complex FFTs of size m (thread-safe new-array execute).
  fftw_execute_dft(static_cast<fftw_plan>(plan_), reinterpret_cast<fftw_complex*>(rows),
                   reinterpret_cast<fftw_complex*>(spec));
  // Step 4: X[k1 + p*k2] = Y[k1][k2] for k1 < hp, else conj(Y[p - k1][m - 1 - k2]): row by row,
  // so that no element needs a branch or a division (k = k1 + p*k2 <= n/2 < n keeps k2 < m).
  const int last = n_ / 2;
  for (int k1 = 0; k1 < hp; ++k1) {
    const double* y = spec + 2 * static_cast<size_t>(k1) * m;
    for (int k2 = 0, k = k1; k <= last; ++k2, k += p) {
      out[2 * k] = y[2 * k2];
      out[2 * k + 1] = y[2 * k2 + 1];
    }
  }
  for (int k1 = hp; k1 < p; ++k1) {
    const double* y = spec + 2 * static_cast<size_t>(p - k1) * m;
    for (int k2 = 0, k = k1; k <= last; ++k2, k += p) {
      out[2 * k] = y[2 * (m - 1 - k2)];
      out[2 * k + 1] = -y[2 * (m - 1 - k2) + 1];
    }
  }
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

void RealFft::forward(const double* in, double* out) const {
  if (split_) return forward_split(in, out);
  // New-array execute: thread-safe, needs the planning alignment (guaranteed by fftw_malloc).
  fftw_execute_dft_r2c(static_cast<fftw_plan>(plan_), const_cast<double*>(in), reinterpret_cast<fftw_complex*>(out));
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
