// dataset.hpp: lists of labelled audio files for the data sets this project trains on.
//
// A dataset here is metadata only: for each clip its path, class index and fold. Decoding,
// features and batching are the loader's job (audio/loader.hpp), so listing 2000 clips costs
// milliseconds.
//
//   esc50(root)          ESC-50: root/meta/esc50.csv (filename,fold,target,category,esc10,...),
//                        50 classes x 40 clips, folds 1-5. `esc10 = true` keeps the 400 ESC-10 clips
//                        with their 10 classes renumbered 0-9 (in ESC-50 target order).
//   urbansound8k(root)   root/metadata/UrbanSound8K.csv, clips in root/audio/fold<k>/, 10 classes, folds 1-10.
//   ravdess(root)        RAVDESS speech: root/Actor_XX/03-01-EE-II-SS-RR-AA.wav; label = emotion EE
//                        (8 classes), fold = actor AA (1-24); song files (vocal channel 02) are skipped.
//   folder_dataset(root) root/<class name>/*.<audio>: classes are the sub-folders, sorted by name.
//   tagged_csv(csv, classes)  multi-label clips (AudioSet-style tagging): a CSV with columns
//                        filename and labels (class names separated by ';'; AudioSet's names hold
//                        commas) and optionally fold; files relative to the CSV's folder. The
//                        classes are given (a tagger's, from its checkpoint); a label that is not
//                        one of them is an error naming the file, line and label.
//
// Audio is found as `<dir>/<stem>.<ext>` trying wav, flac, ogg (then any extension libsndfile
// reads), so the official ESC-50 WAV clone and the OGG release in ../shared/data/esc50 both work.
//
// Bad files are never dropped silently: a missing file (and, with `check_audio`, one whose header
// libsndfile cannot read) is an IoError listing every bad file, unless `skip_bad` is set; then the
// dataset keeps them in bad_files() and says so in summary(), which apps print.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ag::audio {

struct AudioItem {
  std::string path;
  int64_t label = 0;  // class index in [0, num_classes)
  int fold = 0;       // 0 when the dataset has no folds
  // Multi-label data (tagged_csv): every class the clip holds, ascending; `label` is the first.
  // Empty for single-label data sets.
  std::vector<int64_t> tags;
};

struct BadFile {
  std::string path;
  std::string reason;
};

struct DatasetOptions {
  bool skip_bad = false;     // drop (and report) bad files instead of failing
  bool check_audio = false;  // also open every file's header (catches empty/corrupt files early)
};

class AudioDataset {
 public:
  AudioDataset() = default;
  AudioDataset(std::string name, std::vector<std::string> class_names, std::vector<AudioItem> items,
               std::vector<BadFile> bad = {});

  const std::string& name() const { return name_; }
  int64_t size() const { return static_cast<int64_t>(items_.size()); }
  const AudioItem& operator[](int64_t i) const;
  const std::vector<AudioItem>& items() const { return items_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  int64_t num_classes() const { return static_cast<int64_t>(class_names_.size()); }
  const std::vector<BadFile>& bad_files() const { return bad_; }
  std::vector<int64_t> labels() const;
  // True when the clips carry several labels each (tagged_csv).
  bool multi_label() const;

  // The clips whose fold is (not) in `folds`: 5-fold cross-validation is
  // train = without_folds({k}), test = with_folds({k}).
  AudioDataset with_folds(const std::vector<int>& folds) const;
  AudioDataset without_folds(const std::vector<int>& folds) const;
  AudioDataset filter(const std::function<bool(const AudioItem&)>& keep) const;

  // "ESC-50: 2000 clips, 50 classes, folds 1-5" plus a line per bad file skipped.
  std::string summary() const;

 private:
  std::string name_;
  std::vector<std::string> class_names_;
  std::vector<AudioItem> items_;
  std::vector<BadFile> bad_;
};

AudioDataset esc50(const std::string& root, bool esc10 = false, const DatasetOptions& options = {});
AudioDataset urbansound8k(const std::string& root, const DatasetOptions& options = {});
AudioDataset ravdess(const std::string& root, const DatasetOptions& options = {});
AudioDataset folder_dataset(const std::string& root, const DatasetOptions& options = {});
AudioDataset tagged_csv(const std::string& csv_path, const std::vector<std::string>& classes, const DatasetOptions& options = {});
AudioDataset tagged_csv_from_text(const std::string& csv_text, const std::string& csv_path, const std::vector<std::string>& classes,
                                  const DatasetOptions& options = {});

// The readers above, from metadata already in memory (the fuzz targets use these; the functions
// above read the files and call them): the CSV's text, or the folder's listing (class folder names,
// and file paths relative to root, "<class>/<clip>.wav"). Audio files are still looked up on disk.
AudioDataset esc50_from_csv(const std::string& csv_text, const std::string& root, bool esc10 = false,
                            const DatasetOptions& options = {});
AudioDataset urbansound8k_from_csv(const std::string& csv_text, const std::string& root, const DatasetOptions& options = {});
AudioDataset folder_dataset_from_listing(const std::string& root, std::vector<std::string> classes,
                                         const std::vector<std::string>& files, const DatasetOptions& options = {});

// `<dir>/<stem>.<ext>` for the first extension that exists (wav, flac, ogg, then others libsndfile
// reads), or "" when none does.
std::string find_audio(const std::string& dir, const std::string& stem);

// Splits one CSV line (RFC 4180: quoted fields may hold commas and doubled quotes).
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace ag::audio
