// dataset.cpp: see dataset.hpp.
#include "audio/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "audio/decode.hpp"
#include "tensor/error.hpp"

namespace ag::audio {
namespace fs = std::filesystem;

AudioDataset::AudioDataset(std::string name, std::vector<std::string> class_names, std::vector<AudioItem> items,
                           std::vector<BadFile> bad)
    : name_(std::move(name)), class_names_(std::move(class_names)), items_(std::move(items)), bad_(std::move(bad)) {}

const AudioItem& AudioDataset::operator[](int64_t i) const {
  if (i < 0 || i >= size()) fail<IndexError>(name_, ": index ", i, " out of range for ", size(), " clips");
  return items_[static_cast<size_t>(i)];
}

bool AudioDataset::multi_label() const {
  return std::any_of(items_.begin(), items_.end(), [](const AudioItem& it) { return !it.tags.empty(); });
}

std::vector<int64_t> AudioDataset::labels() const {
  std::vector<int64_t> out;
  for (const auto& it : items_) out.push_back(it.label);
  return out;
}

AudioDataset AudioDataset::filter(const std::function<bool(const AudioItem&)>& keep) const {
  std::vector<AudioItem> kept;
  for (const auto& it : items_)
    if (keep(it)) kept.push_back(it);
  return AudioDataset(name_, class_names_, kept, bad_);
}

AudioDataset AudioDataset::with_folds(const std::vector<int>& folds) const {
  const std::set<int> f(folds.begin(), folds.end());
  return filter([&](const AudioItem& it) { return f.count(it.fold) > 0; });
}

AudioDataset AudioDataset::without_folds(const std::vector<int>& folds) const {
  const std::set<int> f(folds.begin(), folds.end());
  return filter([&](const AudioItem& it) { return f.count(it.fold) == 0; });
}

std::string AudioDataset::summary() const {
  std::ostringstream os;
  std::set<int> folds;
  for (const auto& it : items_) folds.insert(it.fold);
  os << name_ << ": " << items_.size() << " clips, " << class_names_.size() << " classes";
  if (!folds.empty() && *folds.begin() > 0) os << ", folds " << *folds.begin() << "-" << *folds.rbegin();
  if (!bad_.empty()) {
    os << "; " << bad_.size() << " bad file" << (bad_.size() > 1 ? "s" : "") << " skipped:";
    for (const auto& b : bad_) os << "\n  " << b.path << ": " << b.reason;
  }
  return os.str();
}

std::string find_audio(const std::string& dir, const std::string& stem) {
  static const char* exts[] = {".wav", ".flac", ".ogg", ".WAV", ".FLAC", ".OGG", ".aiff", ".aif", ".au", ".opus", ".mp3"};
  for (const char* ext : exts) {
    fs::path p = fs::path(dir) / (stem + ext);
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  out.push_back(field);
  return out;
}

namespace {

// A CSV file as rows of named fields; IoError naming the file if it cannot be read or lacks columns.
const char* const kLineKey = "\x01line";  // no header names a column so
struct Csv {
  std::vector<std::map<std::string, std::string>> rows;
};
// `text` is the file's content, `path` names it in errors.
Csv parse_csv(const std::string& text, const std::string& path, const std::vector<std::string>& required, const char* what) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) fail<IoError>(what, ": '", path, "' is empty");
  const auto header = split_csv_line(line);
  for (const auto& col : required)
    if (std::find(header.begin(), header.end(), col) == header.end())
      fail<IoError>(what, ": '", path, "' has no column '", col, "'");
  Csv csv;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const auto fields = split_csv_line(line);
    if (fields.size() != header.size()) {
      fail<IoError>(what, ": '", path, "' line ", line_no, " has ", fields.size(), " fields, the header has ", header.size());
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size(); ++i) row[header[i]] = fields[i];
    row[kLineKey] = std::to_string(line_no);  // for errors that name the line
    csv.rows.push_back(std::move(row));
  }
  return csv;
}

std::string read_text(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail<IoError>(what, ": cannot open '", path, "' (is the dataset root right?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t to_int(const std::string& s, const std::string& path, const char* what) {
  try {
    size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  fail<IoError>(what, ": '", path, "': expected an integer, got '", s, "'");
}

std::string stem_of(const std::string& filename) { return fs::path(filename).stem().string(); }

// Locates each candidate's audio, checks it if asked, and either fails listing every bad file or
// moves the bad ones aside (skip_bad).
AudioDataset finish(const std::string& name, std::vector<std::string> classes, std::vector<AudioItem> items,
                    std::vector<BadFile> bad, const DatasetOptions& options) {
  std::vector<AudioItem> good;
  for (auto& it : items) {
    if (it.path.empty()) continue;  // already recorded as bad
    if (options.check_audio) {
      try {
        read_audio_info(it.path);
      } catch (const IoError& e) {
        bad.push_back({it.path, e.what()});
        continue;
      }
    }
    good.push_back(std::move(it));
  }
  if (!bad.empty() && !options.skip_bad) {
    std::ostringstream os;
    os << name << ": " << bad.size() << " bad file" << (bad.size() > 1 ? "s" : "") << " (pass skip_bad to skip them):";
    for (size_t i = 0; i < bad.size() && i < 10; ++i) os << "\n  " << bad[i].path << ": " << bad[i].reason;
    if (bad.size() > 10) os << "\n  ... and " << bad.size() - 10 << " more";
    throw IoError(os.str());
  }
  if (good.empty()) fail<IoError>(name, ": no usable clips found");
  return AudioDataset(name, std::move(classes), std::move(good), std::move(bad));
}

}  // namespace

AudioDataset esc50(const std::string& root, bool esc10, const DatasetOptions& options) {
  const std::string meta = (fs::path(root) / "meta" / "esc50.csv").string();
  return esc50_from_csv(read_text(meta, esc10 ? "esc10" : "esc50"), root, esc10, options);
}

AudioDataset esc50_from_csv(const std::string& csv_text, const std::string& root, bool esc10, const DatasetOptions& options) {
  const char* what = esc10 ? "esc10" : "esc50";
  const std::string meta = (fs::path(root) / "meta" / "esc50.csv").string();
  const Csv csv = parse_csv(csv_text, meta, {"filename", "fold", "target", "category", "esc10"}, what);
  std::map<int64_t, std::string> names;  // target -> category
  for (const auto& r : csv.rows) {
    if (esc10 && r.at("esc10") != "True") continue;
    names[to_int(r.at("target"), meta, what)] = r.at("category");
  }
  // ESC-10 renumbers its 10 targets 0-9 in ESC-50 order.
  std::map<int64_t, int64_t> remap;
  std::vector<std::string> classes;
  for (const auto& [target, category] : names) {
    remap[target] = static_cast<int64_t>(classes.size());
    classes.push_back(category);
  }
  std::vector<AudioItem> items;
  std::vector<BadFile> bad;
  const std::string audio_dir = (fs::path(root) / "audio").string();
  for (const auto& r : csv.rows) {
    if (esc10 && r.at("esc10") != "True") continue;
    AudioItem it;
    it.label = remap.at(to_int(r.at("target"), meta, what));
    it.fold = static_cast<int>(to_int(r.at("fold"), meta, what));
    it.path = find_audio(audio_dir, stem_of(r.at("filename")));
    if (it.path.empty()) bad.push_back({audio_dir + "/" + stem_of(r.at("filename")) + ".*", "missing (no wav/flac/ogg)"});
    items.push_back(it);
  }
  if (!esc10 && classes.size() != 50) fail<IoError>("esc50: '", meta, "' lists ", classes.size(), " classes, expected 50");
  return finish(esc10 ? "ESC-10" : "ESC-50", classes, items, bad, options);
}

AudioDataset urbansound8k(const std::string& root, const DatasetOptions& options) {
  const std::string meta = (fs::path(root) / "metadata" / "UrbanSound8K.csv").string();
  return urbansound8k_from_csv(read_text(meta, "urbansound8k"), root, options);
}

AudioDataset urbansound8k_from_csv(const std::string& csv_text, const std::string& root, const DatasetOptions& options) {
  const char* what = "urbansound8k";
  const std::string meta = (fs::path(root) / "metadata" / "UrbanSound8K.csv").string();
  const Csv csv = parse_csv(csv_text, meta, {"slice_file_name", "fold", "classID", "class"}, what);
  std::map<int64_t, std::string> names;
  for (const auto& r : csv.rows) names[to_int(r.at("classID"), meta, what)] = r.at("class");
  std::vector<std::string> classes;
  for (const auto& [id, name] : names) {
    if (id != static_cast<int64_t>(classes.size())) fail<IoError>(what, ": '", meta, "': class ids are not 0..N-1");
    classes.push_back(name);
  }
  std::vector<AudioItem> items;
  std::vector<BadFile> bad;
  for (const auto& r : csv.rows) {
    AudioItem it;
    it.label = to_int(r.at("classID"), meta, what);
    it.fold = static_cast<int>(to_int(r.at("fold"), meta, what));
    const std::string dir = (fs::path(root) / "audio" / ("fold" + std::to_string(it.fold))).string();
    it.path = find_audio(dir, stem_of(r.at("slice_file_name")));
    if (it.path.empty()) bad.push_back({dir + "/" + r.at("slice_file_name"), "missing"});
    items.push_back(it);
  }
  return finish("UrbanSound8K", classes, items, bad, options);
}

AudioDataset ravdess(const std::string& root, const DatasetOptions& options) {
  static const std::vector<std::string> emotions = {"neutral", "calm",    "happy",   "sad",
                                                    "angry",   "fearful", "disgust", "surprised"};
  std::error_code ec;
  if (!fs::is_directory(root, ec)) fail<IoError>("ravdess: '", root, "' is not a directory");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root, ec))
    if (e.is_regular_file() && e.path().extension() == ".wav") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<AudioItem> items;
  std::vector<BadFile> bad;
  for (const auto& p : files) {
    // modality-vocal_channel-emotion-intensity-statement-repetition-actor, e.g. 03-01-06-01-02-01-12
    std::vector<int> parts;
    std::stringstream ss(p.stem().string());
    std::string tok;
    bool ok = true;
    while (std::getline(ss, tok, '-')) {
      if (tok.size() != 2 || !std::isdigit(static_cast<unsigned char>(tok[0])) || !std::isdigit(static_cast<unsigned char>(tok[1]))) ok = false;
      else parts.push_back(std::stoi(tok));
    }
    if (!ok || parts.size() != 7 || parts[2] < 1 || parts[2] > 8 || parts[6] < 1) {
      bad.push_back({p.string(), "name is not a RAVDESS code MM-VV-EE-II-SS-RR-AA"});
      continue;
    }
    if (parts[0] != 3 || parts[1] != 1) continue;  // audio-only speech; song and video are not this dataset
    items.push_back({p.string(), parts[2] - 1, parts[6], {}});
  }
  return finish("RAVDESS-speech", emotions, items, bad, options);
}

AudioDataset tagged_csv(const std::string& csv_path, const std::vector<std::string>& classes, const DatasetOptions& options) {
  return tagged_csv_from_text(read_text(csv_path, "tags"), csv_path, classes, options);
}

AudioDataset tagged_csv_from_text(const std::string& csv_text, const std::string& csv_path, const std::vector<std::string>& classes,
                                  const DatasetOptions& options) {
  const char* what = "tags";
  if (classes.empty()) fail<ValueError>(what, ": '", csv_path, "': no classes to map its labels to");
  const Csv csv = parse_csv(csv_text, csv_path, {"filename", "labels"}, what);
  std::map<std::string, int64_t> index;
  for (size_t c = 0; c < classes.size(); ++c) index.emplace(classes[c], static_cast<int64_t>(c));
  auto trim = [](std::string t) {
    const size_t a = t.find_first_not_of(" \t\r"), b = t.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : t.substr(a, b - a + 1);
  };
  const std::string dir = fs::path(csv_path).parent_path().string();
  std::vector<AudioItem> items;
  std::vector<BadFile> bad;
  for (const auto& r : csv.rows) {
    const std::string& line = r.at(kLineKey);
    AudioItem it;
    std::stringstream ls(r.at("labels"));
    for (std::string piece; std::getline(ls, piece, ';');) {
      piece = trim(piece);
      if (piece.empty()) continue;
      auto at = index.find(piece);
      if (at == index.end())
        fail<IoError>(what, ": '", csv_path, "' line ", line, ": label '", piece, "' is not one of the model's ", classes.size(),
                      " classes (labels are class names separated by ';')");
      it.tags.push_back(at->second);
    }
    if (it.tags.empty()) fail<IoError>(what, ": '", csv_path, "' line ", line, ": no labels");
    std::sort(it.tags.begin(), it.tags.end());
    it.tags.erase(std::unique(it.tags.begin(), it.tags.end()), it.tags.end());
    it.label = it.tags[0];
    if (r.count("fold")) it.fold = static_cast<int>(to_int(r.at("fold"), csv_path, what));
    const std::string name = trim(r.at("filename"));
    const fs::path direct = fs::path(dir) / name;
    std::error_code ec;
    if (!name.empty() && fs::is_regular_file(direct, ec)) it.path = direct.string();
    else it.path = find_audio((fs::path(dir) / fs::path(name).parent_path()).string(), stem_of(name));
    if (it.path.empty()) bad.push_back({direct.string(), "missing"});
    items.push_back(std::move(it));
  }
  return finish("tagged clips (" + fs::path(csv_path).filename().string() + ")", classes, items, bad, options);
}

AudioDataset folder_dataset(const std::string& root, const DatasetOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) fail<IoError>("folder_dataset: '", root, "' is not a directory");
  std::vector<std::string> classes, files;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory()) classes.push_back(e.path().filename().string());
  for (const std::string& c : classes)
    for (const auto& e : fs::recursive_directory_iterator(fs::path(root) / c, ec))
      if (e.is_regular_file()) files.push_back(fs::path(e.path()).lexically_relative(root).string());
  return folder_dataset_from_listing(root, classes, files, options);
}

AudioDataset folder_dataset_from_listing(const std::string& root, std::vector<std::string> classes,
                                         const std::vector<std::string>& files, const DatasetOptions& options) {
  // A class is a direct sub-folder's name: one path component, not "." or "..".
  classes.erase(std::remove_if(classes.begin(), classes.end(),
                               [](const std::string& c) { return c.empty() || c == "." || c == ".." || c.find('/') != std::string::npos; }),
                classes.end());
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  if (classes.empty()) fail<IoError>("folder_dataset: '", root, "' has no class sub-folders (expected root/<class>/<clip>)");
  static const std::set<std::string> audio_ext = {".wav", ".flac", ".ogg", ".aiff", ".aif", ".au", ".opus", ".mp3",
                                                  ".WAV", ".FLAC", ".OGG"};
  std::vector<std::vector<std::string>> per_class(classes.size());
  for (const std::string& f : files) {
    const fs::path rel(f);
    if (rel.is_absolute() || rel.begin() == rel.end() || !audio_ext.count(rel.extension().string())) continue;
    const auto c = std::lower_bound(classes.begin(), classes.end(), rel.begin()->string());
    if (c == classes.end() || *c != rel.begin()->string() || std::next(rel.begin()) == rel.end()) continue;  // not inside a class folder
    per_class[size_t(c - classes.begin())].push_back((fs::path(root) / rel).string());
  }
  std::vector<AudioItem> items;
  for (size_t c = 0; c < classes.size(); ++c) {
    std::sort(per_class[c].begin(), per_class[c].end());
    for (auto& f : per_class[c]) items.push_back({f, static_cast<int64_t>(c), 0, {}});
  }
  return finish("folder:" + fs::path(root).filename().string(), classes, items, {}, options);
}

}  // namespace ag::audio
