// random.hpp: the one random number generator, seeded and reproducible everywhere.
//
// Generator is xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64. Unlike
// std::normal_distribution and friends, whose output differs between standard libraries, every
// conversion here is written out (uniform: top 53 bits; normal: Box-Muller; gamma: Marsaglia-Tsang),
// so a seed gives the same numbers on every machine and compiler.
//
// Each consumer that needs randomness takes a Generator& (data loader, dropout, augmentations,
// initialisers); `default_generator()` serves callers that do not care, and `manual_seed` reseeds it.
#pragma once

#include <cstdint>

#include "tensor/tensor.hpp"

namespace ag {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0x5eed) { seed_(seed); }
  void seed_(uint64_t seed);
  uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal();
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  // Uniform integer in [lo, hi), without modulo bias. Throws ValueError if hi <= lo.
  int64_t randint(int64_t lo, int64_t hi);
  // Gamma(shape, 1) and Beta(a, b) = X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (mixup's lambda).
  double gamma(double shape);
  double beta(double a, double b);
  bool bernoulli(double p) { return uniform() < p; }
  // A new generator whose stream is independent of this one's continuation (for worker threads).
  Generator fork();

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

// Tensors of random values, drawn in row-major order from `gen` (default_generator() if omitted).
Tensor rand(const Shape& shape, DType dtype = DType::Float32, Generator* gen = nullptr);   // U[0, 1)
Tensor randn(const Shape& shape, DType dtype = DType::Float32, Generator* gen = nullptr);  // N(0, 1)
Tensor uniform(const Shape& shape, double lo, double hi, DType dtype = DType::Float32, Generator* gen = nullptr);
Tensor randint(int64_t lo, int64_t hi, const Shape& shape, Generator* gen = nullptr);  // int64
// A random permutation of 0..n-1 (Fisher-Yates), int64.
Tensor randperm(int64_t n, Generator* gen = nullptr);

}  // namespace ag
