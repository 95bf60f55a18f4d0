// commands.cpp: eval, predict, features, embed, summary and probe.
#include "apps/audiograd/commands.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/audiograd/checkpoints.hpp"
#include "apps/audiograd/data.hpp"
#include "apps/audiograd/evaluate.hpp"
#include "apps/audiograd/json.hpp"
#include "apps/audiograd/results.hpp"
#include "audio/load.hpp"
#include "nn/nn.hpp"

namespace ag::app {

namespace fs = std::filesystem;

namespace {
void check_classes(const models::AudioModel& m, const audio::AudioDataset& d, const std::string& ckpt) {
  if (m.num_classes() != d.num_classes())
    fail<ValueError>(ckpt, " predicts ", m.num_classes(), " classes, but dataset ", d.name(), " has ", d.num_classes());
}

// One file through the model's front end: (1, 1, T, F), fitted to the frames the model accepts.
Tensor file_input(const models::AudioModel& model, const std::string& path, double clip_seconds) {
  audio::PipelineOptions p = pipeline_for(model, clip_seconds);
  std::vector<float> wave = audio::load_audio(path, p.load);
  if (model.input_kind() == models::InputKind::Waveform) return from_vector(wave, {1, static_cast<int64_t>(wave.size())});
  audio::LogMel lm(p.frontend);
  Tensor mel = lm(wave);  // (T, F)
  return fit_frames(mel.unsqueeze(0).unsqueeze(0), model.time_multiple());
}

// One fold of `audiograd probe`: standardise with the training clips' statistics, fit the
// classifier full-batch, and return its accuracy on the test clips. x: (clips, E), y: (clips,).
double probe_accuracy(const ProbeOptions& o, int fold, int64_t n_classes, Tensor xtr, const Tensor& ytr, Tensor xte, const Tensor& yte) {
  Tensor mu = mean(xtr, {0}, true), sd = add(sqrt(var(xtr, {0}, false, true)), 1e-6);
  xtr = div(sub(xtr, mu), sd);
  xte = div(sub(xte, mu), sd);
  Generator gen(o.seed + static_cast<uint64_t>(fold));
  nn::Sequential clf;
  if (o.classifier == "linear") {
    clf.push_back(std::make_shared<nn::Linear>(xtr.size(1), n_classes, true, &gen));
  } else if (o.classifier == "mlp") {
    clf.push_back(std::make_shared<nn::Linear>(xtr.size(1), o.hidden, true, &gen));
    clf.push_back(std::make_shared<nn::ReLU>());
    clf.push_back(std::make_shared<nn::Dropout>(0.5, o.seed + 7));
    clf.push_back(std::make_shared<nn::Linear>(o.hidden, n_classes, true, &gen));
  } else {
    fail<ValueError>("probe: --classifier must be linear or mlp, got '", o.classifier, "'");
  }
  nn::AdamWOptions ao;
  ao.lr = o.lr;
  ao.weight_decay = o.weight_decay;
  nn::AdamW opt(clf.parameters(), ao);
  for (int e = 0; e < o.epochs; ++e) {  // full batch: a few thousand embeddings fit at once
    clf.train();
    Variable loss = cross_entropy(clf.forward(Variable(xtr)), ytr);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  clf.eval();
  NoGradGuard ng;
  Tensor pred = argmax(clf.forward(Variable(xte)).data(), 1);
  return mean(eq(pred, yte).to(DType::Float64)).item<double>();
}
}  // namespace

// eval on multi-label clips: mAP (PANNs' metric), per-class AP, and the binary cross-entropy.
int print_tagging_eval(const EvalOptions& o, models::AudioModel& model, Task task, const std::vector<std::string>& classes,
                       const audio::AudioDataset& test, const EvalResult& r) {
  const int64_t n = model.num_classes(), clips = test.size();
  const std::vector<float> logits = r.logits.contiguous().to_vector<float>();
  std::vector<std::vector<int64_t>> tags;
  for (const auto& it : test.items()) tags.push_back(it.tags.empty() ? std::vector<int64_t>{it.label} : it.tags);
  // AP only ranks each class's clips, so a classifier's softmax works as well as a tagger's sigmoid.
  Tensor probs = (task == Task::Tagging ? sigmoid(Variable(r.logits)) : softmax(Variable(r.logits), 1)).data();
  const TaggingMetrics m = tagging_metrics(probs.contiguous().to_vector<float>(), n, tags);
  double bce = 0;  // mean over clips and classes, from the logits (stable form)
  for (int64_t i = 0; i < clips; ++i)
    for (int64_t c = 0; c < n; ++c) {
      const double x = logits[static_cast<size_t>(i * n + c)];
      const double y = std::binary_search(tags[i].begin(), tags[i].end(), c) ? 1.0 : 0.0;
      bce += std::max(x, 0.0) - x * y + std::log1p(std::exp(-std::fabs(x)));
    }
  bce /= static_cast<double>(std::max<int64_t>(1, clips * n));
  if (o.json) {
    Json ap = Json::object();
    for (int64_t c = 0; c < n; ++c)
      if (m.ap[c] >= 0) ap[classes[c]] = m.ap[c];
    std::cout << json_text({{"checkpoint", o.checkpoint}, {"clips", clips}, {"mAP", m.map}, {"classes_with_clips", m.classes_with_clips},
                            {"loss", bce}, {"per_class_ap", ap}});
    return 0;
  }
  std::printf("%ld clips, mAP %.4f over the %ld classes they hold, binary cross-entropy %.4f\n\n%-40s %6s %6s\n", static_cast<long>(clips),
              m.map, static_cast<long>(m.classes_with_clips), bce, "class", "clips", "AP");
  for (int64_t c = 0; c < n; ++c) {
    if (m.ap[c] < 0) continue;
    int64_t k = 0;
    for (const auto& t : tags) k += std::binary_search(t.begin(), t.end(), c);
    std::printf("%-40s %6ld %6.3f\n", classes[c].c_str(), static_cast<long>(k), m.ap[c]);
  }
  return 0;
}

int run_eval(const EvalOptions& o) {
  set_num_threads(o.threads);
  std::vector<std::string> classes;
  Task task = Task::Classification;
  nn::Metadata meta;
  auto model = load_model(o.checkpoint, &classes, &task, &meta);
  // Clips as long as the model was trained on (the PANNs converter records 10 s), unless said.
  double clip_seconds = o.clip_seconds;
  if (clip_seconds == 0) {
    auto it = meta.find("audiograd.clip_seconds");
    clip_seconds = it != meta.end() ? std::stod(it->second) : 5.0;
  }
  audio::AudioDataset data;
  if (o.dataset == "tags") {  // multi-label clips, mapped to the checkpoint's classes by name
    if (o.data.empty()) fail<ValueError>("eval --dataset tags: --data names the CSV (columns filename, labels; labels separated by ';')");
    data = audio::tagged_csv(o.data, classes);
  } else {
    data = open_dataset(o.dataset, o.data, false);
    check_classes(*model, data, o.checkpoint);
  }
  std::vector<int> folds = parse_folds(o.folds, dataset_folds(data));
  audio::AudioDataset test = data.with_folds(folds);
  EvalResult r = evaluate(*model, test, pipeline_for(*model, clip_seconds), o.batch_size, o.workers);
  const int64_t n = model->num_classes();
  if (test.multi_label()) return print_tagging_eval(o, *model, task, classes, test, r);
  const std::vector<double> per_class = per_class_accuracy(r.confusion);
  if (o.json) {
    Json acc = Json::object();
    for (int64_t c = 0; c < n; ++c) acc[classes[c]] = per_class[c] < 0 ? Json(nullptr) : Json(per_class[c]);
    std::cout << json_text({{"checkpoint", o.checkpoint},
                            {"clips", test.size()},
                            {"accuracy", r.accuracy},
                            {"loss", r.loss},
                            {"per_class_accuracy", acc},
                            {"confusion", r.confusion}});
    return 0;
  }
  std::printf("%ld clips, accuracy %.2f%%, loss %.4f\n\n%-24s %8s\n", static_cast<long>(test.size()), 100 * r.accuracy, r.loss, "class", "accuracy");
  for (int64_t c = 0; c < n; ++c)
    if (per_class[c] >= 0) std::printf("%-24s %7.1f%%\n", classes[c].c_str(), 100 * per_class[c]);
  std::printf("\nconfusion matrix (rows: true class, columns: predicted, in class order)\n");
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t k = 0; k < n; ++k) std::printf(n > 12 ? "%3ld" : "%5ld", static_cast<long>(r.confusion[c][k]));
    std::printf("\n");
  }
  return 0;
}

int run_predict(const PredictOptions& o) {
  set_num_threads(o.threads);
  if (o.files.empty()) fail<ValueError>("predict: no audio files given");
  if (!(o.threshold >= 0 && o.threshold <= 1)) fail<ValueError>("--threshold must be in [0, 1], got ", o.threshold);
  std::vector<std::string> classes;
  Task task = Task::Classification;
  auto model = load_model(o.checkpoint, &classes, &task);
  // A classifier's classes exclude each other: softmax probabilities that sum to 1. A tagger's do
  // not (speech and music at once): each class's own sigmoid score, as it was trained.
  const bool tagging = task == Task::Tagging;
  const char* what = tagging ? "score" : "probability";
  model->eval();
  NoGradGuard no_grad;
  std::vector<Tensor> all;
  Json j = Json::array();
  for (size_t f = 0; f < o.files.size(); ++f) {
    Tensor logits = model->forward(Variable(file_input(*model, o.files[f], o.clip_seconds))).data();  // (1, N)
    all.push_back(logits);
    Tensor p = (tagging ? sigmoid(Variable(logits)) : softmax(Variable(logits), 1)).data().reshape({-1});
    std::vector<float> prob = p.to_vector<float>();
    std::vector<int64_t> order(prob.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return prob[a] > prob[b]; });
    int k = std::min<int>(o.top_k, static_cast<int>(prob.size()));
    while (k > 0 && prob[order[k - 1]] < o.threshold) --k;  // --threshold: only classes scoring at least it
    if (o.json) {
      Json top = Json::array();
      for (int i = 0; i < k; ++i) top.push_back({{"class", classes[order[i]]}, {what, prob[order[i]]}});
      j.push_back({{"file", o.files[f]}, {"task", tagging ? "tagging" : "classification"}, {"top", top}});
    } else {
      std::printf("%s\n", o.files[f].c_str());
      for (int i = 0; i < k; ++i)
        if (tagging) std::printf("  %-40s %.3f\n", classes[order[i]].c_str(), prob[order[i]]);
        else std::printf("  %-24s %6.2f%%\n", classes[order[i]].c_str(), 100 * prob[order[i]]);
      if (k == 0) std::printf("  (no class scores %.3f or more)\n", o.threshold);
    }
  }
  if (o.json) std::cout << json_text(j);
  if (!o.logits_npy.empty()) save_npy(concat(all, 0), o.logits_npy);
  return 0;
}

int run_features(const FeaturesOptions& o) {
  set_num_threads(o.threads);
  audio::FrontendConfig fc = audio::FrontendConfig::preset(o.frontend);
  std::vector<std::string> files = o.files;
  if (!o.dataset.empty()) {
    audio::AudioDataset d = open_dataset(o.dataset, o.data, false);
    for (const auto& it : d.items()) files.push_back(it.path);
  }
  if (files.empty()) fail<ValueError>("features: give audio files or --dataset");
  fs::create_directories(o.out);
  audio::LoadOptions lo;
  lo.sample_rate = fc.sample_rate;
  lo.length = o.clip_seconds > 0 ? static_cast<int64_t>(o.clip_seconds * fc.sample_rate + 0.5) : 0;
  lo.min_length = fc.win_length;
  audio::LogMel lm(fc);
  for (const std::string& f : files) {
    Tensor mel = lm(audio::load_audio(f, lo));  // (T, F)
    std::string dst = (fs::path(o.out) / (fs::path(f).stem().string() + ".npy")).string();
    save_npy(mel, dst);
  }
  std::printf("wrote %zu log-mel .npy files (%s front end, (T, %d) float32) to %s\n", files.size(), o.frontend.c_str(), fc.n_mels, o.out.c_str());
  return 0;
}

int run_embed(const EmbedOptions& o) {
  set_num_threads(o.threads);
  std::vector<std::string> classes;
  auto model = load_model(o.checkpoint, &classes);
  audio::AudioDataset data = open_dataset(o.dataset, o.data, false);
  audio::LoaderOptions lo;
  lo.batch_size = o.batch_size;
  lo.shuffle = false;
  lo.num_workers = o.workers;
  audio::BatchLoader loader(data, pipeline_for(*model, o.clip_seconds), lo);
  model->eval();
  NoGradGuard no_grad;
  loader.start_epoch(0);
  audio::Batch batch;
  std::vector<Tensor> emb;
  while (loader.next(batch))
    emb.push_back(model->embed(Variable(model_input(batch, *model))).data());  // (B, E)
  std::vector<int64_t> labels, folds;
  for (const auto& it : data.items()) {
    labels.push_back(it.label);
    folds.push_back(it.fold);
  }
  fs::create_directories(o.out);
  save_npy(concat(emb, 0), (fs::path(o.out) / "embeddings.npy").string());
  save_npy(from_vector(labels), (fs::path(o.out) / "labels.npy").string());
  save_npy(from_vector(folds), (fs::path(o.out) / "folds.npy").string());
  std::string names;
  for (const auto& c : data.class_names()) names += c + "\n";
  write_file_atomic((fs::path(o.out) / "classes.txt").string(), names);
  std::printf("wrote %ld embeddings of size %ld (%s) with labels and folds to %s\n", static_cast<long>(data.size()),
              static_cast<long>(model->embedding_size()), o.checkpoint.c_str(), o.out.c_str());
  return 0;
}

int run_summary(const SummaryOptions& o) {
  models::ModelOptions mo;
  mo.num_classes = o.classes;
  mo.activation = o.activation;
  mo.blocks = o.blocks;
  mo.res_block = o.res_block;
  mo.frontend = o.frontend;
  auto model = models::build_model(o.model, mo);
  audio::FrontendConfig fc = model->frontend();
  int64_t samples = static_cast<int64_t>(o.seconds * fc.sample_rate + 0.5);
  Shape input;
  if (model->input_kind() == models::InputKind::Waveform) {
    input = {1, samples};
  } else {
    int64_t t = fc.num_frames(samples);
    t = std::max<int64_t>(model->time_multiple(), t / model->time_multiple() * model->time_multiple());
    input = {1, 1, t, fc.n_mels};
  }
  std::cout << nn::summary(*model, input);
  std::printf("input %s (%.1f s at %d Hz)   multiply-adds per clip: %.3f G\n", shape_str(input).c_str(), o.seconds, fc.sample_rate,
              static_cast<double>(models::count_macs(*model, input)) / 1e9);
  return 0;
}

int run_probe(const ProbeOptions& o) {
  set_num_threads(o.threads);
  Tensor x = load_npy((fs::path(o.embeddings) / "embeddings.npy").string()).to(DType::Float32);
  Tensor y = load_npy((fs::path(o.embeddings) / "labels.npy").string());
  std::vector<int64_t> fold_of = load_npy((fs::path(o.embeddings) / "folds.npy").string()).to_vector<int64_t>();
  if (x.dim() != 2 || y.dim() != 1 || x.size(0) != y.size(0) || static_cast<int64_t>(fold_of.size()) != x.size(0))
    fail<ShapeError>("probe: embeddings ", shape_str(x.shape()), ", labels ", shape_str(y.shape()), " and folds (", fold_of.size(),
                     ",) do not match (expected (N, E), (N,), (N,) from `audiograd embed`)");
  const int64_t n_classes = amax(y).item<int64_t>() + 1;
  std::vector<int> available;
  for (int64_t f : fold_of)
    if (std::find(available.begin(), available.end(), f) == available.end()) available.push_back(static_cast<int>(f));
  std::sort(available.begin(), available.end());
  std::vector<int> folds = parse_folds(o.folds, available);
  std::vector<FoldResult> results;
  for (int fold : folds) {
    std::vector<int64_t> tr, te;
    for (int64_t i = 0; i < x.size(0); ++i) (fold_of[i] == fold ? te : tr).push_back(i);
    Tensor tri = from_vector(tr), tei = from_vector(te);
    FoldResult r;
    r.fold = fold;
    r.accuracy = probe_accuracy(o, fold, n_classes, index_select(x, 0, tri), index_select(y, 0, tri), index_select(x, 0, tei),
                                index_select(y, 0, tei));
    results.push_back(r);
    if (!o.json) std::printf("fold %d: %s probe accuracy %.2f%% (%zu train, %zu test)\n", fold, o.classifier.c_str(), 100 * r.accuracy, tr.size(), te.size());
  }
  auto [m, sd] = mean_std(results);
  if (o.json) {
    Json per_fold = Json::array();
    for (const FoldResult& r : results) per_fold.push_back({{"fold", r.fold}, {"accuracy", r.accuracy}});
    std::cout << json_text({{"classifier", o.classifier}, {"folds", per_fold}, {"mean_accuracy", m}, {"std_accuracy", sd}});
  } else {
    std::printf("mean accuracy %.2f%% ± %.2f%%\n", 100 * m, 100 * sd);
  }
  return 0;
}

}  // namespace ag::app
