// test_utils.hpp: helpers shared by the audio tests: fixture loading, the ESC-50 location, a
// scratch directory, and signal generators.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "tensor/io.hpp"
#include "tensor/tensor.hpp"

namespace ag::audio::testing {

inline const char* kFixtures = "tests/fixtures/audio/";

// A fixture .npy as float values plus its shape.
struct Fixture {
  std::vector<float> values;
  Shape shape;
};
inline Fixture load_fixture(const std::string& name) {
  Tensor t = load_npy(std::string(kFixtures) + name);
  return Fixture{t.to(DType::Float32).to_vector<float>(), t.shape()};
}

// The ESC-50 data (OGG release or official WAV clone): $AUDIOGRAD_ESC50, else ../shared/data/esc50.
inline std::string esc50_dir() {
  if (const char* env = std::getenv("AUDIOGRAD_ESC50")) return env;
  return "../shared/data/esc50";
}
inline bool have_esc50() { return std::filesystem::exists(esc50_dir() + "/meta/esc50.csv"); }
#define SKIP_WITHOUT_ESC50() \
  if (!::ag::audio::testing::have_esc50()) GTEST_SKIP() << "ESC-50 not found at " << ::ag::audio::testing::esc50_dir()

// A fresh directory under the system temp dir, removed when the object dies.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("ag_audio_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline std::vector<float> sine(double freq, double rate, int64_t n, double amp = 0.5, double phase = 0.0) {
  std::vector<float> x(static_cast<size_t>(n));
  const double pi = 3.14159265358979323846;
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(amp * std::sin(2 * pi * freq * i / rate + phase));
  return x;
}

// Frequency (Hz) of the strongest DFT bin of x, refined by parabolic interpolation; O(n * bins).
inline double dominant_frequency(const std::vector<float>& x, double rate, double f_lo, double f_hi, double step = 1.0) {
  const double pi = 3.14159265358979323846;
  double best_f = f_lo, best_p = -1;
  for (double f = f_lo; f <= f_hi; f += step) {
    double re = 0, im = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      // Hann-weighted to suppress leakage from the clip edges.
      const double w = 0.5 - 0.5 * std::cos(2 * pi * i / (x.size() - 1));
      re += w * x[i] * std::cos(2 * pi * f * i / rate);
      im -= w * x[i] * std::sin(2 * pi * f * i / rate);
    }
    const double p = re * re + im * im;
    if (p > best_p) { best_p = p; best_f = f; }
  }
  return best_f;
}

}  // namespace ag::audio::testing
