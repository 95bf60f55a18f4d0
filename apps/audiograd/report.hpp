// report.hpp: report.html, the run's page for people: a table of fold accuracies, loss and accuracy
// curves per fold and the confusion matrix summed over the test folds, as inline SVG.
#pragma once

#include <string>
#include <vector>

#include "apps/audiograd/config.hpp"
#include "apps/audiograd/results.hpp"

namespace ag::app {

void write_report(const std::string& out, const TrainConfig& config, const std::vector<EpochMetrics>& metrics,
                  const std::vector<FoldResult>& folds, const std::vector<std::string>& classes);

}  // namespace ag::app
