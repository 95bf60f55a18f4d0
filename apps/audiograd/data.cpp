// data.cpp: dataset lookup and frame fitting for the app.
#include "apps/audiograd/data.hpp"

#include <cstdlib>
#include <filesystem>
#include <set>

#include "apps/audiograd/text.hpp"

namespace ag::app {

namespace fs = std::filesystem;

std::vector<std::string> esc50_search_path() {
  std::vector<std::string> p;
  if (const char* env = std::getenv("ESC50_DIR")) p.push_back(env);
  p.push_back("./data/ESC-50");
  p.push_back("../shared/data/esc50");
  return p;
}

audio::AudioDataset open_dataset(const std::string& name, const std::string& root, bool skip_bad) {
  audio::DatasetOptions o;
  o.skip_bad = skip_bad;
  if (name == "esc50" || name == "esc10" || name == "esc40") {
    std::string dir = root;
    if (dir.empty()) {
      for (const std::string& c : esc50_search_path())
        if (fs::exists(fs::path(c) / "meta" / "esc50.csv")) {
          dir = c;
          break;
        }
      if (dir.empty()) {
        fail<IoError>("ESC-50 not found (looked in $ESC50_DIR, ", join(esc50_search_path(), ", "),
                      "). Get it with: git clone https://github.com/karolpiczak/ESC-50 data/ESC-50  (or pass --data DIR)");
      }
    }
    if (name != "esc40") return audio::esc50(dir, name == "esc10", o);
    // ESC-50 without the ESC-10 clips: 40 classes, renumbered in ESC-50 order (for pretraining
    // before transfer to ESC-10, whose classes it then never saw).
    audio::AudioDataset all = audio::esc50(dir, false, o), ten = audio::esc50(dir, true, o);
    std::set<std::string> ten_paths, ten_names(ten.class_names().begin(), ten.class_names().end());
    for (const auto& it : ten.items()) ten_paths.insert(it.path);
    std::vector<std::string> names;
    std::vector<int64_t> new_label(static_cast<size_t>(all.num_classes()), -1);
    for (int64_t c = 0; c < all.num_classes(); ++c)
      if (!ten_names.count(all.class_names()[c])) {
        new_label[c] = static_cast<int64_t>(names.size());
        names.push_back(all.class_names()[c]);
      }
    std::vector<audio::AudioItem> items;
    for (auto it : all.items())
      if (!ten_paths.count(it.path) && new_label[it.label] >= 0) {
        it.label = new_label[it.label];
        items.push_back(it);
      }
    return audio::AudioDataset("ESC-40 (ESC-50 without ESC-10)", names, items, all.bad_files());
  }
  if (name != "us8k" && name != "ravdess" && name != "folder")
    fail<ValueError>("unknown dataset '", name, "' (expected esc50, esc10, esc40, us8k, ravdess or folder)");
  if (root.empty()) fail<ValueError>("dataset '", name, "' needs --data DIR");
  if (name == "us8k") return audio::urbansound8k(root, o);
  if (name == "ravdess") return audio::ravdess(root, o);
  // A folder of class sub-folders has no folds: deal each class's clips (in file-name order) round
  // the 5 folds, so every fold holds every class in proportion (stratified and deterministic).
  audio::AudioDataset d = audio::folder_dataset(root, o);
  std::vector<audio::AudioItem> items = d.items();
  std::vector<int> seen(static_cast<size_t>(d.num_classes()), 0);
  for (auto& it : items) it.fold = seen[static_cast<size_t>(it.label)]++ % 5 + 1;
  return audio::AudioDataset(d.name(), d.class_names(), items, d.bad_files());
}

std::vector<int> dataset_folds(const audio::AudioDataset& d) {
  std::set<int> s;
  for (const auto& it : d.items()) s.insert(it.fold);
  return {s.begin(), s.end()};
}

audio::PipelineOptions pipeline_for(const models::AudioModel& model, double clip_seconds) {
  if (!(clip_seconds > 0)) fail<ValueError>("--clip-seconds must be positive, got ", clip_seconds);
  audio::PipelineOptions p;
  p.frontend = model.frontend();
  p.load.sample_rate = p.frontend.sample_rate;
  p.load.length = static_cast<int64_t>(clip_seconds * p.frontend.sample_rate + 0.5);
  p.load.fit = audio::FitMode::Cut;
  p.load.min_length = p.frontend.win_length;
  p.waveform_output = model.input_kind() == models::InputKind::Waveform;
  return p;
}

Tensor fit_frames(const Tensor& x, int64_t multiple) {
  // x: (B, 1, T, F)
  int64_t t = x.size(2);
  if (t % multiple == 0) return x;
  if (t >= multiple) return x.narrow(2, 0, t / multiple * multiple).contiguous();
  int64_t target = multiple;
  Tensor out = Tensor(Shape{x.size(0), 1, target, x.size(3)}, x.dtype());
  for (int64_t b = 0; b < x.size(0); ++b) {
    Tensor clip = x.select(0, b);
    double quiet = amin(clip).item<double>();
    Tensor o = out.select(0, b);
    o.fill_(quiet);
    o.narrow(1, 0, t).copy_(clip);
  }
  return out;
}

Tensor random_crop_frames(const Tensor& x, int64_t frames, Generator& gen) {
  int64_t t = x.size(2);
  if (frames >= t) return x;
  Tensor out = Tensor::uninitialized({x.size(0), x.size(1), frames, x.size(3)}, x.dtype());
  for (int64_t b = 0; b < x.size(0); ++b) out.select(0, b).copy_(x.select(0, b).narrow(1, gen.randint(0, t - frames + 1), frames));
  return out;
}

Tensor model_input(const audio::Batch& batch, const models::AudioModel& model) {
  if (model.input_kind() == models::InputKind::Waveform) return batch.waveforms;
  return fit_frames(batch.features, model.time_multiple());
}

std::vector<int> parse_folds(const std::string& text, const std::vector<int>& available, const std::string& flag) {
  if (text == "all") return available;
  std::vector<int> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    int f = 0;
    try {
      size_t used = 0;
      f = std::stoi(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      fail<ValueError>(flag, ": '", item, "' is not a fold number (expected e.g. 1, 2,4 or all)");
    }
    bool ok = false;
    for (int a : available) ok = ok || a == f;
    if (!ok) {
      std::vector<std::string> av;
      for (int a : available) av.push_back(std::to_string(a));
      fail<ValueError>(flag, ": fold ", f, " does not exist in this dataset (folds: ", join(av, ", "), ")");
    }
    out.push_back(f);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace ag::app
