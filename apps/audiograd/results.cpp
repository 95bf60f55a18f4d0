// results.cpp: see results.hpp.
#include "apps/audiograd/results.hpp"

#include <algorithm>
#include <cmath>

#include "tensor/error.hpp"

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

double average_precision(const std::vector<float>& scores, const std::vector<bool>& positive) {
  if (scores.size() != positive.size())
    fail<ValueError>("average_precision: ", scores.size(), " scores but ", positive.size(), " labels");
  std::vector<size_t> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  int64_t total_pos = 0;
  for (bool p : positive) total_pos += p;
  if (total_pos == 0) return -1;
  double ap = 0, recall_before = 0;
  int64_t seen = 0, hits = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;  // every clip tied with order[i] passes the same threshold
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {
      hits += positive[order[j]];
      ++seen;
      ++j;
    }
    const double recall = static_cast<double>(hits) / static_cast<double>(total_pos);
    ap += (recall - recall_before) * static_cast<double>(hits) / static_cast<double>(seen);
    recall_before = recall;
    i = j;
  }
  return ap;
}

TaggingMetrics tagging_metrics(const std::vector<float>& scores, int64_t n_classes, const std::vector<std::vector<int64_t>>& tags) {
  const int64_t clips = static_cast<int64_t>(tags.size());
  if (n_classes < 1 || static_cast<int64_t>(scores.size()) != clips * n_classes)
    fail<ValueError>("tagging_metrics: ", scores.size(), " scores for ", clips, " clips x ", n_classes, " classes");
  TaggingMetrics m;
  m.ap.assign(static_cast<size_t>(n_classes), -1);
  std::vector<float> col(static_cast<size_t>(clips));
  std::vector<bool> pos(static_cast<size_t>(clips));
  double sum = 0;
  for (int64_t c = 0; c < n_classes; ++c) {
    for (int64_t i = 0; i < clips; ++i) {
      col[i] = scores[static_cast<size_t>(i * n_classes + c)];
      pos[i] = std::binary_search(tags[i].begin(), tags[i].end(), c);
    }
    m.ap[c] = average_precision(col, pos);
    if (m.ap[c] >= 0) {
      sum += m.ap[c];
      ++m.classes_with_clips;
    }
  }
  m.map = m.classes_with_clips ? sum / static_cast<double>(m.classes_with_clips) : 0;
  return m;
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
