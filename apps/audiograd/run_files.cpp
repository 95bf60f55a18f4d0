// run_files.cpp: metrics.csv, fold<k>/result.json and summary.json (see run_files.hpp).
#include "apps/audiograd/run_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/audiograd/distributed.hpp"
#include "apps/audiograd/json.hpp"
#include "apps/audiograd/text.hpp"
#include "tensor/error.hpp"
#include "tensor/io.hpp"

namespace ag::app {

namespace fs = std::filesystem;

// --- metrics.csv ------------------------------------------------------------------------------

std::string metrics_header() { return "fold,epoch,lr,train_loss,train_acc,test_loss,test_acc,clips_per_s,seconds,val_loss,val_acc\n"; }

std::string metrics_row(const EpochMetrics& m) {
  std::ostringstream os;
  os << m.fold << ',' << m.epoch << ',' << num(m.lr, 6) << ',' << num(m.train_loss, 6) << ',' << num(m.train_acc, 6) << ',';
  if (m.test_acc >= 0) os << num(m.test_loss, 6) << ',' << num(m.test_acc, 6);
  else os << ',';
  os << ',' << num(m.clips_per_s, 4) << ',' << num(m.seconds, 5) << ',';
  if (m.val_acc >= 0) os << num(m.val_loss, 6) << ',' << num(m.val_acc, 6);
  else os << ',';
  os << '\n';
  return os.str();
}

std::vector<EpochMetrics> read_metrics(const std::string& path) {
  std::vector<EpochMetrics> rows;
  if (!fs::exists(path)) return rows;
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::vector<std::string> v = split(line, ',');  // numbers only: no quoting
    while (v.size() < 11) v.push_back("");  // runs before --patience have 9 columns
    auto d = [&](size_t i, double dflt) { return v[i].empty() ? dflt : std::stod(v[i]); };
    try {
      EpochMetrics m;
      m.fold = std::stoi(v[0]);
      m.epoch = std::stoi(v[1]);
      m.lr = d(2, 0);
      m.train_loss = d(3, 0);
      m.train_acc = d(4, 0);
      m.test_loss = d(5, -1);
      m.test_acc = d(6, -1);
      m.clips_per_s = d(7, 0);
      m.seconds = d(8, 0);
      m.val_loss = d(9, -1);
      m.val_acc = d(10, -1);
      rows.push_back(m);
    } catch (const std::exception&) {
      fail<IoError>(path, ": malformed row '", line, "'");
    }
  }
  return rows;
}

void write_metrics(const std::string& path, const std::vector<EpochMetrics>& rows) {
  std::string s = metrics_header();
  for (const auto& m : rows) s += metrics_row(m);
  write_file_atomic(path, s);
}

// --- fold<k>/result.json ------------------------------------------------------------------------

void write_fold_result(const std::string& dir, const FoldResult& r, const std::vector<std::string>& classes) {
  Json per_class = Json::object();
  const std::vector<double> acc = per_class_accuracy(r.confusion);
  for (size_t i = 0; i < acc.size(); ++i)
    per_class[i < classes.size() ? classes[i] : std::to_string(i)] = acc[i] < 0 ? Json(nullptr) : Json(acc[i]);
  Json j = {{"fold", r.fold},         {"accuracy", r.accuracy},         {"loss", r.loss},
            {"epochs", r.epochs},     {"seconds", r.seconds},           {"per_class_accuracy", per_class},
            {"confusion", r.confusion}};
  if (r.best_epoch > 0) j["best_epoch"] = r.best_epoch;  // --patience: the epoch whose weights were tested
  write_file_atomic((fs::path(dir) / "result.json").string(), json_text(j));
}

bool read_fold_result(const std::string& dir, FoldResult* r) {
  const std::string path = (fs::path(dir) / "result.json").string();
  if (!fs::exists(path)) return false;
  try {
    const Json j = Json::parse(read_file(path));
    r->fold = j.at("fold").get<int>();
    r->accuracy = j.at("accuracy").get<double>();
    r->loss = j.at("loss").get<double>();
    r->epochs = j.at("epochs").get<int>();
    r->seconds = j.at("seconds").get<double>();
    r->confusion = j.at("confusion").get<Confusion>();
    r->best_epoch = j.value("best_epoch", 0);
  } catch (const nlohmann::json::exception& e) {
    fail<IoError>(path, ": malformed fold result (", e.what(), ")");
  }
  return true;
}

// --- summary.json -------------------------------------------------------------------------------

void write_summary(const std::string& out, const TrainConfig& c, const std::vector<FoldResult>& folds,
                   const std::vector<std::string>& classes, double seconds, double clips_per_s) {
  auto [m, sd] = mean_std(folds);
  Json per_fold = Json::array();
  for (const FoldResult& f : folds)
    per_fold.push_back({{"fold", f.fold}, {"accuracy", f.accuracy}, {"loss", f.loss}, {"seconds", f.seconds}});
  Json j = {{"model", c.model},
            {"dataset", c.dataset},
            {"classes", classes.size()},
            {"epochs", c.epochs},
            {"seed", c.seed},
            {"threads", c.threads},
            {"ranks", world().size()},  // processes under mpirun (1 without); threads is per rank
            {"selection", c.patience > 0 ? "best epoch on the validation fold (--patience; no selection on the test fold)"
                                         : "last epoch (no selection on the test fold)"},
            {"folds", per_fold},
            {"mean_accuracy", m},
            {"std_accuracy", sd},
            {"wall_seconds", seconds},
            {"train_clips_per_s", clips_per_s}};
  write_file_atomic((fs::path(out) / "summary.json").string(), json_text(j));
}

}  // namespace ag::app
