// nn_test_util.hpp: fixture loading and tensor comparison shared by the nn tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "nn/nn.hpp"

namespace ag::test {

// tests/fixtures/nn/<case>/<name>.npy (tests run from the repository root).
inline Tensor fixture(const std::string& case_name, const std::string& name) {
  return load_npy("tests/fixtures/nn/" + case_name + "/" + name + ".npy");
}

// Every element within atol + rtol |expected|; on failure reports the worst element.
inline ::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.shape()) << " vs expected " << shape_str(expected.shape());
  const std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double excess = std::abs(a[i] - e[i]) - (atol + rtol * std::abs(e[i]));
    if (!(excess <= 0) && (std::isnan(excess) || excess > worst || worst == 0)) {
      worst = std::isnan(excess) ? INFINITY : excess;
      at = i;
    }
  }
  if (worst == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "element " << at << ": " << a[at] << " vs expected " << e[at]
                                       << " (rtol " << rtol << ", atol " << atol << ")";
}

// Runs fn and expects it to throw E with a message containing `text`.
template <class E, class F>
::testing::AssertionResult throws_with(F&& fn, const std::string& text) {
  try {
    fn();
  } catch (const E& e) {
    if (std::string(e.what()).find(text) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "message \"" << e.what() << "\" lacks \"" << text << "\"";
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw another type: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

inline Tensor randn64(const Shape& shape, uint64_t seed) {
  Generator g(seed);
  return randn(shape, DType::Float64, &g);
}

}  // namespace ag::test
