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
  twiddle_.resize(2 * static_cast<size_t>(half_p_) * m_);
  for (int k1 = 0; k1 < half_p_; ++k1)
    for (int n2 = 0; n2 < m_; ++n2) {
      const double a = -2 * pi * ((static_cast<int64_t>(n2) * k1) % n) / n;
      twiddle_[2 * (k1 * m_ + n2)] = std::cos(a);
      twiddle_[2 * (k1 * m_ + n2) + 1] = std::sin(a);
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
  const int p = p_, m = m_, hp = half_p_;
  // Per-thread scratch, allocated once per thread and size (fftw_malloc'd: the plan's alignment).
  thread_local FftBuffer rows_buf, spec_buf;
  const size_t need = 2 * static_cast<size_t>(hp) * m;
  if (rows_buf.size() < need) rows_buf = FftBuffer(need), spec_buf = FftBuffer(need);
  double* rows = rows_buf.data();  // (hp, m) complex: step 1 and 2
  double* spec = spec_buf.data();  // (hp, m) complex: step 3
  // Step 1 + 2. A[k1][n2] = sum_n1 x[m*n1 + n2] e^{-2 pi i n1 k1 / p}, then the twiddle.
  // p is an odd prime, so pairing n1 with p - n1 halves the work (cos is even, sin odd in n1):
  //   Re A = x_0 + sum_{j=1}^{(p-1)/2} cos(2 pi j k1 / p) u_j,   u_j = x_j + x_{p-j}
  //   Im A =     - sum_{j=1}^{(p-1)/2} sin(2 pi j k1 / p) v_j,   v_j = x_j - x_{p-j}
  // (x_j meaning column n2 of row j). The n2 loop runs in blocks of 8 whose accumulators stay in
  // registers over the whole j loop; everything is contiguous in n2 and vectorises.
  const int pairs = (p - 1) / 2;
  thread_local std::vector<double> uv;
  if (uv.size() < 2 * static_cast<size_t>(pairs) * m) uv.resize(2 * static_cast<size_t>(pairs) * m);
  double* __restrict u = uv.data();                                  // (pairs, m)
  double* __restrict v = uv.data() + static_cast<size_t>(pairs) * m;  // (pairs, m)
  for (int j = 1; j <= pairs; ++j) {
    const double* __restrict a = in + static_cast<size_t>(j) * m;
    const double* __restrict b = in + static_cast<size_t>(p - j) * m;
    double* __restrict uj = u + static_cast<size_t>(j - 1) * m;
    double* __restrict vj = v + static_cast<size_t>(j - 1) * m;
    for (int n2 = 0; n2 < m; ++n2) {
      uj[n2] = a[n2] + b[n2];
      vj[n2] = a[n2] - b[n2];
    }
  }
  // Blocks of 8 columns held in four 4-double vector registers (GCC/Clang vector extensions: the
  // compiler would otherwise spill the accumulators to memory on every j).
  typedef double v4d __attribute__((vector_size(32)));
  auto load4 = [](const double* ptr) {
    v4d r;
    std::memcpy(&r, ptr, sizeof(r));
    return r;
  };
  constexpr int kBlock = 8;
  const int full = m / kBlock * kBlock;
  for (int k1 = 0; k1 < hp; ++k1) {
    const double* c = dft_cos_.data() + static_cast<size_t>(k1) * p;
    const double* s = dft_sin_.data() + static_cast<size_t>(k1) * p;
    double re[kBlock], im[kBlock];  // one block, or the tail
    auto finish = [&](int n0, int len) {  // twiddle and store columns n0 .. n0+len-1
      const double* tw = twiddle_.data() + 2 * (static_cast<size_t>(k1) * m + n0);
      double* row = rows + 2 * (static_cast<size_t>(k1) * m + n0);
      for (int b = 0; b < len; ++b) {
        const double tr = tw[2 * b], ti = tw[2 * b + 1];
        row[2 * b] = re[b] * tr - im[b] * ti;
        row[2 * b + 1] = re[b] * ti + im[b] * tr;
      }
    };
    for (int n0 = 0; n0 < full; n0 += kBlock) {
      v4d r0 = load4(in + n0), r1 = load4(in + n0 + 4);
      v4d i0 = {0, 0, 0, 0}, i1 = {0, 0, 0, 0};
      for (int j = 1; j <= pairs; ++j) {
        const double* uj = u + static_cast<size_t>(j - 1) * m + n0;
        const double* vj = v + static_cast<size_t>(j - 1) * m + n0;
        const double cv = c[j], sv = s[j];
        r0 += cv * load4(uj);
        r1 += cv * load4(uj + 4);
        i0 -= sv * load4(vj);
        i1 -= sv * load4(vj + 4);
      }
      std::memcpy(re, &r0, sizeof(r0));
      std::memcpy(re + 4, &r1, sizeof(r1));
      std::memcpy(im, &i0, sizeof(i0));
      std::memcpy(im + 4, &i1, sizeof(i1));
      finish(n0, kBlock);
    }
    if (full < m) {  // the last m % 8 columns, plainly
      const int len = m - full;
      for (int b = 0; b < len; ++b) re[b] = in[full + b], im[b] = 0.0;
      for (int j = 1; j <= pairs; ++j)
        for (int b = 0; b < len; ++b) {
          re[b] += c[j] * u[static_cast<size_t>(j - 1) * m + full + b];
          im[b] -= s[j] * v[static_cast<size_t>(j - 1) * m + full + b];
        }
      finish(full, len);
    }
  }
  // Step 3: hp complex FFTs of size m (thread-safe new-array execute).
  fftw_execute_dft(static_cast<fftw_plan>(plan_), reinterpret_cast<fftw_complex*>(rows),
                   reinterpret_cast<fftw_complex*>(spec));
  // Step 4: X[k1 + p*k2] = Y[k1][k2] for k1 < hp, else conj(Y[p - k1][m - 1 - k2]).
  // (Loops over k2 and k1 rather than dividing each k: integer division would cost more than all
  // of step 3.)
  const int last = n_ / 2;
  for (int k2 = 0, k = 0; k2 < m && k <= last; ++k2) {
    for (int k1 = 0; k1 < p && k <= last; ++k1, ++k) {
      if (k1 < hp) {
        const double* y = spec + 2 * (static_cast<size_t>(k1) * m + k2);
        out[2 * k] = y[0];
        out[2 * k + 1] = y[1];
      } else {
        const double* y = spec + 2 * (static_cast<size_t>(p - k1) * m + (m - 1 - k2));
        out[2 * k] = y[0];
        out[2 * k + 1] = -y[1];
      }
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
