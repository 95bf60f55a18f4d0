// trainer.hpp: `audiograd train` — k-fold training and evaluation of one model on one dataset.
//
// For each test fold k: train on the other folds for `epochs` epochs, evaluate on fold k after
// every `eval_every` epochs (for the curves only), and report the LAST epoch's accuracy: nothing is
// ever chosen by its accuracy on the test fold. One fold's training is fold_trainer.hpp.
//
// Files in the run directory (--out):
//   config.ini                  the resolved configuration (a CLI11 config file: --config reads it)
//   metrics.csv                 one row per fold and epoch, appended as training goes
//   fold<k>/last.safetensors    model + metadata after the latest finished epoch, with its
//   fold<k>/last.optim.safetensors  optimiser state: what --resume continues from
//   fold<k>/model.safetensors   the fold's final model (a plain safetensors state dict + metadata)
//   fold<k>/result.json         the fold's final accuracy, per-class accuracy and confusion matrix;
//                               --resume reads it back and skips the fold
//   summary.json                per-fold and mean ± std accuracy
//   report.html                 loss / accuracy curves per fold and the confusion matrix (inline SVG)
// Every file is written to a temporary name and renamed: an interrupted run leaves whole files.
// checkpoints.hpp describes the checkpoints' metadata, run_files.hpp the CSV and JSON files.
#pragma once

#include <string>

#include "apps/audiograd/config.hpp"

namespace ag::app {

// Runs `audiograd train`. `resolved_config` is the text of config.ini. Returns the mean accuracy.
double run_training(const TrainConfig& config, const std::string& resolved_config);

}  // namespace ag::app
