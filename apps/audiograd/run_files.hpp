// run_files.hpp: the machine-readable files of a run directory, which scripts read and --resume
// reads back:
//   metrics.csv          one row per fold and epoch (EpochMetrics)
//   fold<k>/result.json  the fold's accuracy, loss, per-class accuracy and confusion matrix; its
//                        presence marks the fold finished
//   summary.json         per-fold and mean ± std accuracy, wall time, clips/s
// The JSON is written with nlohmann-json (json.hpp); every file goes to a temporary name and is
// renamed (write_file_atomic).
#pragma once

#include <string>
#include <vector>

#include "apps/audiograd/config.hpp"
#include "apps/audiograd/results.hpp"

namespace ag::app {

// metrics.csv
std::string metrics_header();
std::string metrics_row(const EpochMetrics& m);
std::vector<EpochMetrics> read_metrics(const std::string& path);  // [] if the file does not exist
void write_metrics(const std::string& path, const std::vector<EpochMetrics>& rows);

// fold<k>/result.json. read_fold_result returns false when the fold has no result yet, and throws
// IoError for a file that is not a fold result.
void write_fold_result(const std::string& dir, const FoldResult& r, const std::vector<std::string>& classes);
bool read_fold_result(const std::string& dir, FoldResult* r);

// summary.json
void write_summary(const std::string& out, const TrainConfig& config, const std::vector<FoldResult>& folds,
                   const std::vector<std::string>& classes, double seconds, double clips_per_s);

}  // namespace ag::app
