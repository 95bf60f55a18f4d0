// random.cpp: xoshiro256** and the conversions to uniform, normal, gamma and beta variates.
#include "tensor/random.hpp"

#include <cmath>

namespace ag {

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
__extension__ typedef unsigned __int128 u128;  // GCC's 128-bit integer (for Lemire's method)
}  // namespace

void Generator::seed_(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);  // splitmix64 never yields an all-zero state
  has_spare_ = false;
}

uint64_t Generator::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Generator::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  double u2 = uniform();
  double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_ = true;
  return r * std::cos(2.0 * M_PI * u2);
}

int64_t Generator::randint(int64_t lo, int64_t hi) {
  if (hi <= lo) fail<ValueError>("randint: empty range [", lo, ", ", hi, ")");
  // Lemire's nearly divisionless method: multiply into 128 bits, reject the biased low band.
  uint64_t range = static_cast<uint64_t>(hi - lo);
  u128 m = static_cast<u128>(next_u64()) * range;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < range) {
    uint64_t threshold = (0 - range) % range;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * range;
      low = static_cast<uint64_t>(m);
    }
  }
  return lo + static_cast<int64_t>(m >> 64);
}

double Generator::gamma(double shape) {
  if (!(shape > 0)) fail<ValueError>("gamma: shape must be positive, got ", shape);
  if (shape < 1) {  // boost: Gamma(a) = Gamma(a + 1) * U^(1/a)
    double u = 1.0 - uniform();
    return gamma(shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  // Marsaglia & Tsang (2000).
  double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = 1.0 - uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double Generator::beta(double a, double b) {
  if (!(a > 0) || !(b > 0)) fail<ValueError>("beta: parameters must be positive, got ", a, " and ", b);
  double x = gamma(a), y = gamma(b);
  return x / (x + y);
}

Generator Generator::fork() {
  Generator g(next_u64());
  return g;
}

Generator& default_generator() {
  static Generator g(0x5eed);
  return g;
}

void manual_seed(uint64_t seed) { default_generator().seed_(seed); }

namespace {
template <class Draw>
Tensor fill_random(const Shape& shape, DType dtype, Draw draw) {
  Tensor t = Tensor::uninitialized(shape, dtype);  // every element drawn below
  // n once, not t.numel() per element: that call (shape_numel, in another file) and a memset of
  // the whole tensor were a third of `audiograd predict`'s start-up on CNN14 (80 M parameters
  // initialised before the checkpoint overwrites them). The draws and their order are unchanged.
  const int64_t n = t.numel();
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(draw());
  });
  return t;
}
}  // namespace

Tensor rand(const Shape& shape, DType dtype, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  return fill_random(shape, dtype, [&] { return g.uniform(); });
}

Tensor randn(const Shape& shape, DType dtype, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  return fill_random(shape, dtype, [&] { return g.normal(); });
}

Tensor uniform(const Shape& shape, double lo, double hi, DType dtype, Generator* gen) {
  if (!(lo <= hi)) fail<ValueError>("uniform: expected lo <= hi, got ", lo, " and ", hi);
  Generator& g = gen ? *gen : default_generator();
  return fill_random(shape, dtype, [&] { return g.uniform(lo, hi); });
}

Tensor randint(int64_t lo, int64_t hi, const Shape& shape, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  if (hi <= lo) fail<ValueError>("randint: empty range [", lo, ", ", hi, ")");
  return fill_random(shape, DType::Int64, [&] { return g.randint(lo, hi); });
}

Tensor randperm(int64_t n, Generator* gen) {
  if (n < 0) fail<ValueError>("randperm: n must be >= 0, got ", n);
  Generator& g = gen ? *gen : default_generator();
  Tensor t = arange(0, static_cast<double>(n), 1, DType::Int64);
  int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[g.randint(0, i + 1)]);
  return t;
}

}  // namespace ag
