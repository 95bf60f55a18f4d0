// trainer.cpp: `audiograd train` over its folds (see trainer.hpp for what it writes): check the
// settings, open the data, prepare the run directory, keep what a resumed run already did, train
// each fold (fold_trainer.hpp) and rewrite summary.json and report.html after each. Under mpirun
// every rank trains and rank 0 alone touches the run directory and prints.
#include "apps/audiograd/trainer.hpp"

#include <cstdio>
#include <filesystem>

#include "apps/audiograd/checkpoints.hpp"
#include "apps/audiograd/data.hpp"
#include "apps/audiograd/distributed.hpp"
#include "apps/audiograd/fold_trainer.hpp"
#include "apps/audiograd/progress.hpp"
#include "apps/audiograd/report.hpp"
#include "apps/audiograd/run_files.hpp"
#include "nn/nn.hpp"

namespace ag::app {

namespace fs = std::filesystem;

namespace {

void check_settings(const TrainConfig& c) {
  if (c.epochs < 1) fail<ValueError>("--epochs must be >= 1, got ", c.epochs);
  if (c.batch_size < 1) fail<ValueError>("--batch-size must be >= 1, got ", c.batch_size);
  if (c.accumulate < 1) fail<ValueError>("--accumulate must be >= 1, got ", c.accumulate);
  if (c.threads < 1) fail<ValueError>("--threads must be >= 1, got ", c.threads);
  if (c.head_init != "panns" && c.head_init != "zero")
    fail<ValueError>("--head-init must be panns or zero, got '", c.head_init, "'");
  if (c.patience < 0) fail<ValueError>("--patience must be >= 0, got ", c.patience);
  if (c.augment_from < 1) fail<ValueError>("--augment-from must be an epoch >= 1, got ", c.augment_from);
  if (c.augment_ramp < 0) fail<ValueError>("--augment-ramp must be >= 0 epochs, got ", c.augment_ramp);
  if (!(c.ema >= 0 && c.ema < 1)) fail<ValueError>("--ema must be in [0, 1) (0 = off), got ", c.ema);
  if (!(c.bucket_mb > 0)) fail<ValueError>("--bucket-mb must be > 0, got ", c.bucket_mb);
  const int ranks = world().size();
  if (c.batch_size % ranks != 0)
    fail<ValueError>("--batch-size ", c.batch_size, " cannot be split evenly over ", ranks,
                     " ranks: the global batch must be a multiple of the number of processes (mpirun -np)");
}

// The dataset without --exclude-folds.
audio::AudioDataset training_data(const TrainConfig& c) {
  audio::AudioDataset data = open_dataset(c.dataset, c.data, c.skip_bad);
  if (!c.exclude_folds.empty()) {
    data = data.without_folds(parse_folds(c.exclude_folds, dataset_folds(data), "--exclude-folds"));
    if (data.size() == 0) fail<ValueError>("--exclude-folds ", c.exclude_folds, ": no clips are left");
  }
  return data;
}

// Unknown model names and bad model settings fail here, before the run directory is touched.
void check_model(const TrainConfig& c, const audio::AudioDataset& data) {
  models::ModelOptions probe;
  probe.num_classes = data.num_classes();
  probe.activation = c.activation;
  probe.blocks = c.blocks;
  probe.res_block = c.res_block;
  probe.frontend = c.frontend;
  models::build_model(c.model, probe);
}

// Creates --out (refusing to replace a run without --resume or --overwrite) and writes config.ini.
void prepare_run_dir(const TrainConfig& c, const std::string& resolved_config) {
  fs::path out(c.out);
  if (fs::exists(out) && !fs::is_empty(out)) {
    if (!c.resume && !c.overwrite)
      fail<ValueError>("run directory '", c.out, "' already holds a run; pass --resume to continue it, --overwrite to replace it, "
                       "or choose another --out");
    if (c.overwrite && !c.resume) fs::remove_all(out);
  }
  fs::create_directories(out);
  write_file_atomic((out / "config.ini").string(), resolved_config);
}

fs::path fold_dir(const TrainConfig& c, int fold) { return fs::path(c.out) / ("fold" + std::to_string(fold)); }

// metrics.csv rows a resumed run keeps: those of finished folds, and of epochs whose checkpoint
// exists (an epoch cut short is redone).
std::vector<EpochMetrics> resumed_metrics(const TrainConfig& c, const std::string& metrics_path) {
  std::vector<EpochMetrics> kept;
  for (const EpochMetrics& m : read_metrics(metrics_path)) {
    fs::path fd = fold_dir(c, m.fold), last = fd / "last.safetensors";
    FoldResult done;
    bool fold_done = read_fold_result(fd.string(), &done);
    int last_epoch = 0;
    if (!fold_done && fs::exists(last))
      last_epoch = std::stoi(metadata_value(nn::load_safetensors(last.string()).metadata, "train.epoch", "last checkpoint"));
    if (fold_done || m.epoch <= last_epoch) kept.push_back(m);
  }
  return kept;
}

// The fold's result: read back if a resumed run finished it, else trained now.
FoldResult run_fold(const TrainConfig& c, const audio::AudioDataset& data, int fold, std::vector<EpochMetrics>& metrics,
                    const std::string& metrics_path) {
  FoldResult r;
  int done = is_main_rank() && c.resume && read_fold_result(fold_dir(c, fold).string(), &r);
  world().broadcast(&done, sizeof done, 0);  // rank 0's run directory decides for every rank
  if (done) {
    if (is_main_rank()) std::fprintf(stderr, "fold %d: already finished (accuracy %.1f%%)\n", fold, 100 * r.accuracy);
  } else {
    FoldRun run{c, data, fold, metrics, metrics_path};
    r = train_fold(run);
  }
  if (is_main_rank()) {
    const std::string which = r.best_epoch > 0 ? "epoch " + std::to_string(r.best_epoch) + ", best on validation" : "last epoch";
    std::fprintf(stderr, "fold %d: test accuracy %.2f%% (%s)\n", fold, 100 * r.accuracy, which.c_str());
  }
  return r;
}

double mean_clips_per_s(const std::vector<EpochMetrics>& metrics) {
  double clips_per_s = 0;
  for (const EpochMetrics& m : metrics) clips_per_s += m.clips_per_s / static_cast<double>(metrics.size());
  return clips_per_s;
}

}  // namespace

double run_training(const TrainConfig& c, const std::string& resolved_config) {
  check_settings(c);
  set_num_threads(c.threads);
  auto t0 = Clock::now();
  audio::AudioDataset data = training_data(c);
  std::vector<int> folds = parse_folds(c.folds, dataset_folds(data));
  check_model(c, data);
  const bool main_rank = is_main_rank();
  if (main_rank) std::fprintf(stderr, "%s\n", data.summary().c_str());

  const std::string metrics_path = (fs::path(c.out) / "metrics.csv").string();
  std::vector<EpochMetrics> metrics;
  if (main_rank) {
    prepare_run_dir(c, resolved_config);
    if (c.resume) metrics = resumed_metrics(c, metrics_path);
    write_metrics(metrics_path, metrics);
  }
  world().barrier();  // the run directory is ready (an error there has stopped every rank)

  std::vector<FoldResult> results;
  for (int fold : folds) {
    results.push_back(run_fold(c, data, fold, metrics, metrics_path));
    if (!main_rank) continue;
    write_summary(c.out, c, results, data.class_names(), seconds_since(t0), mean_clips_per_s(metrics));
    write_report(c.out, c, metrics, results, data.class_names());
  }
  if (!main_rank) return 0;
  auto [mu, sd] = mean_std(results);
  std::printf("accuracy over %zu fold%s: %.2f%% ± %.2f%%  (%s, %s)\n", results.size(), results.size() == 1 ? "" : "s", 100 * mu, 100 * sd,
              c.model.c_str(), fmt_time(seconds_since(t0)).c_str());
  std::printf("wrote %s/summary.json and %s/report.html\n", c.out.c_str(), c.out.c_str());
  return mu;
}

}  // namespace ag::app
