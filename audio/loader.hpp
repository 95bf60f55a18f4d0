// loader.hpp: batches of log-mel features and targets, prepared by background threads.
//
// Per clip (ClipPipeline):   load_audio (decode, mixdown, resample, fit)  ->  waveform augmentations
//                            -> log-mel (or the feature cache)  ->  spectrogram augmentations
// Per batch (BatchLoader):   optional mixup of waveforms (before features) or of log-mels, with the
//                            targets mixed by the same λ; stacked to (B, 1, T, F) float32.
//
// Reproducibility: the batch order of epoch e comes from Generator(seed, e), and every batch draws
// its randomness from its own Generator seeded by (seed, epoch, batch index). Batch k of epoch e is
// therefore the same whatever the number of workers or their timing, and next() returns batches in
// order.
//
// Threads: `num_workers` std::threads each take the next batch index not yet claimed, build it,
// and park it until the consumer asks; at most `prefetch` batches are ahead of the consumer.
// Workers compute each clip's log-mel on their own thread (no nested OpenMP), so they do not fight
// the training step's OpenMP team for more than their own cores. An exception in a worker (a file
// that fails to decode, say) is re-thrown by next(), naming the file.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audio/augment.hpp"
#include "audio/dataset.hpp"
#include "audio/feature_cache.hpp"
#include "audio/frontend.hpp"
#include "audio/load.hpp"
#include "tensor/tensor.hpp"

namespace ag::audio {

struct PipelineOptions {
  FrontendConfig frontend = FrontendConfig::erann();
  // load.sample_rate is taken from the front end; set length (samples) to fit clips, e.g. 220500.
  LoadOptions load;
  std::string augment;         // augmentation chain by name (see parse_augmentations); "" for none
  std::string cache_dir;       // "" disables the feature cache
  double waveform_mixup_alpha = 0;  // > 0: mix waveforms before features, λ ~ Beta(α, α)
  double logmel_mixup_alpha = 0;    // > 0: mix log-mels, λ ~ Beta(α, α)
  double mixup_p = 1.0;             // probability that a batch is mixed
  // Batches of waveforms (B, L) in Batch::waveforms instead of log-mels, for models with their own
  // front end (Wavegram-Logmel-CNN14). Waveform augmentations apply; either mixup alpha mixes the
  // waveforms; spectrogram augmentations and the feature cache do not apply.
  bool waveform_output = false;
};

// The augment_strength of epoch `epoch` (counted from 1) for augmentation that starts at epoch
// `from` and rises linearly to full over `ramp` epochs: 0 before `from`, then 1/ramp, 2/ramp, ...
// up to 1 (ramp 0: 1 from `from` on).
double augment_strength(int64_t epoch, int64_t from, int64_t ramp);

// One clip through the pipeline. Thread-safe (const after construction; the cache is thread-safe).
class ClipPipeline {
 public:
  explicit ClipPipeline(PipelineOptions options);
  const PipelineOptions& options() const { return options_; }
  const LogMel& logmel() const { return logmel_; }
  // True when features can come from the cache: the waveform is the same every epoch (no
  // random crop, no waveform augmentation or waveform mixup).
  bool cache_active() const { return cache_ != nullptr; }
  const FeatureCache* cache() const { return cache_.get(); }

  // `strength` in [0, 1] scales every augmentation's probability (AugmentChain::apply_*).
  std::vector<float> waveform(const AudioItem& item, Generator& gen, double strength = 1.0) const;  // (L,)
  // (T, F) features of a waveform, then spectrogram augmentations.
  std::vector<float> features(const std::vector<float>& wave, Generator& gen, double strength = 1.0) const;
  // The whole chain for one clip (uses the cache when active). (T, F)
  std::vector<float> clip(const AudioItem& item, Generator& gen, double strength = 1.0) const;
  const AugmentChain& augment() const { return augment_; }

 private:
  PipelineOptions options_;
  LogMel logmel_;
  AugmentChain augment_;
  std::unique_ptr<FeatureCache> cache_;
};

struct Batch {
  Tensor features;               // (B, 1, T, F) float32 (undefined with waveform_output)
  Tensor waveforms;              // (B, L) float32 with PipelineOptions::waveform_output
  Tensor labels;                 // (B,) int64: each clip's own class
  Tensor targets;                // (B, N) float32: one-hot, or mixed by mixup
  std::vector<int64_t> indices;  // (B,) dataset indices
  std::vector<double> lambdas;   // (B,) mixup λ per row (empty when not mixed)
  std::vector<int64_t> partners; // (B,) row i was mixed with row partners[i] (empty when not mixed)
  int64_t global_size = 0;       // clips in the global batch this is a rank's slice of (= B on one rank)
};

struct LoaderOptions {
  int64_t batch_size = 32;
  bool shuffle = true;
  bool drop_last = false;
  // Class-balanced sampling: each of the epoch's size() draws picks a class uniformly, then a clip
  // of that class uniformly (with replacement). For imbalanced data such as RAVDESS or user folders.
  bool balanced = false;
  uint64_t seed = 0;
  int num_workers = 2;  // 0: batches are built on the caller's thread inside next()
  int prefetch = 4;     // batches prepared ahead of the consumer
  // Data-parallel training (nn/distributed.hpp): this process is `rank` of `world`. The epoch order
  // and the global batches are the same on every rank (from `seed`); each rank loads its slice
  // [rank m / world, (rank + 1) m / world) of every global batch of m clips, so the ranks together
  // see exactly the batches one process would. A batch too small to give every rank a clip (the
  // last one, m < world) is left out on every rank. Rank 0 draws its augmentation from the same
  // streams as a single process; rank r > 0 from streams seeded by (seed, r, epoch, batch).
  int rank = 0;
  int world = 1;
};

class BatchLoader {
 public:
  BatchLoader(AudioDataset dataset, PipelineOptions pipeline, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  const AudioDataset& dataset() const { return dataset_; }
  const ClipPipeline& pipeline() const { return pipeline_; }
  int64_t batches_per_epoch() const;

  // The dataset indices of epoch `epoch`, in batch order (deterministic from the seed), before the
  // split over ranks.
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  // The clips of global batch `index` of m clips that this rank loads: [begin, end) of the m.
  std::pair<int64_t, int64_t> shard(int64_t m) const;
  // Starts (or restarts) an epoch; workers begin preparing its first batches at once.
  // `augment_strength` in [0, 1] scales the probability of every augmentation and of mixup for
  // this epoch: how training ramps augmentation in after a warm-up (0 = none, 1 = as configured).
  void start_epoch(int64_t epoch, double augment_strength = 1.0);
  // The next batch of the current epoch; false when the epoch is done.
  bool next(Batch& out);
  // Builds one batch synchronously (what the workers run).
  Batch make_batch(const std::vector<int64_t>& indices, Generator& gen, double augment_strength = 1.0) const;

 private:
  void worker_loop();
  void stop_workers();
  // The random stream of batch `index` of `epoch` on this rank.
  Generator batch_generator(int64_t epoch, int64_t index) const;
  // The number of clips of global batch `index`, over every rank.
  int64_t global_size(int64_t index) const;

  AudioDataset dataset_;
  ClipPipeline pipeline_;
  LoaderOptions options_;

  // Shared with the workers, guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable work_cv_, ready_cv_;
  bool stopping_ = false;
  uint64_t generation_ = 0;  // bumped by start_epoch; results of older generations are dropped
  int64_t epoch_ = -1;
  double strength_ = 1.0;  // the current epoch's augment_strength
  std::shared_ptr<const std::vector<std::vector<int64_t>>> batches_;
  int64_t next_claim_ = 0;    // next batch index a worker may take
  int64_t next_deliver_ = 0;  // next batch index next() returns
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };
  std::map<int64_t, Slot> ready_;
  std::vector<std::thread> workers_;
};

}  // namespace ag::audio
