// trainer.cpp: the training loop of `audiograd train` (see trainer.hpp for what it writes).
#include "apps/audiograd/trainer.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "apps/audiograd/data.hpp"
#include "apps/audiograd/report.hpp"
#include "nn/nn.hpp"

namespace ag::app {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string fmt_time(double s) {
  char buf[32];
  int sec = static_cast<int>(s + 0.5);
  if (sec >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", sec / 3600, sec / 60 % 60, sec % 60);
  else std::snprintf(buf, sizeof buf, "%d:%02d", sec / 60, sec % 60);
  return buf;
}

// A progress bar on a terminal; on a pipe or file, a plain line every 10 % of the epoch.
class Progress {
 public:
  Progress(std::string label, int64_t total) : label_(std::move(label)), total_(total), tty_(isatty(fileno(stderr))) {}
  void update(int64_t done, double loss, double acc, double clips_per_s, double elapsed) {
    double eta = done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total_ - done) : 0;
    char stats[160];
    std::snprintf(stats, sizeof stats, "loss %.4f  acc %5.1f%%  %6.1f clips/s  ETA %s", loss, 100 * acc, clips_per_s, fmt_time(eta).c_str());
    if (tty_) {
      const int width = 24;
      int filled = static_cast<int>(width * done / std::max<int64_t>(1, total_));
      std::fprintf(stderr, "\r%s [%s%s] %ld/%ld  %s ", label_.c_str(), std::string(filled, '=').c_str(),
                   std::string(width - filled, ' ').c_str(), static_cast<long>(done), static_cast<long>(total_), stats);
      std::fflush(stderr);
    } else if (done * 10 / std::max<int64_t>(1, total_) > last_decile_ || done == total_) {
      last_decile_ = done * 10 / std::max<int64_t>(1, total_);
      std::fprintf(stderr, "%s step %ld/%ld  %s\n", label_.c_str(), static_cast<long>(done), static_cast<long>(total_), stats);
    }
  }
  void finish() {
    if (tty_) std::fprintf(stderr, "\n");
  }

 private:
  std::string label_;
  int64_t total_;
  bool tty_;
  int64_t last_decile_ = 0;
};

uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b) {
  Generator g(seed ^ (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL));
  return g.next_u64();
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

nn::Metadata model_metadata(const TrainConfig& c, const models::AudioModel& model, const std::vector<std::string>& classes,
                            int64_t base_channels) {
  nn::Metadata m{{"format", "audiograd"},
          {"audiograd.model", c.model},
          {"audiograd.num_classes", std::to_string(model.num_classes())},
          {"audiograd.class_names", join(classes, "\n")},
          {"audiograd.activation", c.activation},
          {"audiograd.frontend", model.frontend().key()},
          {"audiograd.clip_seconds", std::to_string(c.clip_seconds)},
          {"audiograd.dataset", c.dataset}};
  if (base_channels > 0) m["audiograd.base_channels"] = std::to_string(base_channels);  // a reduced-width model
  return m;
}

std::string meta(const nn::Metadata& m, const std::string& key, const std::string& what) {
  auto it = m.find(key);
  if (it == m.end()) fail<ValueError>(what, ": not an audiograd model checkpoint (no '", key, "' in its metadata)");
  return it->second;
}

// What a checkpoint's metadata says about the model it holds: classes, activation and, for
// reduced-width models (tools/convert_panns.py --width), the base channel count.
models::ModelOptions checkpoint_model_options(const nn::Metadata& m, const std::string& checkpoint, models::ModelOptions o) {
  o.num_classes = std::stoll(meta(m, "audiograd.num_classes", checkpoint));
  auto act = m.find("audiograd.activation");
  if (act != m.end()) o.activation = act->second;
  auto bc = m.find("audiograd.base_channels");
  if (bc != m.end()) {
    try {
      o.base_channels = std::stoll(bc->second);
    } catch (const std::exception&) {
      fail<ValueError>(checkpoint, ": audiograd.base_channels is '", bc->second, "', not a number");
    }
  }
  return o;
}

// The optimiser named in the config, over param groups (backbone at backbone_lr, head at lr).
std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& c, models::AudioModel& model) {
  std::vector<Variable> backbone, head;
  for (auto& [name, p] : model.named_parameters()) {
    if (!p.requires_grad()) continue;
    (name.rfind(model.head_prefix(), 0) == 0 ? head : backbone).push_back(p);
  }
  std::vector<nn::ParamGroupSpec> groups;
  nn::ParamGroupSpec b, h;
  b.params = backbone;
  if (c.backbone_lr > 0) b.lr = c.backbone_lr;
  h.params = head;
  if (!backbone.empty()) groups.push_back(b);
  if (!head.empty()) groups.push_back(h);
  if (groups.empty()) fail<ValueError>("train: no trainable parameters (everything is frozen)");
  if (c.optimizer == "adam" || c.optimizer == "adamw") {
    nn::AdamOptions o;
    o.lr = c.lr;
    o.weight_decay = c.weight_decay;
    o.amsgrad = c.amsgrad;
    if (c.optimizer == "adam") return std::make_unique<nn::Adam>(groups, o);
    nn::AdamWOptions w;
    static_cast<nn::AdamOptions&>(w) = o;
    return std::make_unique<nn::AdamW>(groups, w);
  }
  if (c.optimizer == "sgd") {
    nn::SGDOptions o;
    o.lr = c.lr;
    o.momentum = c.momentum;
    o.weight_decay = c.weight_decay;
    return std::make_unique<nn::SGD>(groups, o);
  }
  fail<ValueError>("--optimizer: unknown '", c.optimizer, "' (expected adam, adamw or sgd)");
}

std::unique_ptr<nn::LRScheduler> make_schedule(const TrainConfig& c, nn::Optimizer& opt, int64_t steps_per_epoch) {
  int64_t total = std::max<int64_t>(1, steps_per_epoch * c.epochs);
  if (c.schedule == "constant") return std::make_unique<nn::ConstantLR>(opt, 1.0, 0);
  if (c.schedule == "step") return std::make_unique<nn::StepLR>(opt, std::max<int64_t>(1, c.step_epochs * steps_per_epoch), c.step_gamma);
  if (c.schedule == "cosine")
    return std::make_unique<nn::CosineWarmupLR>(
        opt, std::min<int64_t>(total - 1, static_cast<int64_t>(c.warmup_epochs * static_cast<double>(steps_per_epoch))), total);
  if (c.schedule == "onecycle") return std::make_unique<nn::OneCycleLR>(opt, c.lr, total);
  fail<ValueError>("--schedule: unknown '", c.schedule, "' (expected constant, step, cosine or onecycle)");
}

// --transfer: which parameters train.
void apply_transfer(const std::string& mode, models::AudioModel& model) {
  if (mode == "finetune") return;
  if (mode == "freeze-base") {
    model.requires_grad_(false);
    model.requires_grad_(model.head_prefix(), true);
    return;
  }
  const std::string prefix = "freeze-first:";
  if (mode.rfind(prefix, 0) == 0) {
    int k = 0;
    try {
      k = std::stoi(mode.substr(prefix.size()));
    } catch (const std::exception&) {
      k = -1;
    }
    std::vector<std::string> stages = model.stage_names();
    if (k < 1 || k > static_cast<int>(stages.size()))
      fail<ValueError>("--transfer ", mode, ": k must be 1..", stages.size(), " (stages: ", join(stages, " "), ")");
    for (int i = 0; i < k; ++i) model.requires_grad_(stages[i], false);
    return;
  }
  fail<ValueError>("--transfer: unknown '", mode, "' (expected finetune, freeze-base or freeze-first:<k>)");
}

// What the model reads: (B, L) waveforms, or (B, 1, T, F) log-mels fitted to a valid length.
Tensor model_input(const audio::Batch& batch, const models::AudioModel& model) {
  if (model.input_kind() == models::InputKind::Waveform) return batch.waveforms;
  return fit_frames(batch.features, model.time_multiple());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

EvalResult evaluate(models::AudioModel& model, const audio::AudioDataset& data, const audio::PipelineOptions& pipeline,
                    int64_t batch_size, int workers) {
  audio::LoaderOptions lo;
  lo.batch_size = batch_size;
  lo.shuffle = false;
  lo.num_workers = workers;
  audio::BatchLoader loader(data, pipeline, lo);
  const int64_t n = model.num_classes();
  EvalResult r;
  r.confusion.assign(n, std::vector<int64_t>(n, 0));
  bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  loader.start_epoch(0);
  audio::Batch batch;
  std::vector<Tensor> all;
  double loss_sum = 0;
  int64_t seen = 0, correct = 0;
  while (loader.next(batch)) {
    Variable logits = model.forward(Variable(model_input(batch, model)));
    int64_t b = batch.labels.size(0);
    loss_sum += cross_entropy(logits, batch.labels).item<double>() * static_cast<double>(b);
    std::vector<int64_t> pred = argmax(logits.data(), 1).to_vector<int64_t>(), truth = batch.labels.to_vector<int64_t>();
    for (int64_t i = 0; i < b; ++i) {
      if (truth[i] < n && pred[i] < n) ++r.confusion[truth[i]][pred[i]];
      correct += pred[i] == truth[i];
    }
    seen += b;
    all.push_back(logits.data());
  }
  model.train(was_training);
  r.loss = seen ? loss_sum / static_cast<double>(seen) : 0;
  r.accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0;
  for (int64_t c = 0; c < n; ++c) {
    int64_t total = 0;
    for (int64_t p = 0; p < n; ++p) total += r.confusion[c][p];
    r.per_class.push_back(total ? static_cast<double>(r.confusion[c][c]) / static_cast<double>(total) : -1);
  }
  r.logits = all.empty() ? Tensor(Shape{0, n}, DType::Float32) : concat(all, 0);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints of whole models
// ---------------------------------------------------------------------------------------------

std::shared_ptr<models::AudioModel> load_model(const std::string& checkpoint, std::vector<std::string>* class_names) {
  nn::SafeTensors st = nn::load_safetensors(checkpoint);
  std::string name = meta(st.metadata, "audiograd.model", checkpoint);
  models::ModelOptions o = checkpoint_model_options(st.metadata, checkpoint, {});
  auto model = models::build_model(name, o);
  if (st.tensors.contains("fc_transfer.weight")) model->replace_head(o.num_classes, 0);
  nn::LoadReport rep = model->load_state_dict(st.tensors, /*strict=*/false);
  if (!rep.ok()) fail<ValueError>(checkpoint, ": does not match model ", name, ": ", rep.to_string());
  if (class_names) {
    auto cn = st.metadata.find("audiograd.class_names");
    *class_names = cn == st.metadata.end() ? std::vector<std::string>{} : split(cn->second, '\n');
    while (static_cast<int64_t>(class_names->size()) < o.num_classes) class_names->push_back("class" + std::to_string(class_names->size()));
  }
  return model;
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

namespace {

struct FoldRun {
  const TrainConfig& c;
  const audio::AudioDataset& data;
  int fold;
  std::vector<EpochMetrics>& metrics;  // every row so far (all folds)
  std::string metrics_path;
};

audio::AudioDataset limited(const audio::AudioDataset& d, int64_t limit) {
  if (limit <= 0 || limit >= d.size()) return d;
  // Every k-th clip, so a small subset still spans the classes.
  int64_t step = d.size() / limit, i = 0;
  return d.filter([&](const audio::AudioItem&) { return (i++ % step == 0) && (i - 1) / step < limit; });
}

FoldResult train_fold(FoldRun& run) {
  const TrainConfig& c = run.c;
  const std::string dir = (fs::path(c.out) / ("fold" + std::to_string(run.fold))).string();
  fs::create_directories(dir);
  audio::AudioDataset train = limited(run.data.without_folds({run.fold}), c.limit);
  audio::AudioDataset test = limited(run.data.with_folds({run.fold}), c.limit);
  const std::vector<std::string>& classes = run.data.class_names();

  // The model: fresh, or from --pretrained with a new head when the classes differ.
  models::ModelOptions mo;
  mo.num_classes = static_cast<int64_t>(classes.size());
  mo.seed = mix_seed(c.seed, 1, run.fold);
  mo.activation = c.activation;
  std::shared_ptr<models::AudioModel> model;
  if (!c.pretrained.empty()) {
    nn::SafeTensors st = nn::load_safetensors(c.pretrained);
    std::string pm = meta(st.metadata, "audiograd.model", c.pretrained);
    if (pm != c.model)
      fail<ValueError>("--pretrained ", c.pretrained, " holds a ", pm, " model, but --model is ", c.model);
    models::ModelOptions po = checkpoint_model_options(st.metadata, c.pretrained, mo);
    mo.base_channels = po.base_channels;
    model = models::build_model(c.model, po);
    if (st.tensors.contains("fc_transfer.weight")) model->replace_head(po.num_classes, 0);
    nn::LoadReport rep = model->load_state_dict(st.tensors, /*strict=*/false);
    std::fprintf(stderr, "pretrained: loaded %zu tensors from %s%s%s\n", rep.loaded.size(), c.pretrained.c_str(),
                 rep.ok() ? "" : "; ", rep.ok() ? "" : rep.to_string().c_str());
    if (rep.loaded.empty()) fail<ValueError>("--pretrained ", c.pretrained, ": no tensor matched the model");
    if (po.num_classes != mo.num_classes || c.transfer != "finetune") {
      model->replace_head(mo.num_classes, mix_seed(c.seed, 2, run.fold));
      std::fprintf(stderr, "pretrained: new head %s with %ld classes\n", model->head_prefix().c_str(), static_cast<long>(mo.num_classes));
    }
  } else {
    model = models::build_model(c.model, mo);
  }
  apply_transfer(c.transfer, *model);

  audio::PipelineOptions pipe = pipeline_for(*model, c.clip_seconds);
  if (c.cache != "none" && !c.cache.empty()) pipe.cache_dir = c.cache;
  audio::PipelineOptions train_pipe = pipe;
  train_pipe.augment = c.augment;
  train_pipe.logmel_mixup_alpha = c.mixup;
  train_pipe.waveform_mixup_alpha = c.wave_mixup;
  audio::LoaderOptions lo;
  lo.batch_size = c.batch_size;
  lo.balanced = c.balanced;
  lo.seed = mix_seed(c.seed, 3, run.fold);
  lo.num_workers = c.workers;
  lo.drop_last = train.size() > c.batch_size;
  audio::BatchLoader loader(train, train_pipe, lo);
  const int64_t steps_per_epoch = (loader.batches_per_epoch() + c.accumulate - 1) / c.accumulate;

  auto opt = make_optimizer(c, *model);
  auto sched = make_schedule(c, *opt, steps_per_epoch);
  const int64_t crop_frames = c.crop_seconds > 0 ? std::max<int64_t>(model->time_multiple(),
      static_cast<int64_t>(c.crop_seconds * pipe.frontend.sample_rate / pipe.frontend.hop_length) / model->time_multiple() * model->time_multiple()) : 0;

  // Resume from the last finished epoch of this fold, if there is one.
  int start_epoch = 1;
  const std::string last = (fs::path(dir) / "last.safetensors").string();
  if (c.resume && fs::exists(last)) {
    nn::CheckpointInfo info = nn::load_checkpoint(last, *model, opt.get(), /*strict=*/true);
    start_epoch = std::stoi(meta(info.metadata, "train.epoch", last)) + 1;
    for (int64_t s = 0; s < (start_epoch - 1) * steps_per_epoch; ++s) sched->step();
    std::fprintf(stderr, "fold %d: resuming after epoch %d\n", run.fold, start_epoch - 1);
  }

  // Trainable count exactly: with --transfer freeze-base it is a head of a few thousand, which
  // "0.00 M" would hide.
  std::fprintf(stderr, "fold %d: %s, train %ld clips (folds != %d), test %ld clips; %s, %.2f M parameters (%ld trainable)\n",
               run.fold, c.model.c_str(), static_cast<long>(train.size()), run.fold, static_cast<long>(test.size()),
               opt->name().c_str(), static_cast<double>(model->num_parameters()) / 1e6,
               static_cast<long>(model->num_parameters(true)));
  FoldResult result;
  result.fold = run.fold;
  auto fold_t0 = Clock::now();
  EvalResult last_eval;
  bool evaluated_last = false;
  for (int epoch = start_epoch; epoch <= c.epochs; ++epoch) {
    auto t0 = Clock::now();
    model->train();
    model->reseed(mix_seed(c.seed, 4, static_cast<uint64_t>(run.fold) * 100000 + epoch));
    Generator crop_gen(mix_seed(c.seed, 5, static_cast<uint64_t>(run.fold) * 100000 + epoch));
    loader.start_epoch(epoch);
    Progress bar("fold " + std::to_string(run.fold) + " epoch " + std::to_string(epoch) + "/" + std::to_string(c.epochs),
                 loader.batches_per_epoch());
    audio::Batch batch;
    double loss_sum = 0;
    int64_t seen = 0, correct = 0, step = 0;
    double lr_now = opt->param_groups().back().lr;
    opt->zero_grad();
    while (loader.next(batch)) {
      Tensor x = model_input(batch, *model);
      if (crop_frames > 0 && model->input_kind() == models::InputKind::LogMel) x = random_crop_frames(x, crop_frames, crop_gen);
      Variable logits = model->forward(Variable(x));
      bool mixed = !batch.lambdas.empty();
      Variable loss = mixed ? cross_entropy(logits, batch.targets, c.label_smoothing)
                            : cross_entropy(logits, batch.labels, c.label_smoothing);
      double lv = loss.item<double>();
      if (!std::isfinite(lv))
        fail<Error>("training diverged: the loss is ", lv, " at fold ", run.fold, ", epoch ", epoch, ", step ", step + 1,
                    " (try a lower --lr, --clip-grad-norm 5, or check the data); the last good checkpoint is ", last);
      (c.accumulate > 1 ? mul(loss, 1.0 / c.accumulate) : loss).backward();
      ++step;
      if (step % c.accumulate == 0 || step == loader.batches_per_epoch()) {
        if (c.clip_grad_norm > 0) nn::clip_grad_norm_(model->parameters(), c.clip_grad_norm);
        lr_now = opt->param_groups().back().lr;
        opt->step();
        opt->zero_grad();
        sched->step();
      }
      int64_t b = batch.labels.size(0);
      loss_sum += lv * static_cast<double>(b);
      std::vector<int64_t> pred = argmax(logits.data(), 1).to_vector<int64_t>(), truth = batch.labels.to_vector<int64_t>();
      for (int64_t i = 0; i < b; ++i) correct += pred[i] == truth[i];
      seen += b;
      double el = since(t0);
      bar.update(step, loss_sum / static_cast<double>(seen), static_cast<double>(correct) / static_cast<double>(seen),
                 static_cast<double>(seen) / el, el);
    }
    bar.finish();
    EpochMetrics m;
    m.fold = run.fold;
    m.epoch = epoch;
    m.lr = lr_now;
    m.train_loss = loss_sum / std::max<double>(1, static_cast<double>(seen));
    m.train_acc = static_cast<double>(correct) / std::max<double>(1, static_cast<double>(seen));
    m.clips_per_s = static_cast<double>(seen) / since(t0);
    evaluated_last = epoch == c.epochs || (c.eval_every > 0 && epoch % c.eval_every == 0);
    if (evaluated_last) {
      last_eval = evaluate(*model, test, pipe, c.batch_size, c.workers);
      m.test_loss = last_eval.loss;
      m.test_acc = last_eval.accuracy;
    }
    m.seconds = since(t0);
    std::fprintf(stderr, "fold %d epoch %d/%d: train loss %.4f acc %.1f%%%s  lr %.2e  %.1f clips/s  %s\n", run.fold, epoch, c.epochs,
                 m.train_loss, 100 * m.train_acc,
                 m.test_acc >= 0 ? ("  test loss " + std::to_string(m.test_loss).substr(0, 6) + " acc " +
                                    std::to_string(100 * m.test_acc).substr(0, 5) + "%").c_str() : "",
                 m.lr, m.clips_per_s, fmt_time(m.seconds).c_str());
    run.metrics.push_back(m);
    write_metrics(run.metrics_path, run.metrics);
    nn::Metadata md = model_metadata(c, *model, classes, mo.base_channels);
    md["train.epoch"] = std::to_string(epoch);
    md["train.fold"] = std::to_string(run.fold);
    nn::save_checkpoint(last, *model, opt.get(), md);
  }
  if (!evaluated_last) last_eval = evaluate(*model, test, pipe, c.batch_size, c.workers);  // resumed past the end
  nn::save_checkpoint((fs::path(dir) / "model.safetensors").string(), *model, nullptr, model_metadata(c, *model, classes, mo.base_channels));
  result.accuracy = last_eval.accuracy;
  result.loss = last_eval.loss;
  result.epochs = c.epochs;
  result.seconds = since(fold_t0);
  result.confusion = last_eval.confusion;
  result.per_class = last_eval.per_class;
  write_fold_result(dir, result, classes);
  return result;
}

}  // namespace

double run_training(const TrainConfig& c, const std::string& resolved_config) {
  if (c.epochs < 1) fail<ValueError>("--epochs must be >= 1, got ", c.epochs);
  if (c.batch_size < 1) fail<ValueError>("--batch-size must be >= 1, got ", c.batch_size);
  if (c.accumulate < 1) fail<ValueError>("--accumulate must be >= 1, got ", c.accumulate);
  if (c.threads < 1) fail<ValueError>("--threads must be >= 1, got ", c.threads);
  set_num_threads(c.threads);
  auto t0 = Clock::now();

  // Check everything that can fail cheaply before touching the run directory.
  audio::AudioDataset data = open_dataset(c.dataset, c.data, c.skip_bad);
  if (!c.exclude_folds.empty()) {
    data = data.without_folds(parse_folds(c.exclude_folds, dataset_folds(data), "--exclude-folds"));
    if (data.size() == 0) fail<ValueError>("--exclude-folds ", c.exclude_folds, ": no clips are left");
  }
  std::vector<int> folds = parse_folds(c.folds, dataset_folds(data));
  {
    models::ModelOptions probe;
    probe.num_classes = data.num_classes();
    probe.activation = c.activation;
    models::build_model(c.model, probe);  // unknown names and bad settings fail here
  }
  std::fprintf(stderr, "%s\n", data.summary().c_str());

  fs::path out(c.out);
  const std::string config_path = (out / "config.ini").string();
  if (fs::exists(out) && !fs::is_empty(out)) {
    if (!c.resume && !c.overwrite)
      fail<ValueError>("run directory '", c.out, "' already holds a run; pass --resume to continue it, --overwrite to replace it, "
                       "or choose another --out");
    if (c.overwrite && !c.resume) fs::remove_all(out);
  }
  fs::create_directories(out);
  write_file_atomic(config_path, resolved_config);

  const std::string metrics_path = (out / "metrics.csv").string();
  std::vector<EpochMetrics> metrics;
  if (c.resume) {
    // Keep only rows of epochs whose checkpoint exists (an epoch cut short is redone).
    for (const EpochMetrics& m : read_metrics(metrics_path)) {
      fs::path fd = out / ("fold" + std::to_string(m.fold));
      FoldResult done;
      bool fold_done = read_fold_result(fd.string(), &done);
      int last_epoch = 0;
      if (!fold_done && fs::exists(fd / "last.safetensors"))
        last_epoch = std::stoi(meta(nn::load_safetensors((fd / "last.safetensors").string()).metadata, "train.epoch", "last checkpoint"));
      if (fold_done || m.epoch <= last_epoch) metrics.push_back(m);
    }
  }
  write_metrics(metrics_path, metrics);

  std::vector<FoldResult> results;
  for (int fold : folds) {
    FoldResult r;
    if (c.resume && read_fold_result((out / ("fold" + std::to_string(fold))).string(), &r)) {
      std::fprintf(stderr, "fold %d: already finished (accuracy %.1f%%)\n", fold, 100 * r.accuracy);
    } else {
      FoldRun run{c, data, fold, metrics, metrics_path};
      r = train_fold(run);
    }
    results.push_back(r);
    std::fprintf(stderr, "fold %d: test accuracy %.2f%% (last epoch)\n", fold, 100 * r.accuracy);
    double clips_per_s = 0;
    for (const EpochMetrics& m : metrics) clips_per_s += m.clips_per_s / static_cast<double>(metrics.size());
    write_summary(c.out, c, results, data.class_names(), since(t0), clips_per_s);
    write_report(c.out, c, metrics, results, data.class_names());
  }
  auto [mu, sd] = mean_std(results);
  std::printf("accuracy over %zu fold%s: %.2f%% ± %.2f%%  (%s, %s)\n", results.size(), results.size() == 1 ? "" : "s", 100 * mu, 100 * sd,
              c.model.c_str(), fmt_time(since(t0)).c_str());
  std::printf("wrote %s/summary.json and %s/report.html\n", c.out.c_str(), c.out.c_str());
  return mu;
}

}  // namespace ag::app
