// audiograd: train, evaluate and run audio classifiers (ERANN, CNN14, ...) built on the library.
//
//   audiograd train    [options]      k-fold training on ESC-50, ESC-10, UrbanSound8K, RAVDESS or a folder
//   audiograd eval     --checkpoint   accuracy, per-class accuracy, confusion matrix
//   audiograd predict  FILE...        top-k classes of audio files
//   audiograd features FILE...        log-mel .npy files
//   audiograd embed    --checkpoint   penultimate-layer embeddings of a dataset
//   audiograd probe    --embeddings   linear / MLP classifiers on embeddings, k-fold
//   audiograd summary  --model        per-layer shapes, parameters, multiply-adds
//   audiograd tag      FILE | -       scores over time and sound events, any length, or live PCM
//
// `mpirun -np N audiograd train ...` trains one model on N processes (docs/15_distributed.md).
//
// Settings can come from a file: `audiograd --config run.ini train` (a run's config.ini is one).
// Errors print one line, "audiograd: error: ...", and exit with status 1 (2 for bad usage).
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/audiograd/commands.hpp"
#include "apps/audiograd/config.hpp"
#include "apps/audiograd/distributed.hpp"
#include "apps/audiograd/tag.hpp"
#include "apps/audiograd/text.hpp"
#include "apps/audiograd/trainer.hpp"
#include "apps/models/model.hpp"
#include "tensor/io.hpp"

using namespace ag;
using namespace ag::app;

namespace {

// "erann-<s_m>-<W> | cnn14 | ...": the registry's names (apps/models/model.hpp).
std::string model_list() {
  std::vector<std::string> names;
  for (const auto& [name, description] : models::model_names()) names.push_back(name);
  return join(names, " | ");
}

void add_train_options(CLI::App* t, TrainConfig& c) {
  t->add_option("--dataset", c.dataset, "esc50 | esc10 | esc40 | us8k | ravdess | folder")->capture_default_str();
  t->add_option("--data", c.data, "dataset root (esc50/esc10: default $ESC50_DIR, ./data/ESC-50, ../shared/data/esc50)");
  t->add_option("--folds", c.folds, "test fold(s): 1 | 2,4 | all (k-fold cross-validation)")->capture_default_str();
  t->add_option("--exclude-folds", c.exclude_folds,
                "folds left out of both training and testing, e.g. 1 with --folds 2 to tune on a validation fold")
      ->capture_default_str();
  t->add_option("--clip-seconds", c.clip_seconds, "clips are cut / zero-padded to this length")->capture_default_str();
  t->add_flag("--skip-bad", c.skip_bad, "skip (and report) unreadable files instead of stopping");
  t->add_option("--cache", c.cache, "feature cache directory, or none")->capture_default_str();
  t->add_option("--workers", c.workers, "background threads preparing batches")->capture_default_str();
  t->add_option("--model", c.model, model_list())->capture_default_str();
  t->add_option("--activation", c.activation, "resnet-small's activation (relu, lrelu, gelu, silu, mish, ...)")->capture_default_str();
  t->add_option("--blocks", c.blocks, "--model blocks: its layers, e.g. 'res 32 32' 'max_pool 2 2' 'pooling mode=avg flat=true' 'fc 128'");
  t->add_option("--res-block", c.res_block, "--model blocks: what its res blocks share")->capture_default_str();
  t->add_option("--frontend", c.frontend, "--model blocks: its front end, erann | panns | survey")->capture_default_str();
  t->add_option("--epochs", c.epochs, "epochs per fold")->capture_default_str();
  t->add_option("--batch-size", c.batch_size, "clips per batch")->capture_default_str();
  t->add_option("--optimizer", c.optimizer, "adam | adamw | sgd")->capture_default_str();
  t->add_option("--lr", c.lr, "learning rate (the head's, with --backbone-lr)")->capture_default_str();
  t->add_option("--weight-decay", c.weight_decay, "L2 (adam, sgd) or decoupled (adamw) weight decay")->capture_default_str();
  t->add_option("--momentum", c.momentum, "sgd momentum")->capture_default_str();
  t->add_flag("--amsgrad", c.amsgrad, "AMSGrad variant of adam / adamw");
  t->add_option("--schedule", c.schedule, "constant | step | cosine (with warm-up) | onecycle")->capture_default_str();
  t->add_option("--warmup-epochs", c.warmup_epochs, "cosine: linear warm-up length")->capture_default_str();
  t->add_option("--step-epochs", c.step_epochs, "step: decay every N epochs")->capture_default_str();
  t->add_option("--step-gamma", c.step_gamma, "step: decay factor")->capture_default_str();
  t->add_option("--clip-grad-norm", c.clip_grad_norm, "clip the gradient norm (0 = off)")->capture_default_str();
  t->add_option("--accumulate", c.accumulate, "gradient accumulation steps")->capture_default_str();
  t->add_option("--label-smoothing", c.label_smoothing, "label smoothing epsilon")->capture_default_str();
  t->add_option("--head-init", c.head_init, "a new head: zero (logits start at 0: the first loss is ln N) | panns (Xavier, as published)")
      ->capture_default_str();
  t->add_flag("--balanced", c.balanced, "class-balanced sampling");
  t->add_option("--augment", c.augment, "augmentations by name, e.g. 'gain(p=0.5) time_mask(num=2,max_width=64) freq_mask'")
      ->capture_default_str();
  t->add_option("--mixup", c.mixup, "log-mel mixup alpha (0 = off)")->capture_default_str();
  t->add_option("--wave-mixup", c.wave_mixup, "waveform mixup alpha, before features (0 = off)")->capture_default_str();
  t->add_option("--augment-from", c.augment_from, "epoch at which --augment and mixup start")->capture_default_str();
  t->add_option("--augment-ramp", c.augment_ramp, "epochs over which their probability rises linearly to full (0 = at once)")
      ->capture_default_str();
  t->add_option("--ema", c.ema, "decay of an average of the weights (e.g. 0.999), evaluated and saved instead (0 = off)")
      ->capture_default_str();
  t->add_option("--crop-seconds", c.crop_seconds, "random temporal crop in training (0 = whole clip)")->capture_default_str();
  t->add_option("--pretrained", c.pretrained, "start from this checkpoint (a new head if the classes differ)");
  t->add_option("--transfer", c.transfer, "finetune | freeze-base | freeze-first:<k>")->capture_default_str();
  t->add_option("--backbone-lr", c.backbone_lr, "learning rate of everything but the head (0 = --lr)")->capture_default_str();
  t->add_option("--seed", c.seed, "seed of initialisation, order and augmentation")->capture_default_str();
  t->add_option("--threads", c.threads, "compute threads (OpenMP and OpenBLAS)")->capture_default_str();
  t->add_option("--out", c.out, "run directory")->capture_default_str();
  t->add_flag("--resume", c.resume, "continue the run in --out from its last finished epoch, with its saved settings");
  t->add_flag("--overwrite", c.overwrite, "replace an existing run in --out");
  t->add_option("--eval-every", c.eval_every, "evaluate the test fold every N epochs (curves only; the last epoch is reported)")
      ->capture_default_str();
  t->add_option("--limit", c.limit, "use at most N clips of each split (quick checks)")->capture_default_str();
  t->add_option("--patience", c.patience,
                "stop after N epochs without a better validation accuracy and test the best weights (0 = off)")
      ->capture_default_str();
  t->add_option("--val-fold", c.val_fold, "with --patience: the training fold held out for validation, or auto (the next)")
      ->capture_default_str();
  t->add_flag("--sync-bn", c.sync_bn, "under mpirun: batch norm statistics over the global batch (default: per rank, as DDP)");
  t->add_option("--bucket-mb", c.bucket_mb, "under mpirun: gradients are summed in buckets of at most this many MiB")
      ->capture_default_str();
}

// --resume continues with the run's own settings: its config.ini is read again; only --threads and
// --workers may change (a different thread count can change the last digits). *text is the file's
// text, which the run keeps as its config.ini.
// Under mpirun, rank 0 reads the file and the other ranks parse a private copy of its text (no
// shared file system needed).
TrainConfig saved_config(const TrainConfig& tc, std::string* text) {
  std::string saved = (std::filesystem::path(tc.out) / "config.ini").string();
  if (is_main_rank() && !std::filesystem::exists(saved))
    throw IoError("--resume: no run to resume in '" + tc.out + "' (" + saved + " is missing)");
  std::string copy;
  if (is_main_rank()) *text = read_file(saved);
  nn::broadcast_string(*text, world());
  if (!is_main_rank()) {
    copy = (std::filesystem::temp_directory_path() / ("audiograd-config-" + std::to_string(getpid()) + ".ini")).string();
    write_file_atomic(copy, *text);
    saved = copy;
  }
  struct Remove {
    std::string path;
    ~Remove() {
      if (!path.empty()) std::filesystem::remove(path);
    }
  } remove_copy{copy};
  TrainConfig fresh;
  CLI::App again;
  again.set_config("--config");
  CLI::App* t2 = again.add_subcommand("train");
  add_train_options(t2, fresh);
  std::vector<std::string> args = {"--config", saved, "train", "--resume", "--out", tc.out,
                                   "--threads", std::to_string(tc.threads), "--workers", std::to_string(tc.workers)};
  std::reverse(args.begin(), args.end());  // CLI11's parse(vector) takes the arguments last first
  try {
    again.parse(args);
  } catch (const CLI::ParseError& e) {
    throw IoError(saved + ": cannot read the saved configuration (" + e.what() + ")");
  }
  return fresh;
}

CLI::App* add_eval(CLI::App& app, EvalOptions& eo) {
  CLI::App* ev = app.add_subcommand("eval", "accuracy, per-class accuracy and confusion matrix of a checkpoint (mAP and per-class AP on multi-label clips)");
  ev->add_option("--checkpoint", eo.checkpoint, "model checkpoint (fold<k>/model.safetensors)")->required();
  ev->add_option("--dataset", eo.dataset,
                 "dataset: esc50, esc10, esc40, us8k, ravdess, folder, or tags (multi-label clips: mAP)")->capture_default_str();
  ev->add_option("--data", eo.data, "dataset root (--dataset tags: the CSV, columns filename and labels, labels separated by ';')");
  ev->add_option("--folds", eo.folds, "folds to evaluate on (1 | 2,4 | all)")->capture_default_str();
  ev->add_option("--clip-seconds", eo.clip_seconds, "clip length (default: the checkpoint's training length, else 5)");
  ev->add_option("--batch-size", eo.batch_size, "batch size")->capture_default_str();
  ev->add_option("--threads", eo.threads, "threads")->capture_default_str();
  ev->add_flag("--json", eo.json, "print JSON");
  return ev;
}

CLI::App* add_predict(CLI::App& app, PredictOptions& po) {
  CLI::App* pr = app.add_subcommand("predict", "top-k classes of audio files");
  pr->add_option("files", po.files, "audio files (WAV, FLAC, OGG, ...)")->required();
  pr->add_option("--checkpoint", po.checkpoint, "model checkpoint")->required();
  pr->add_option("--top-k", po.top_k, "classes to show")->capture_default_str();
  pr->add_option("--threshold", po.threshold,
                 "show only classes scoring at least this: a tagger's (AudioSet) per-class sigmoid, a classifier's probability")
      ->capture_default_str();
  pr->add_flag("--json", po.json, "print JSON");
  pr->add_option("--logits", po.logits_npy, "also save the logits (files, classes) to this .npy");
  pr->add_option("--clip-seconds", po.clip_seconds, "clip length")->capture_default_str();
  pr->add_option("--threads", po.threads, "threads")->capture_default_str();
  return pr;
}

CLI::App* add_features(CLI::App& app, FeaturesOptions& fo) {
  CLI::App* fe = app.add_subcommand("features", "log-mel features of files or a dataset, as .npy");
  fe->add_option("files", fo.files, "audio files");
  fe->add_option("--frontend", fo.frontend, "erann | panns")->capture_default_str();
  fe->add_option("--dataset", fo.dataset, "a whole dataset instead of files");
  fe->add_option("--data", fo.data, "dataset root");
  fe->add_option("--out", fo.out, "output directory")->capture_default_str();
  fe->add_option("--clip-seconds", fo.clip_seconds, "clip length (0 = natural length)")->capture_default_str();
  return fe;
}

CLI::App* add_embed(CLI::App& app, EmbedOptions& mo) {
  CLI::App* em = app.add_subcommand("embed", "penultimate-layer embeddings of a dataset (.npy, with labels and folds)");
  em->add_option("--checkpoint", mo.checkpoint, "model checkpoint")->required();
  em->add_option("--dataset", mo.dataset, "dataset")->capture_default_str();
  em->add_option("--data", mo.data, "dataset root");
  em->add_option("--out", mo.out, "output directory")->capture_default_str();
  em->add_option("--threads", mo.threads, "threads")->capture_default_str();
  return em;
}

CLI::App* add_probe(CLI::App& app, ProbeOptions& pbo) {
  CLI::App* pb = app.add_subcommand("probe", "k-fold linear or MLP classifier on embeddings from `audiograd embed`");
  pb->add_option("--embeddings", pbo.embeddings, "directory written by audiograd embed")->required();
  pb->add_option("--classifier", pbo.classifier, "linear | mlp")->capture_default_str();
  pb->add_option("--epochs", pbo.epochs, "full-batch epochs")->capture_default_str();
  pb->add_option("--hidden", pbo.hidden, "mlp hidden size")->capture_default_str();
  pb->add_option("--lr", pbo.lr, "learning rate (AdamW)")->capture_default_str();
  pb->add_option("--weight-decay", pbo.weight_decay, "weight decay")->capture_default_str();
  pb->add_option("--folds", pbo.folds, "test folds")->capture_default_str();
  pb->add_option("--seed", pbo.seed, "seed")->capture_default_str();
  pb->add_flag("--json", pbo.json, "print JSON");
  return pb;
}

CLI::App* add_tag(CLI::App& app, TagOptions& to) {
  CLI::App* tg = app.add_subcommand("tag", "scores over time and sound events of a recording of any length, or of live PCM on stdin ('-')");
  tg->add_option("input", to.input, "an audio file, or - for raw PCM on standard input")->required();
  tg->add_option("--checkpoint", to.checkpoint, "model checkpoint (a tagger or a classifier)")->required();
  tg->add_option("--window", to.window, "window length in seconds (default: the model's clip length)");
  tg->add_option("--hop", to.hop, "seconds between window starts (default: half the window)");
  tg->add_option("--top-k", to.top_k, "classes per window on standard output")->capture_default_str();
  tg->add_option("--print", to.print, "standard output: table | csv | json | none")->capture_default_str();
  tg->add_option("--csv", to.csv, "write every class's score per window to this CSV file");
  tg->add_option("--json", to.json, "write windows, summary and events to this JSON file");
  tg->add_option("--frames", to.frames, "frame-wise models (cnn14-sed): write every class's score per 10 ms frame to this CSV file");
  tg->add_option("--html", to.html, "write a picture: the log-mel, with the top classes' scores over time under it (HTML, inline SVG)");
  tg->add_option("--events", to.events, "write the events to this file (CSV, or JSON when it ends in .json)");
  tg->add_option("--on", to.on, "events: start when a score reaches this")->capture_default_str();
  tg->add_option("--off", to.off, "events: end when the score falls below this (default: --on)");
  tg->add_option("--min-duration", to.min_duration, "events: drop those shorter than this (seconds)")->capture_default_str();
  tg->add_option("--median", to.median, "events: median filter over this many steps (odd; 1 = off)")->capture_default_str();
  tg->add_option("--rate", to.rate, "standard input: sample rate in Hz");
  tg->add_option("--channels", to.channels, "standard input: channels, interleaved (default 1)");
  tg->add_option("--format", to.format, "standard input: s16le | f32le (default s16le)");
  tg->add_option("--batch", to.batch, "windows per forward pass (files; standard input uses 1)")->capture_default_str();
  tg->add_option("--threads", to.threads, "OpenMP threads")->capture_default_str();
  return tg;
}

CLI::App* add_summary(CLI::App& app, SummaryOptions& so) {
  CLI::App* su = app.add_subcommand("summary", "per-layer output shapes, parameters and multiply-adds of a model");
  su->add_option("--model", so.model, "model name")->capture_default_str();
  su->add_option("--classes", so.classes, "number of classes")->capture_default_str();
  su->add_option("--seconds", so.seconds, "clip length")->capture_default_str();
  su->add_option("--activation", so.activation, "resnet-small's activation")->capture_default_str();
  su->add_option("--blocks", so.blocks, "--model blocks: its layers");
  su->add_option("--res-block", so.res_block, "--model blocks: what its res blocks share")->capture_default_str();
  su->add_option("--frontend", so.frontend, "--model blocks: its front end")->capture_default_str();
  return su;
}

// One line, whatever the message: the apps never print a multi-line error. Under mpirun the line
// names the rank, and every other rank is stopped (none is left waiting in a collective).
int error_line(const std::string& what) {
  std::string line = what;
  for (char& ch : line)
    if (ch == '\n') ch = ' ';
  nn::Communicator& w = world();
  line = "audiograd: error: " + (w.size() > 1 ? "rank " + std::to_string(w.rank()) + ": " : std::string()) + line + "\n";
  std::fputs(line.c_str(), stderr);  // one write: the lines of two ranks do not interleave
  std::fflush(stderr);
  if (w.size() > 1) w.abort(1);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) would kill the process with SIGXFSZ mid-write; ignored, the write
  // fails with EFBIG instead, and the app says which file could not be written (the previous
  // checkpoint stays intact: every file is written to a temporary and renamed).
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"audiograd: train, evaluate and run audio classifiers on the CPU"};
  app.set_config("--config", "", "read settings from an INI file (e.g. a run's config.ini)");
  app.require_subcommand(1);

  TrainConfig tc;
  CLI::App* train = app.add_subcommand("train", "train (k-fold) on a dataset and write metrics, checkpoints and a report");
  add_train_options(train, tc);
  EvalOptions eo;
  CLI::App* ev = add_eval(app, eo);
  PredictOptions po;
  CLI::App* pr = add_predict(app, po);
  FeaturesOptions fo;
  CLI::App* fe = add_features(app, fo);
  EmbedOptions mo;
  CLI::App* em = add_embed(app, mo);
  ProbeOptions pbo;
  CLI::App* pb = add_probe(app, pbo);
  SummaryOptions so;
  CLI::App* su = add_summary(app, so);
  TagOptions to;
  CLI::App* tg = add_tag(app, to);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (train->parsed()) {
      start_world(&argc, &argv);
      // config.ini: every setting resolved; a resumed run keeps its own (the command line holds
      // only --resume, --out, --threads and --workers).
      std::string resolved;
      if (tc.resume) tc = saved_config(tc, &resolved);
      else resolved = app.config_to_str(true, true);
      return run_training(tc, resolved) >= 0 ? 0 : 1;
    }
    if (ev->parsed()) return run_eval(eo);
    if (pr->parsed()) return run_predict(po);
    if (fe->parsed()) return run_features(fo);
    if (em->parsed()) return run_embed(mo);
    if (pb->parsed()) return run_probe(pbo);
    if (su->parsed()) return run_summary(so);
    if (tg->parsed()) return run_tag(to);
  } catch (const std::exception& e) {
    return error_line(e.what());
  }
  return 0;
}
