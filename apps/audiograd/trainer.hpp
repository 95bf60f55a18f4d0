// trainer.hpp: `audiograd train` — k-fold training and evaluation of one model on one dataset.
//
// For each test fold k: train on the other folds for `epochs` epochs, evaluate on fold k after
// every `eval_every` epochs (for the curves only), and report the LAST epoch's accuracy: nothing is
// ever chosen by its accuracy on the test fold.
//
// Files in the run directory (--out):
//   config.ini                  the resolved configuration (a CLI11 config file: --config reads it)
//   metrics.csv                 one row per fold and epoch, appended as training goes
//   fold<k>/last.safetensors    model + metadata after the latest finished epoch, with its
//   fold<k>/last.optim.safetensors  optimiser state: what --resume continues from
//   fold<k>/model.safetensors   the fold's final model (a plain safetensors state dict + metadata)
//   fold<k>/result.json         the fold's final accuracy, per-class accuracy and confusion matrix
//   summary.json                per-fold and mean ± std accuracy
//   report.html                 loss / accuracy curves per fold and the confusion matrix (inline SVG)
// Every file is written to a temporary name and renamed: an interrupted run leaves whole files.
#pragma once

#include <string>
#include <vector>

#include "apps/audiograd/config.hpp"
#include "apps/models/model.hpp"
#include "audio/dataset.hpp"
#include "audio/loader.hpp"

namespace ag::app {

struct EpochMetrics {
  int fold = 0;
  int epoch = 0;
  double lr = 0;
  double train_loss = 0, train_acc = 0;
  double test_loss = -1, test_acc = -1;  // -1 when not evaluated this epoch
  double clips_per_s = 0;
  double seconds = 0;
};

struct EvalResult {
  double loss = 0;
  double accuracy = 0;
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
  std::vector<double> per_class;                // accuracy per true class (-1 when absent)
  Tensor logits;                                // (N, classes)
};

struct FoldResult {
  int fold = 0;
  double accuracy = 0;
  double loss = 0;
  int epochs = 0;
  double seconds = 0;
  std::vector<std::vector<int64_t>> confusion;
  std::vector<double> per_class;
};

// Evaluates `model` on `data` in eval mode (no gradient), batch by batch.
EvalResult evaluate(models::AudioModel& model, const audio::AudioDataset& data, const audio::PipelineOptions& pipeline,
                    int64_t batch_size, int workers);

// Runs `audiograd train`. `resolved_config` is the text of config.ini. Returns the mean accuracy.
double run_training(const TrainConfig& config, const std::string& resolved_config);

// Builds the model a checkpoint was saved from (its metadata names model, classes and options) and
// loads the weights. IoError / ValueError for a file that is not an audiograd model checkpoint.
std::shared_ptr<models::AudioModel> load_model(const std::string& checkpoint, std::vector<std::string>* class_names = nullptr);

}  // namespace ag::app
