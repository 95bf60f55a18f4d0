// fft.cpp: FFTW plan cache; see fft.hpp.
#include "audio/fft.hpp"

#include <fftw3.h>

#include <cmath>
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

RealFft::RealFft(int n) : n_(n), plan_(nullptr) {
  // Plan on scratch arrays: FFTW_MEASURE times real transforms and overwrites its arrays.
  // FFTW_PRESERVE_INPUT keeps `in` intact in forward() (needed: callers reuse their frames).
  FftBuffer in(static_cast<size_t>(n));
  FftBuffer out(2 * static_cast<size_t>(n / 2 + 1));
  plan_ = fftw_plan_dft_r2c_1d(n, in.data(), reinterpret_cast<fftw_complex*>(out.data()),
                                FFTW_MEASURE | FFTW_PRESERVE_INPUT);
  if (plan_ == nullptr) fail<ValueError>("RealFft: FFTW could not plan a real FFT of size ", n);
}

RealFft::~RealFft() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  fftw_destroy_plan(static_cast<fftw_plan>(plan_));
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
