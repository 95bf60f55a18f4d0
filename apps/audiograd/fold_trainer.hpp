// fold_trainer.hpp: training and evaluating one fold of `audiograd train` (trainer.hpp runs the
// folds and lists the files). For test fold k: train on the other folds for c.epochs epochs, test
// on fold k every c.eval_every epochs and after the last, and report the last epoch's result.
//
// Every random stream of a fold (initialisation, a new head, data order, dropout, crops) is seeded
// from the run seed, the fold and, per epoch, the epoch number, so a run resumed after epoch e
// repeats the uninterrupted run exactly (with the same thread count).
#pragma once

#include <string>
#include <vector>

#include "apps/audiograd/config.hpp"
#include "apps/audiograd/results.hpp"
#include "audio/dataset.hpp"

namespace ag::app {

struct FoldRun {
  const TrainConfig& c;
  const audio::AudioDataset& data;  // every fold; the test fold is held out here
  int fold;
  std::vector<EpochMetrics>& metrics;  // every row so far (all folds); one is added per epoch
  std::string metrics_path;            // metrics.csv, rewritten after every epoch
};

// Trains fold run.fold, continuing from fold<k>/last.safetensors with --resume, and writes
// fold<k>/last*.safetensors (every epoch), fold<k>/model.safetensors and fold<k>/result.json.
FoldResult train_fold(FoldRun& run);

}  // namespace ag::app
