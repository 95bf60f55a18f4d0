// docs/examples/ch6_datasets.cpp
// Listing datasets: ESC-50's folds and ESC-10, a folder of your own sounds, and bad files.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "audio/dataset.hpp"
#include "audio/decode.hpp"
#include "check.hpp"
#include "tensor/error.hpp"

using namespace ag::audio;
namespace fs = std::filesystem;

int main() {
  // ESC-50, if it is on this machine: 2000 clips, 5 folds; cross-validation fold 1.
  const std::string esc = "../shared/data/esc50";
  if (fs::exists(esc + "/meta/esc50.csv")) {
    const AudioDataset all = esc50(esc);
    const AudioDataset train = all.without_folds({1}), test = all.with_folds({1});
    std::printf("%s\n  fold 1: train %lld, test %lld; class 0 is '%s'\n", all.summary().c_str(),
                static_cast<long long>(train.size()), static_cast<long long>(test.size()),
                all.class_names()[0].c_str());
    CHECK(train.size() == 1600 && test.size() == 400);
    CHECK(esc50(esc, /*esc10=*/true).num_classes() == 10);
  }

  // Your own sounds: one sub-folder per class.
  const fs::path root = fs::temp_directory_path() / "ch6_my_sounds";
  fs::remove_all(root);
  for (const char* cls : {"bell", "knock"}) {
    fs::create_directories(root / cls);
    for (int i = 0; i < 3; ++i) {
      std::vector<float> x(8000);
      for (size_t n = 0; n < x.size(); ++n) x[n] = 0.3f * std::sin(0.05f * (cls[0] == 'b' ? 7 : 1) * n + i);
      write_wav((root / cls / ("take" + std::to_string(i) + ".wav")).string(), x, 1, 16000);
    }
  }
  // A file that is not audio: with check_audio it is found; skip_bad drops it, and says so.
  std::ofstream(root / "knock" / "take9.wav") << "not a wav file";
  DatasetOptions opt;
  opt.check_audio = true;
  try {
    folder_dataset(root.string(), opt);
    CHECK(false);  // not reached: a bad file is an error unless skip_bad is set
  } catch (const ag::IoError& e) {
    std::printf("without skip_bad: %s\n", e.what());
  }
  opt.skip_bad = true;
  const AudioDataset mine = folder_dataset(root.string(), opt);
  std::printf("%s\n", mine.summary().c_str());
  CHECK(mine.size() == 6 && mine.num_classes() == 2 && mine.bad_files().size() == 1);
  fs::remove_all(root);
  return 0;
}
