// report.hpp: the run's human-readable outputs: summary.json and report.html (inline SVG charts of
// loss and accuracy per fold, and the confusion matrix), plus the small text formats the trainer
// re-reads on --resume (metrics.csv, fold<k>/result.txt).
#pragma once

#include <string>
#include <vector>

#include "apps/audiograd/trainer.hpp"

namespace ag::app {

std::string json_escape(const std::string& s);

// metrics.csv
std::string metrics_header();
std::string metrics_row(const EpochMetrics& m);
std::vector<EpochMetrics> read_metrics(const std::string& path);  // [] if the file does not exist
void write_metrics(const std::string& path, const std::vector<EpochMetrics>& rows);

// fold<k>/result.txt (for --resume) and fold<k>/result.json (for people and scripts)
void write_fold_result(const std::string& dir, const FoldResult& r, const std::vector<std::string>& classes);
bool read_fold_result(const std::string& dir, FoldResult* r);

void write_summary(const std::string& out, const TrainConfig& config, const std::vector<FoldResult>& folds,
                   const std::vector<std::string>& classes, double seconds, double clips_per_s);
void write_report(const std::string& out, const TrainConfig& config, const std::vector<EpochMetrics>& metrics,
                  const std::vector<FoldResult>& folds, const std::vector<std::string>& classes);

// mean and (population) standard deviation of the fold accuracies
std::pair<double, double> mean_std(const std::vector<FoldResult>& folds);

}  // namespace ag::app
