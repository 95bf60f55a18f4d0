// results.hpp: what training and evaluation measure: one row per epoch, the evaluation of a model
// on a test set, and a fold's final result. The trainer fills them, run_files.hpp writes and reads
// them back, report.hpp draws them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.hpp"

namespace ag::app {

// confusion[true class][predicted class]: clip counts, N x N.
using Confusion = std::vector<std::vector<int64_t>>;

struct EpochMetrics {
  int fold = 0;
  int epoch = 0;
  double lr = 0;
  double train_loss = 0, train_acc = 0;
  double test_loss = -1, test_acc = -1;  // -1 when not evaluated this epoch
  double val_loss = -1, val_acc = -1;    // the validation fold of --patience; -1 without
  double clips_per_s = 0;
  double seconds = 0;
};

struct EvalResult {
  double loss = 0;
  double accuracy = 0;
  Confusion confusion;
  Tensor logits;  // (clips, N)
};

struct FoldResult {
  int fold = 0;
  double accuracy = 0;
  double loss = 0;
  int epochs = 0;       // epochs trained (fewer than --epochs when stopped early)
  int best_epoch = 0;   // with --patience: the epoch whose weights were tested (0 without)
  double seconds = 0;
  Confusion confusion;
};

// Accuracy per true class, confusion[c][c] / sum_k confusion[c][k]; -1 for a class with no clips.
std::vector<double> per_class_accuracy(const Confusion& confusion);

// Average precision of one class over clips, as scikit-learn's average_precision_score (what
// PANNs reports as mAP): clips ranked by score, high to low, tied scores taken as one threshold;
// AP = sum over thresholds of (recall gained) x (precision there). -1 when no clip is positive.
double average_precision(const std::vector<float>& scores, const std::vector<bool>& positive);

// Multi-label evaluation: `scores` (clips, N) row-major, `tags[i]` clip i's classes.
struct TaggingMetrics {
  double map = 0;                 // mean of ap over the classes with at least one positive clip
  std::vector<double> ap;         // (N,), -1 for a class no clip holds
  int64_t classes_with_clips = 0;
};
TaggingMetrics tagging_metrics(const std::vector<float>& scores, int64_t n_classes, const std::vector<std::vector<int64_t>>& tags);

// Mean and (population) standard deviation of the fold accuracies; (0, 0) for no folds.
std::pair<double, double> mean_std(const std::vector<FoldResult>& folds);

}  // namespace ag::app
