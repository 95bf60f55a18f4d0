// fold_trainer.cpp: one fold of `audiograd train`, as a FoldTrainer whose steps train_fold calls in
// order: set up (data, model, pipelines, loader, optimiser, schedule), resume, the epochs (train,
// evaluate when due, log, checkpoint), finish (final model and result.json).
//
// Data-parallel (mpirun -np R, distributed.hpp): every rank builds the same model (rank 0's weights
// are broadcast), loads its slice of each global batch, scales its loss by its share of the batch,
// and the gradients are summed over the ranks before clipping and the optimiser step, so every rank
// takes the same step. Rank 0 alone writes and logs.
#include "apps/audiograd/fold_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "apps/audiograd/checkpoints.hpp"
#include "apps/audiograd/data.hpp"
#include "apps/audiograd/distributed.hpp"
#include "apps/audiograd/evaluate.hpp"
#include "apps/audiograd/optim_setup.hpp"
#include "apps/audiograd/progress.hpp"
#include "apps/audiograd/run_files.hpp"
#include "nn/nn.hpp"

namespace ag::app {

namespace fs = std::filesystem;

namespace {

// The random streams of a fold. Each gets its seed from mix_seed(run seed, stream, index), with
// index = the fold, or fold * 100000 + epoch for the per-epoch streams. Saved runs and the resume
// test depend on these exact values: keep the formula and the numbers.
enum Stream : uint64_t { kInit = 1, kNewHead = 2, kDataOrder = 3, kDropout = 4, kCrop = 5, kRank = 6 };

uint64_t mix_seed(uint64_t seed, uint64_t stream, uint64_t index) {
  Generator g(seed ^ (stream * 0x9e3779b97f4a7c15ULL) ^ (index * 0xc2b2ae3d27d4eb4fULL));
  return g.next_u64();
}

// A per-rank stream (dropout, crops): rank 0 keeps the one-process seed, rank r > 0 mixes in r.
uint64_t rank_seed(uint64_t seed) {
  const int r = world().rank();
  return r == 0 ? seed : mix_seed(seed, kRank, static_cast<uint64_t>(r));
}

uint64_t epoch_index(int fold, int epoch) { return static_cast<uint64_t>(fold) * 100000 + static_cast<uint64_t>(epoch); }

// The validation fold of --patience for test fold `test`: --val-fold, or (auto) the next training
// fold after the test fold, cyclically. 0 without --patience.
int validation_fold(const TrainConfig& c, const audio::AudioDataset& data, int test) {
  if (c.patience <= 0) return 0;
  std::vector<int> folds;
  for (int f : dataset_folds(data))
    if (f != test) folds.push_back(f);
  if (folds.size() < 2)
    fail<ValueError>("--patience needs a validation fold carved from the training folds, but the training data has ",
                     folds.size(), " fold", folds.size() == 1 ? "" : "s");
  if (c.val_fold == "auto") {
    for (int f : folds)
      if (f > test) return f;
    return folds.front();
  }
  int v = 0;
  try {
    v = std::stoi(c.val_fold);
  } catch (const std::exception&) {
    fail<ValueError>("--val-fold must be a fold number or auto, got '", c.val_fold, "'");
  }
  if (v == test) fail<ValueError>("--val-fold ", v, " is the test fold: validation must come from the training folds");
  if (std::find(folds.begin(), folds.end(), v) == folds.end())
    fail<ValueError>("--val-fold ", v, " is not one of the training folds");
  return v;
}

// At most `limit` clips (0 = all): every k-th clip, so a small subset still spans the classes.
audio::AudioDataset limited(const audio::AudioDataset& d, int64_t limit) {
  if (limit <= 0 || limit >= d.size()) return d;
  int64_t step = d.size() / limit, i = 0;
  return d.filter([&](const audio::AudioItem&) { return (i++ % step == 0) && (i - 1) / step < limit; });
}

// Running training loss and accuracy of an epoch.
struct EpochTally {
  double loss_sum = 0;
  int64_t seen = 0, correct = 0;

  // loss: the batch mean; logits (B, N); labels (B,) int64.
  void add(double loss, const Tensor& logits, const Tensor& labels) {
    int64_t b = labels.size(0);
    loss_sum += loss * static_cast<double>(b);
    std::vector<int64_t> pred = argmax(logits, 1).to_vector<int64_t>(), truth = labels.to_vector<int64_t>();
    for (int64_t i = 0; i < b; ++i) correct += pred[i] == truth[i];
    seen += b;
  }
  // Over every rank (at the end of an epoch).
  void sum_over_ranks() {
    double v[3] = {loss_sum, static_cast<double>(seen), static_cast<double>(correct)};
    world().allreduce_sum(v, 3);
    loss_sum = v[0];
    seen = static_cast<int64_t>(v[1]);
    correct = static_cast<int64_t>(v[2]);
  }
  double loss() const { return loss_sum / std::max<double>(1, static_cast<double>(seen)); }
  double accuracy() const { return static_cast<double>(correct) / std::max<double>(1, static_cast<double>(seen)); }
};

class FoldTrainer {
 public:
  explicit FoldTrainer(FoldRun& run);
  int resume();  // the first epoch to train
  void begin();  // logs what the fold trains and starts its clock
  void run_epoch(int epoch);
  FoldResult finish();

 private:
  void build_model();
  void build_loader();
  void build_optimiser();
  EpochMetrics train_epoch(int epoch);
  Variable train_step(const audio::Batch& batch, Generator& crop_gen, int epoch, int64_t step, double* loss);
  void log_epoch(const EpochMetrics& m) const;
  void track_best(EpochMetrics& m);
  nn::Metadata metadata() const { return model_metadata(c_, *model_, classes_, options_.base_channels); }
  void load_ema(int epoch);
  void broadcast_ema();

  FoldRun& run_;
  const TrainConfig& c_;
  const std::vector<std::string>& classes_;
  const std::string dir_, last_;  // fold<k>/, fold<k>/last.safetensors
  const int val_fold_;            // --patience's validation fold (0: none)
  const std::string best_;        // fold<k>/best.safetensors: the best-on-validation weights
  const std::string ema_file_;    // fold<k>/last.ema.safetensors: --ema's average after the latest epoch
  audio::AudioDataset train_, val_, test_;
  models::ModelOptions options_;
  std::shared_ptr<models::AudioModel> model_;
  audio::PipelineOptions pipe_;  // the test fold's: no augmentation
  std::unique_ptr<audio::BatchLoader> loader_;
  std::unique_ptr<nn::Optimizer> opt_;
  std::unique_ptr<nn::LRScheduler> sched_;
  std::unique_ptr<nn::ExponentialMovingAverage> ema_;  // --ema: evaluated and saved instead of the live weights
  int64_t steps_per_epoch_ = 0;  // optimiser steps (batches / --accumulate, rounded up)
  int64_t crop_frames_ = 0;      // training crop in frames; 0 = whole clips
  double lr_ = 0;                // the head's learning rate at the latest optimiser step
  Clock::time_point t0_;
  EvalResult last_eval_;
  bool evaluated_last_ = false;  // whether last_eval_ is of the latest epoch
  // --patience: the best validation result so far, its epoch, and epochs since it.
  double best_acc_ = -1, best_loss_ = 0;
  int best_epoch_ = 0, wait_ = 0, trained_ = 0;

 public:
  bool stopped() const { return c_.patience > 0 && wait_ >= c_.patience; }
};

FoldTrainer::FoldTrainer(FoldRun& run)
    : run_(run),
      c_(run.c),
      classes_(run.data.class_names()),
      dir_((fs::path(run.c.out) / ("fold" + std::to_string(run.fold))).string()),
      last_((fs::path(dir_) / "last.safetensors").string()),
      val_fold_(validation_fold(run.c, run.data, run.fold)),
      best_((fs::path(dir_) / "best.safetensors").string()),
      ema_file_((fs::path(dir_) / "last.ema.safetensors").string()),
      train_(limited(run.data.without_folds({run.fold, val_fold_}), run.c.limit)),
      val_(limited(run.data.with_folds({val_fold_}), run.c.limit)),
      test_(limited(run.data.with_folds({run.fold}), run.c.limit)) {
  if (is_main_rank()) fs::create_directories(dir_);
  build_model();
  build_loader();
  build_optimiser();
}

// Fresh, or from --pretrained with a new head when the classes differ; then --transfer freezes.
void FoldTrainer::build_model() {
  options_.num_classes = static_cast<int64_t>(classes_.size());
  options_.seed = mix_seed(c_.seed, kInit, run_.fold);
  options_.activation = c_.activation;
  options_.blocks = c_.blocks;
  options_.res_block = c_.res_block;
  options_.frontend = c_.frontend;
  bool new_head = c_.pretrained.empty();
  model_ = c_.pretrained.empty() ? models::build_model(c_.model, options_)
                                 : load_pretrained(c_, options_, mix_seed(c_.seed, kNewHead, run_.fold), &new_head);
  // --head-init concerns a new head only: a pretrained head that is kept keeps its weights.
  if (c_.head_init == "zero" && new_head) models::zero_head(*model_);
  apply_transfer(c_.transfer, *model_);
  // Every rank starts from rank 0's weights, as in DDP (equal already, since every rank seeds
  // alike, but a --pretrained file could differ between machines), and --sync-bn normalises
  // over the global batch.
  nn::broadcast_module(*model_, world());
  if (c_.sync_bn) nn::sync_batchnorm(*model_, world_ptr());
}

// The test pipeline, and the training loader with augmentation and mixup.
void FoldTrainer::build_loader() {
  pipe_ = pipeline_for(*model_, c_.clip_seconds);
  if (c_.cache != "none" && !c_.cache.empty()) pipe_.cache_dir = c_.cache;
  audio::PipelineOptions train_pipe = pipe_;
  train_pipe.augment = c_.augment;
  train_pipe.logmel_mixup_alpha = c_.mixup;
  train_pipe.waveform_mixup_alpha = c_.wave_mixup;
  audio::LoaderOptions lo;
  lo.batch_size = c_.batch_size;
  lo.balanced = c_.balanced;
  lo.seed = mix_seed(c_.seed, kDataOrder, run_.fold);
  lo.num_workers = c_.workers;
  lo.drop_last = train_.size() > c_.batch_size;
  lo.rank = world().rank();
  lo.world = world().size();
  loader_ = std::make_unique<audio::BatchLoader>(train_, train_pipe, lo);
}

void FoldTrainer::build_optimiser() {
  steps_per_epoch_ = (loader_->batches_per_epoch() + c_.accumulate - 1) / c_.accumulate;
  opt_ = make_optimizer(c_, *model_);
  sched_ = make_schedule(c_, *opt_, steps_per_epoch_);
  if (c_.ema > 0) ema_ = std::make_unique<nn::ExponentialMovingAverage>(*model_, c_.ema);
  // A crop of --crop-seconds, in frames, rounded down to a multiple the model accepts.
  const int64_t m = model_->time_multiple();
  if (c_.crop_seconds > 0)
    crop_frames_ = std::max<int64_t>(
        m, static_cast<int64_t>(c_.crop_seconds * pipe_.frontend.sample_rate / pipe_.frontend.hop_length) / m * m);
}

// From the last finished epoch of this fold, if --resume and there is one: weights, optimiser
// state, and the schedule stepped to where it was.
// Distributed: rank 0 reads the checkpoint and sends weights and optimiser state to the others (no
// shared file system needed).
int FoldTrainer::resume() {
  int start = 1;
  // --patience's state: best accuracy, its loss, its epoch, epochs since.
  double best[4] = {best_acc_, best_loss_, static_cast<double>(best_epoch_), static_cast<double>(wait_)};
  if (is_main_rank() && c_.resume && fs::exists(last_)) {
    nn::CheckpointInfo info = nn::load_checkpoint(last_, *model_, opt_.get(), /*strict=*/true);
    start = std::stoi(metadata_value(info.metadata, "train.epoch", last_)) + 1;
    if (ema_) load_ema(start - 1);
    if (c_.patience > 0) {
      best[0] = std::stod(metadata_value(info.metadata, "train.best_val_acc", last_));
      best[1] = std::stod(metadata_value(info.metadata, "train.best_val_loss", last_));
      best[2] = std::stoi(metadata_value(info.metadata, "train.best_epoch", last_));
      best[3] = std::stoi(metadata_value(info.metadata, "train.wait", last_));
    }
  }
  world().broadcast(&start, sizeof start, 0);
  world().broadcast(best, sizeof best, 0);
  best_acc_ = best[0], best_loss_ = best[1], best_epoch_ = static_cast<int>(best[2]), wait_ = static_cast<int>(best[3]);
  trained_ = start - 1;
  if (start == 1) return 1;
  if (world().size() > 1) {
    nn::broadcast_module(*model_, world());
    broadcast_ema();
    std::string state = is_main_rank() ? nn::to_safetensors_bytes(opt_->state_dict()) : std::string();
    nn::broadcast_string(state, world());
    if (!is_main_rank()) opt_->load_state_dict(nn::from_safetensors_bytes(state, "rank 0's optimiser state").tensors);
  }
  for (int64_t s = 0; s < (start - 1) * steps_per_epoch_; ++s) sched_->step();
  if (is_main_rank()) std::fprintf(stderr, "fold %d: resuming after epoch %d\n", run_.fold, start - 1);
  return start;
}

// --resume with --ema: the average saved with the epoch the run resumes after.
void FoldTrainer::load_ema(int epoch) {
  if (!fs::exists(ema_file_))
    fail<IoError>(ema_file_, ": missing; the run was saved without --ema, or the file was removed (cannot resume with --ema ",
                  c_.ema, ")");
  nn::SafeTensors st = nn::load_safetensors(ema_file_);
  const std::string saved_epoch = metadata_value(st.metadata, "train.epoch", ema_file_);
  if (saved_epoch != std::to_string(epoch))
    fail<IoError>(ema_file_, ": holds the average of epoch ", saved_epoch, ", but ", last_, " is of epoch ", epoch,
                  " (the run stopped between the two saves of an epoch); start the fold again with --overwrite");
  ema_->load_state_dict(st.tensors, std::stoll(metadata_value(st.metadata, "ema.updates", ema_file_)));
}

// Rank 0's average on every rank.
void FoldTrainer::broadcast_ema() {
  if (!ema_ || world().size() == 1) return;
  for (const auto& kv : ema_->state_dict().items()) {
    Tensor t = kv.second;
    nn::broadcast_tensor(t, world());
  }
}

void FoldTrainer::begin() {
  t0_ = Clock::now();
  if (!is_main_rank()) return;
  if (val_fold_ > 0)
    std::fprintf(stderr, "fold %d: early stopping after %d epochs without a better accuracy on validation fold %d (%ld clips, not trained on)\n",
                 run_.fold, c_.patience, val_fold_, static_cast<long>(val_.size()));
  if (world().size() > 1) {
    // What each optimiser step sums over the ranks: every trainable gradient, in buckets.
    double bytes = 0;
    for (const Variable& p : model_->parameters())
      if (p.requires_grad()) bytes += static_cast<double>(p.numel()) * static_cast<double>(dtype_size(p.dtype()));
    std::fprintf(stderr, "fold %d: data-parallel over %s: %ld clips per rank and step%s; %.1f MB of gradients summed per step in %.0f buckets\n",
                 run_.fold, world().name().c_str(), static_cast<long>(c_.batch_size / world().size()),
                 c_.sync_bn ? ", synchronised batch norm" : "", bytes / 1e6, std::ceil(bytes / (c_.bucket_mb * (1 << 20))));
  }
  // Trainable count exactly: with --transfer freeze-base it is a head of a few thousand, which
  // "0.00 M" would hide.
  std::fprintf(stderr, "fold %d: %s, train %ld clips (folds != %d), test %ld clips; %s, %.2f M parameters (%ld trainable)\n",
               run_.fold, c_.model.c_str(), static_cast<long>(train_.size()), run_.fold, static_cast<long>(test_.size()),
               opt_->name().c_str(), static_cast<double>(model_->num_parameters()) / 1e6,
               static_cast<long>(model_->num_parameters(true)));
}

// One batch: forward, loss, backward (scaled by 1/--accumulate), and every --accumulate batches
// (or at the end of the epoch) an optimiser and schedule step. `step` counts from 1. Returns the
// logits (B, N); *loss is the batch's mean loss.
Variable FoldTrainer::train_step(const audio::Batch& batch, Generator& crop_gen, int epoch, int64_t step, double* loss) {
  Tensor x = model_input(batch, *model_);
  if (crop_frames_ > 0 && model_->input_kind() == models::InputKind::LogMel) x = random_crop_frames(x, crop_frames_, crop_gen);
  Variable logits = model_->forward(Variable(x));
  const bool mixed = !batch.lambdas.empty();
  Variable l = mixed ? cross_entropy(logits, batch.targets, c_.label_smoothing) : cross_entropy(logits, batch.labels, c_.label_smoothing);
  *loss = l.item<double>();
  // Distributed: this rank's share of the global batch's mean loss, so that the gradients summed
  // over the ranks are those of the global batch (one rank: the factor is 1 and is not applied).
  double scale = 1.0 / c_.accumulate;
  if (world().size() > 1) scale *= static_cast<double>(batch.labels.size(0)) / static_cast<double>(batch.global_size);
  if (!std::isfinite(*loss))
    fail<Error>("training diverged: the loss is ", *loss, " at fold ", run_.fold, ", epoch ", epoch, ", step ", step,
                " (try a lower --lr, --clip-grad-norm 5, or check the data); the last good checkpoint is ", last_);
  (scale != 1.0 ? mul(l, scale) : l).backward();
  if (step % c_.accumulate == 0 || step == loader_->batches_per_epoch()) {
    nn::GradientBuckets buckets;
    buckets.bucket_bytes = static_cast<int64_t>(c_.bucket_mb * (1 << 20));
    nn::allreduce_gradients(model_->parameters(), world(), buckets);
    if (c_.clip_grad_norm > 0) nn::clip_grad_norm_(model_->parameters(), c_.clip_grad_norm);
    lr_ = opt_->param_groups().back().lr;
    opt_->step();
    if (ema_) ema_->update(*model_);
    opt_->zero_grad();
    sched_->step();
  }
  return logits;
}

// The training half of an epoch: its metrics without the test columns and the time.
EpochMetrics FoldTrainer::train_epoch(int epoch) {
  auto t0 = Clock::now();
  model_->train();
  model_->reseed(rank_seed(mix_seed(c_.seed, kDropout, epoch_index(run_.fold, epoch))));
  Generator crop_gen(rank_seed(mix_seed(c_.seed, kCrop, epoch_index(run_.fold, epoch))));
  loader_->start_epoch(epoch, audio::augment_strength(epoch, c_.augment_from, c_.augment_ramp));
  Progress bar("fold " + std::to_string(run_.fold) + " epoch " + std::to_string(epoch) + "/" + std::to_string(c_.epochs),
               loader_->batches_per_epoch(), is_main_rank());
  audio::Batch batch;
  EpochTally tally;
  int64_t step = 0;
  lr_ = opt_->param_groups().back().lr;
  opt_->zero_grad();
  while (loader_->next(batch)) {
    double loss = 0;
    Variable logits = train_step(batch, crop_gen, epoch, ++step, &loss);
    tally.add(loss, logits.data(), batch.labels);
    const double el = seconds_since(t0);
    bar.update(step, tally.loss(), tally.accuracy(), static_cast<double>(tally.seen * world().size()) / el, el);
  }
  bar.finish();
  if (world().size() > 1) {
    tally.sum_over_ranks();
    // Batch norm's running statistics are rank 0's on every rank (DDP's broadcast_buffers), and
    // so is the average of the weights, which folds them in.
    nn::broadcast_buffers(*model_, world());
    broadcast_ema();
  }
  EpochMetrics m;
  m.fold = run_.fold;
  m.epoch = epoch;
  m.lr = lr_;
  m.train_loss = tally.loss();
  m.train_acc = tally.accuracy();
  m.clips_per_s = static_cast<double>(tally.seen) / seconds_since(t0);
  return m;
}

void FoldTrainer::log_epoch(const EpochMetrics& m) const {
  std::string test = m.test_acc >= 0 ? "  test loss " + std::to_string(m.test_loss).substr(0, 6) + " acc " +
                                           std::to_string(100 * m.test_acc).substr(0, 5) + "%"
                                     : "";
  if (m.val_acc >= 0)
    test += "  val loss " + std::to_string(m.val_loss).substr(0, 6) + " acc " + std::to_string(100 * m.val_acc).substr(0, 5) + "%" +
            (m.epoch == best_epoch_ ? " (best)" : "");
  std::fprintf(stderr, "fold %d epoch %d/%d: train loss %.4f acc %.1f%%%s  lr %.2e  %.1f clips/s  %s\n", run_.fold, m.epoch, c_.epochs,
               m.train_loss, 100 * m.train_acc, test.c_str(), m.lr, m.clips_per_s, fmt_time(m.seconds).c_str());
}

// Train, evaluate when due, log, and checkpoint: after this an interruption loses nothing.
void FoldTrainer::run_epoch(int epoch) {
  auto t0 = Clock::now();
  EpochMetrics m = train_epoch(epoch);
  evaluated_last_ = epoch == c_.epochs || (c_.eval_every > 0 && epoch % c_.eval_every == 0);
  if (evaluated_last_) {
    nn::AveragedWeights averaged(ema_.get(), *model_);
    last_eval_ = evaluate(*model_, test_, pipe_, c_.batch_size, c_.workers, &world());
    m.test_loss = last_eval_.loss;
    m.test_acc = last_eval_.accuracy;
  }
  trained_ = epoch;
  if (val_fold_ > 0) track_best(m);
  m.seconds = seconds_since(t0);
  run_.metrics.push_back(m);
  if (!is_main_rank()) return;
  log_epoch(m);
  write_metrics(run_.metrics_path, run_.metrics);
  nn::Metadata md = metadata();
  md["train.epoch"] = std::to_string(epoch);
  md["train.fold"] = std::to_string(run_.fold);
  if (val_fold_ > 0) {
    md["train.best_val_acc"] = std::to_string(best_acc_);
    md["train.best_val_loss"] = std::to_string(best_loss_);
    md["train.best_epoch"] = std::to_string(best_epoch_);
    md["train.wait"] = std::to_string(wait_);
  }
  // The average first: last_ marks the epoch finished, and a resume checks that the two agree.
  if (ema_)
    nn::save_safetensors(ema_file_, ema_->state_dict(),
                         {{"ema.decay", std::to_string(c_.ema)},
                          {"ema.updates", std::to_string(ema_->num_updates())},
                          {"train.epoch", std::to_string(epoch)}});
  nn::save_checkpoint(last_, *model_, opt_.get(), md);
}

// --patience: evaluates the validation fold; a better accuracy (or the same with a lower loss)
// saves fold<k>/best.safetensors and resets the count of epochs without improvement.
void FoldTrainer::track_best(EpochMetrics& m) {
  nn::AveragedWeights averaged(ema_.get(), *model_);  // with --ema, validated and saved as the average
  const EvalResult v = evaluate(*model_, val_, pipe_, c_.batch_size, c_.workers, &world());
  m.val_loss = v.loss;
  m.val_acc = v.accuracy;
  if (v.accuracy > best_acc_ || (v.accuracy == best_acc_ && v.loss < best_loss_)) {
    best_acc_ = v.accuracy;
    best_loss_ = v.loss;
    best_epoch_ = m.epoch;
    wait_ = 0;
    if (is_main_rank()) {
      nn::Metadata md = metadata();
      md["train.best_epoch"] = std::to_string(m.epoch);
      nn::save_checkpoint(best_, *model_, nullptr, md);
    }
  } else {
    ++wait_;
  }
}

// The final model and result.json (written last: it marks the fold finished).
// With --patience the tested weights are the best on validation: rank 0 reads them back and every
// rank takes them.
FoldResult FoldTrainer::finish() {
  // With --ema the average is tested and saved; best.safetensors already holds an average.
  nn::AveragedWeights averaged(val_fold_ > 0 ? nullptr : ema_.get(), *model_);
  if (val_fold_ > 0) {
    if (is_main_rank()) nn::load_checkpoint(best_, *model_, nullptr, /*strict=*/true);
    nn::broadcast_module(*model_, world());
    evaluated_last_ = false;
    if (is_main_rank())
      std::fprintf(stderr, "fold %d: %s after epoch %d; testing the weights of epoch %d (validation accuracy %.2f%%)\n", run_.fold,
                   stopped() ? "stopped early" : "finished", trained_, best_epoch_, 100 * best_acc_);
  }
  if (!evaluated_last_) last_eval_ = evaluate(*model_, test_, pipe_, c_.batch_size, c_.workers, &world());  // resumed past the end
  if (is_main_rank()) nn::save_checkpoint((fs::path(dir_) / "model.safetensors").string(), *model_, nullptr, metadata());
  FoldResult r;
  r.fold = run_.fold;
  r.accuracy = last_eval_.accuracy;
  r.loss = last_eval_.loss;
  r.epochs = trained_;
  r.best_epoch = best_epoch_;
  r.seconds = seconds_since(t0_);
  r.confusion = last_eval_.confusion;
  if (is_main_rank()) write_fold_result(dir_, r, classes_);
  return r;
}

}  // namespace

FoldResult train_fold(FoldRun& run) {
  FoldTrainer fold(run);
  const int start = fold.resume();
  fold.begin();
  for (int epoch = start; epoch <= run.c.epochs && !fold.stopped(); ++epoch) fold.run_epoch(epoch);
  return fold.finish();
}

}  // namespace ag::app
