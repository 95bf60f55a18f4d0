// bench_logmel: clips per second of LogMel on 5 s ESC-50 clips, for one preset and thread count.
//
//   bench_logmel --preset erann --threads 2 --clips 32 --rounds 3 [--esc50 ../shared/data/esc50]
//
// Loads the first `clips` clips of meta/esc50.csv (decoded, mixed, resampled to the preset's rate
// and fitted to 5 s: not timed), computes their log-mels once to warm up (FFTW plans, caches),
// then times `rounds` passes of LogMel::batch over all clips (OpenMP: one clip per thread) and
// prints one JSON line per round. bench_logmel.py runs this and torchaudio alternately.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "audio/dataset.hpp"
#include "audio/frontend.hpp"
#include "audio/load.hpp"
#include "tensor/parallel.hpp"

int main(int argc, char** argv) {
  using namespace ag::audio;
  std::string preset = "erann", esc50_dir = "../shared/data/esc50";
  int threads = 1, n_clips = 32, rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--preset") preset = value;
    else if (key == "--threads") threads = std::atoi(value.c_str());
    else if (key == "--clips") n_clips = std::atoi(value.c_str());
    else if (key == "--rounds") rounds = std::atoi(value.c_str());
    else if (key == "--esc50") esc50_dir = value;
    else {
      std::fprintf(stderr, "bench_logmel: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  try {
    const FrontendConfig cfg = FrontendConfig::preset(preset);
    ag::set_num_threads(threads);
    const AudioDataset ds = esc50(esc50_dir);
    LoadOptions load;
    load.sample_rate = cfg.sample_rate;
    load.length = 5 * static_cast<int64_t>(cfg.sample_rate);
    std::vector<std::vector<float>> clips;
    for (int i = 0; i < n_clips && i < ds.size(); ++i) clips.push_back(load_audio(ds[i].path, load));
    const LogMel logmel(cfg);
    ag::Tensor warm = logmel.batch(clips);  // (B, T, F)
    for (int r = 0; r < rounds; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      ag::Tensor out = logmel.batch(clips);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("{\"impl\": \"audiograd\", \"preset\": \"%s\", \"threads\": %d, \"clips\": %zu, \"shape\": \"%s\", "
                  "\"clips_per_s\": %.2f}\n",
                  preset.c_str(), threads, clips.size(), ag::shape_str(out.shape()).c_str(), clips.size() / s);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_logmel: %s\n", e.what());
    return 1;
  }
  return 0;
}
