// config.hpp: every setting of `audiograd train`, with its default. The command line (and a config
// file, through CLI11) fills one TrainConfig; the run saves it resolved as config.ini so that a run
// can be repeated or resumed exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ag::app {

struct TrainConfig {
  // Data
  std::string dataset = "esc50";  // esc50 | esc10 | esc40 | us8k | ravdess | folder
  std::string data;               // its root; for esc50/esc10 found automatically when empty
  std::string folds = "1";        // "1", "1,3", or "all" (k-fold cross-validation)
  std::string exclude_folds;      // folds left out of training and testing (tuning on a validation fold)
  double clip_seconds = 5.0;      // every clip is cut / zero-padded to this length
  bool skip_bad = false;          // drop unreadable files (reported) instead of stopping
  std::string cache = "cache/features";  // feature cache directory; "none" disables it
  int workers = 1;                // background threads preparing batches
  // Model
  std::string model = "erann-3-1";
  std::string activation = "relu";  // resnet-small
  std::vector<std::string> blocks;  // --model blocks: its layers, one block each (apps/models/blocks.hpp)
  std::string res_block = "activation=gelu batch_first=true kernel_size=5,5 kernel_size_res=2,2";  // shared by its res blocks
  std::string frontend = "survey";  // --model blocks: its front end preset (erann | panns | survey)
  // Optimisation
  // The defaults are apps/audiograd/configs/quick.ini, the README's main job: about 20 minutes of
  // training for ERANN-3-1 on ESC-50 fold 1 on two cores (measured: docs/results.md).
  int epochs = 16;
  int batch_size = 16;
  std::string optimizer = "adam";   // adam | adamw | sgd
  double lr = 5e-4;
  double weight_decay = 0.0;
  double momentum = 0.9;            // sgd
  bool amsgrad = false;
  std::string schedule = "cosine";  // constant | step | cosine | onecycle
  double warmup_epochs = 1.0;       // cosine
  int step_epochs = 10;             // step: decay every this many epochs
  double step_gamma = 0.1;
  double clip_grad_norm = 0.0;      // 0 = off
  int accumulate = 1;               // gradient accumulation steps
  double label_smoothing = 0.0;
  std::string head_init = "zero";   // a new head: zero (the first loss is ln N) | panns (Xavier, as the published models)
  bool balanced = false;            // class-balanced sampling
  // Augmentation
  std::string augment;              // audio/augment.hpp names, e.g. "time_mask freq_mask"; "" = none
  double mixup = 0.0;               // alpha of log-mel mixup (0 = off)
  double wave_mixup = 0.0;          // alpha of waveform mixup before features (0 = off)
  double crop_seconds = 3.0;        // random temporal crop of the log-mel in training (0 = whole clip)
  // The augmentations and mixup start at epoch --augment-from and reach their full probability
  // over --augment-ramp epochs (linearly; 0 = at once), so they do not stall the first epochs.
  int augment_from = 1;
  int augment_ramp = 0;
  double ema = 0.0;                 // decay of an average of the weights, evaluated and saved (0 = off)
  // Transfer learning
  std::string pretrained;           // checkpoint to start from
  std::string transfer = "finetune";  // finetune | freeze-base | freeze-first:<k>
  double backbone_lr = 0.0;         // 0 = same as lr
  // Run
  uint64_t seed = 0;
  int threads = 2;
  std::string out = "runs/default";
  bool resume = false;
  bool overwrite = false;
  int eval_every = 2;               // evaluate the test fold every N epochs (reporting only)
  // Early stopping (the seed pipeline's patience): stop when the validation accuracy has not
  // improved for this many epochs, and test the best-on-validation weights. The validation fold
  // is carved from the training folds, never the test fold. 0 = train all --epochs.
  int patience = 0;
  std::string val_fold = "auto";    // with --patience: a training fold, or auto = the next after the test fold
  int64_t limit = 0;                // use only the first N clips of each split (smoke tests)
  // Data-parallel training under mpirun (docs/15_distributed.md); --batch-size is the global batch.
  bool sync_bn = false;             // batch norm over the global batch (SyncBatchNorm) instead of per rank
  double bucket_mb = 25;            // gradients are summed in buckets of at most this many MiB
};

// Parses "1", "2,4", "all" against the folds a dataset has. ValueError for a fold it lacks.
std::vector<int> parse_folds(const std::string& text, const std::vector<int>& available, const std::string& flag = "--folds");

}  // namespace ag::app
