// docs/examples/ch6_loader.cpp
// Batches for training: workers, augmentation by name, log-mel mixup, and the feature cache.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "audio/dataset.hpp"
#include "audio/decode.hpp"
#include "audio/loader.hpp"
#include "check.hpp"

using namespace ag::audio;
namespace fs = std::filesystem;

int main() {
  // A small dataset of 3 classes x 4 clips (1 s at 16 kHz), so the example runs anywhere.
  const fs::path root = fs::temp_directory_path() / "ch6_loader_data";
  fs::remove_all(root);
  for (int c = 0; c < 3; ++c) {
    fs::create_directories(root / ("class" + std::to_string(c)));
    for (int i = 0; i < 4; ++i) {
      std::vector<float> x(16000);
      for (size_t n = 0; n < x.size(); ++n) x[n] = 0.2f * std::sin(2 * 3.14159265f * (300.0f * (c + 1) + 10 * i) * n / 16000);
      write_wav((root / ("class" + std::to_string(c)) / (std::to_string(i) + ".wav")).string(), x, 1, 16000);
    }
  }
  const AudioDataset data = folder_dataset(root.string());

  PipelineOptions pipe;
  pipe.frontend = FrontendConfig::panns();  // 64 mels; resampled to the preset's 32 kHz
  pipe.load.length = 32000;                  // 1 s
  pipe.augment = "time_mask(max_width=20) freq_mask filter_augment(p=0.5)";  // SpecAugment + FilterAugment
  pipe.logmel_mixup_alpha = 1.0;             // mix log-mels and targets, λ ~ Beta(1, 1)
  pipe.cache_dir = (root / "cache").string();  // log-mels kept on disk between epochs

  LoaderOptions opt;
  opt.batch_size = 4;
  opt.num_workers = 2;  // two threads prepare the next batches while the model trains
  opt.seed = 7;
  BatchLoader loader(data, pipe, opt);

  for (int epoch = 0; epoch < 2; ++epoch) {
    loader.start_epoch(epoch);
    Batch batch;
    int n = 0;
    while (loader.next(batch)) {
      // features (B, 1, T, F); targets (B, N), each row a mix of two one-hots that sums to 1.
      CHECK(batch.features.shape() == ag::Shape({4, 1, 101, 64}));
      const auto t = batch.targets.to_vector<float>();
      for (int b = 0; b < 4; ++b) CHECK(std::fabs(t[3 * b] + t[3 * b + 1] + t[3 * b + 2] - 1.0f) < 1e-5f);
      ++n;
    }
    std::printf("epoch %d: %d batches; cache %lld hits, %lld misses\n", epoch, n,
                static_cast<long long>(loader.pipeline().cache()->hits()),
                static_cast<long long>(loader.pipeline().cache()->misses()));
  }
  // The second epoch read every log-mel from the cache (augmentation happens after it).
  CHECK(loader.pipeline().cache()->misses() == 12 && loader.pipeline().cache()->hits() == 12);
  fs::remove_all(root);
  return 0;
}
