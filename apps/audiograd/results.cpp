// results.cpp: see results.hpp.
#include "apps/audiograd/results.hpp"

#include <cmath>

namespace ag::app {

std::vector<double> per_class_accuracy(const Confusion& confusion) {
  std::vector<double> acc;
  for (size_t c = 0; c < confusion.size(); ++c) {
    int64_t total = 0;
    for (int64_t v : confusion[c]) total += v;
    acc.push_back(total ? static_cast<double>(confusion[c][c]) / static_cast<double>(total) : -1);
  }
  return acc;
}

std::pair<double, double> mean_std(const std::vector<FoldResult>& folds) {
  if (folds.empty()) return {0, 0};
  double m = 0, v = 0;
  for (const auto& f : folds) m += f.accuracy;
  m /= static_cast<double>(folds.size());
  for (const auto& f : folds) v += (f.accuracy - m) * (f.accuracy - m);
  return {m, std::sqrt(v / static_cast<double>(folds.size()))};
}

}  // namespace ag::app
