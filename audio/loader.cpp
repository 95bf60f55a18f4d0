// loader.cpp: see loader.hpp.
#include "audio/loader.hpp"

#include <algorithm>
#include <numeric>

#include "tensor/error.hpp"

namespace ag::audio {

// --- ClipPipeline -------------------------------------------------------------------------------

namespace {
PipelineOptions normalised(PipelineOptions o) {
  o.load.sample_rate = o.frontend.sample_rate;
  // A clip must give at least one STFT frame.
  o.load.min_length = std::max<int64_t>(o.load.min_length, stft_minimum_length(o.frontend.stft()));
  return o;
}

std::string load_key(const LoadOptions& l) {
  return "load:rate=" + std::to_string(l.sample_rate) + ";mix=" + (l.mixdown == Mixdown::Sum ? "sum" : "mean") +
         ";quality=" + std::to_string(static_cast<int>(l.quality)) + ";clip=" + std::to_string(l.clip) +
         ";length=" + std::to_string(l.length) + ";fit=" + std::to_string(static_cast<int>(l.fit));
}

// A Generator for (seed, a, b): mixes the three through splitmix-style constants.
Generator derived_generator(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t s = seed ^ (0x9E3779B97F4A7C15ULL * (a + 1)) ^ (0xBF58476D1CE4E5B9ULL * (b + 1));
  return Generator(s);
}
}  // namespace

ClipPipeline::ClipPipeline(PipelineOptions options)
    : options_(normalised(std::move(options))),
      logmel_(options_.frontend),
      augment_(options_.augment, options_.frontend.sample_rate) {
  const bool deterministic_wave = options_.load.fit != FitMode::RandomCrop && !augment_.has_waveform() &&
                                  options_.waveform_mixup_alpha <= 0;
  if (!options_.cache_dir.empty() && deterministic_wave) {
    cache_ = std::make_unique<FeatureCache>(options_.cache_dir, options_.frontend.key() + "|" + load_key(options_.load));
  }
}

std::vector<float> ClipPipeline::waveform(const AudioItem& item, Generator& gen, double strength) const {
  std::vector<float> x = load_audio(item.path, options_.load, &gen);
  augment_.apply_waveform(x, gen, strength);
  return x;
}

std::vector<float> ClipPipeline::features(const std::vector<float>& wave, Generator& gen, double strength) const {
  std::vector<float> s = logmel_.compute(wave, /*parallel=*/false);
  const int64_t bins = logmel_.n_mels();
  augment_.apply_spectrogram(s.data(), static_cast<int64_t>(s.size()) / bins, bins, gen, strength);
  return s;
}

std::vector<float> ClipPipeline::clip(const AudioItem& item, Generator& gen, double strength) const {
  if (!cache_) return features(waveform(item, gen, strength), gen, strength);
  int64_t frames = 0, bins = 0;
  std::vector<float> s = cache_->get(item.path, &frames, &bins, [&](int64_t* t, int64_t* f) {
    std::vector<float> x = load_audio(item.path, options_.load, &gen);
    std::vector<float> m = logmel_.compute(x, false);
    *f = logmel_.n_mels();
    *t = static_cast<int64_t>(m.size()) / *f;
    return m;
  });
  augment_.apply_spectrogram(s.data(), frames, bins, gen, strength);
  return s;
}

double augment_strength(int64_t epoch, int64_t from, int64_t ramp) {
  if (from < 1 || ramp < 0) fail<ValueError>("augment_strength: needs from >= 1 and ramp >= 0, got from ", from, ", ramp ", ramp);
  if (epoch < from) return 0.0;
  if (ramp == 0) return 1.0;
  return std::min(1.0, static_cast<double>(epoch - from + 1) / static_cast<double>(ramp));
}

// --- BatchLoader ------------------------------------------------------------------------------

BatchLoader::BatchLoader(AudioDataset dataset, PipelineOptions pipeline, LoaderOptions options)
    : dataset_(std::move(dataset)), pipeline_(std::move(pipeline)), options_(options) {
  if (options_.batch_size < 1) fail<ValueError>("BatchLoader: batch_size must be >= 1, got ", options_.batch_size);
  if (options_.world < 1 || options_.rank < 0 || options_.rank >= options_.world)
    fail<ValueError>("BatchLoader: rank ", options_.rank, " of world ", options_.world, " (expected 0 <= rank < world)");
  if (options_.batch_size < options_.world)
    fail<ValueError>("BatchLoader: batch_size ", options_.batch_size, " cannot be split over ", options_.world,
                     " ranks (each needs at least one clip)");
  if (options_.num_workers < 0 || options_.prefetch < 1) {
    fail<ValueError>("BatchLoader: need num_workers >= 0 and prefetch >= 1, got ", options_.num_workers, ", ",
                     options_.prefetch);
  }
  if (dataset_.size() == 0) fail<ValueError>("BatchLoader: dataset '", dataset_.name(), "' is empty");
  for (int w = 0; w < options_.num_workers; ++w) workers_.emplace_back([this] { worker_loop(); });
}

BatchLoader::~BatchLoader() { stop_workers(); }

void BatchLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
}

int64_t BatchLoader::batches_per_epoch() const {
  const int64_t n = dataset_.size(), b = options_.batch_size, rest = n % b;
  return n / b + (!options_.drop_last && rest >= options_.world ? 1 : 0);
}

Generator BatchLoader::batch_generator(int64_t epoch, int64_t index) const {
  uint64_t seed = options_.seed;
  if (options_.rank > 0) seed = derived_generator(seed, 0xD157, static_cast<uint64_t>(options_.rank)).next_u64();
  return derived_generator(seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(index));
}

int64_t BatchLoader::global_size(int64_t index) const {
  return std::min<int64_t>(options_.batch_size, dataset_.size() - index * options_.batch_size);
}

std::pair<int64_t, int64_t> BatchLoader::shard(int64_t m) const {
  return {options_.rank * m / options_.world, (options_.rank + 1) * m / options_.world};
}

std::vector<int64_t> BatchLoader::epoch_order(int64_t epoch) const {
  const int64_t n = dataset_.size();
  Generator gen = derived_generator(options_.seed, static_cast<uint64_t>(epoch), 0xE90C);
  std::vector<int64_t> order(static_cast<size_t>(n));
  if (options_.balanced) {
    std::map<int64_t, std::vector<int64_t>> by_class;
    for (int64_t i = 0; i < n; ++i) by_class[dataset_[i].label].push_back(i);
    std::vector<const std::vector<int64_t>*> classes;
    for (const auto& [label, idx] : by_class) classes.push_back(&idx);
    for (auto& o : order) {
      const auto& members = *classes[static_cast<size_t>(gen.randint(0, static_cast<int64_t>(classes.size())))];
      o = members[static_cast<size_t>(gen.randint(0, static_cast<int64_t>(members.size())))];
    }
    return order;
  }
  std::iota(order.begin(), order.end(), 0);
  if (options_.shuffle)
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen.randint(0, i + 1)]);  // Fisher-Yates
  return order;
}

Batch BatchLoader::make_batch(const std::vector<int64_t>& indices, Generator& gen, double strength) const {
  if (!(strength >= 0 && strength <= 1))
    fail<ValueError>("BatchLoader: augment_strength must be in [0, 1], got ", strength);
  const PipelineOptions& po = pipeline_.options();
  const double mixup_p = po.mixup_p * strength;
  const int64_t B = static_cast<int64_t>(indices.size());
  const int64_t N = dataset_.num_classes();
  std::vector<float> targets(static_cast<size_t>(B * N), 0.0f);
  std::vector<int64_t> labels(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    labels[b] = dataset_[indices[b]].label;
    targets[b * N + labels[b]] = 1.0f;
  }
  Batch out;
  out.indices = indices;
  if (po.waveform_output) {
    // Raw waveforms for a model with its own front end: (B, L), mixed if either mixup is on.
    std::vector<float> flat;
    int64_t L = -1;
    for (int64_t b = 0; b < B; ++b) {
      std::vector<float> w = pipeline_.waveform(dataset_[indices[b]], gen, strength);
      if (L >= 0 && static_cast<int64_t>(w.size()) != L)
        fail<ShapeError>("BatchLoader: clip '", dataset_[indices[b]].path, "' has ", w.size(), " samples, the batch ", L,
                         "; set load.length so every clip has the same length");
      L = static_cast<int64_t>(w.size());
      flat.insert(flat.end(), w.begin(), w.end());
    }
    const double alpha = po.waveform_mixup_alpha > 0 ? po.waveform_mixup_alpha : po.logmel_mixup_alpha;
    if (alpha > 0 && B > 1 && gen.bernoulli(mixup_p))
      out.lambdas = mixup(flat.data(), B, L, targets.data(), N, gen, alpha, &out.partners);
    out.waveforms = from_vector(flat, {B, L});
    out.labels = from_vector(labels, {B});
    out.targets = from_vector(targets, {B, N});
    return out;
  }
  std::vector<std::vector<float>> feats(static_cast<size_t>(B));
  const bool mix_wave = po.waveform_mixup_alpha > 0 && B > 1 && gen.bernoulli(mixup_p);
  if (mix_wave) {
    // Waveform-level mixup: all clips of the batch first, mixed, then features.
    std::vector<std::vector<float>> waves(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) waves[b] = pipeline_.waveform(dataset_[indices[b]], gen, strength);
    const int64_t L = static_cast<int64_t>(waves[0].size());
    std::vector<float> flat;
    for (auto& w : waves) {
      if (static_cast<int64_t>(w.size()) != L) {
        fail<ShapeError>("BatchLoader: waveform mixup needs equal clip lengths; set load.length (got ", w.size(),
                         " and ", L, " samples)");
      }
      flat.insert(flat.end(), w.begin(), w.end());
    }
    out.lambdas = mixup(flat.data(), B, L, targets.data(), N, gen, po.waveform_mixup_alpha, &out.partners);
    for (int64_t b = 0; b < B; ++b) {
      feats[b] = pipeline_.features(std::vector<float>(flat.begin() + b * L, flat.begin() + (b + 1) * L), gen, strength);
    }
  } else {
    for (int64_t b = 0; b < B; ++b) feats[b] = pipeline_.clip(dataset_[indices[b]], gen, strength);
  }
  const int64_t F = pipeline_.logmel().n_mels();
  const int64_t T = static_cast<int64_t>(feats[0].size()) / F;
  for (int64_t b = 0; b < B; ++b) {
    if (static_cast<int64_t>(feats[b].size()) != T * F) {
      fail<ShapeError>("BatchLoader: clip '", dataset_[indices[b]].path, "' gives ", feats[b].size() / F,
                       " frames, the batch has ", T, "; set load.length so every clip has the same length");
    }
  }
  out.features = zeros({B, 1, T, F}, DType::Float32);  // (B, 1, T, F)
  float* dst = out.features.data_ptr<float>();
  for (int64_t b = 0; b < B; ++b) std::copy(feats[b].begin(), feats[b].end(), dst + b * T * F);
  if (!mix_wave && po.logmel_mixup_alpha > 0 && B > 1 && gen.bernoulli(mixup_p)) {
    out.lambdas = mixup(dst, B, T * F, targets.data(), N, gen, po.logmel_mixup_alpha, &out.partners);
  }
  out.labels = from_vector(labels, {B});
  out.targets = from_vector(targets, {B, N});
  return out;
}

void BatchLoader::start_epoch(int64_t epoch, double augment_strength) {
  if (!(augment_strength >= 0 && augment_strength <= 1))
    fail<ValueError>("BatchLoader::start_epoch: augment_strength must be in [0, 1], got ", augment_strength);
  const std::vector<int64_t> order = epoch_order(epoch);
  auto batches = std::make_shared<std::vector<std::vector<int64_t>>>();
  for (size_t i = 0; i < order.size(); i += options_.batch_size) {
    const size_t end = std::min(order.size(), i + static_cast<size_t>(options_.batch_size));
    if (options_.drop_last && end - i < static_cast<size_t>(options_.batch_size)) break;
    const int64_t m = static_cast<int64_t>(end - i);
    if (m < options_.world) break;  // too small to give every rank a clip
    const auto [b, e] = shard(m);
    batches->emplace_back(order.begin() + static_cast<std::ptrdiff_t>(i) + b, order.begin() + static_cast<std::ptrdiff_t>(i) + e);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation_;
    epoch_ = epoch;
    strength_ = augment_strength;
    batches_ = batches;
    next_claim_ = 0;
    next_deliver_ = 0;
    ready_.clear();
  }
  work_cv_.notify_all();
}

void BatchLoader::worker_loop() {
  for (;;) {
    int64_t index = 0, epoch = 0;
    uint64_t generation = 0;
    double strength = 1.0;
    std::shared_ptr<const std::vector<std::vector<int64_t>>> batches;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [&] {
        return stopping_ || (batches_ && next_claim_ < static_cast<int64_t>(batches_->size()) &&
                             next_claim_ < next_deliver_ + options_.prefetch);
      });
      if (stopping_) return;
      index = next_claim_++;
      generation = generation_;
      epoch = epoch_;
      strength = strength_;
      batches = batches_;
    }
    Slot slot;
    try {
      Generator gen = batch_generator(epoch, index);
      slot.batch = make_batch((*batches)[static_cast<size_t>(index)], gen, strength);
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (generation != generation_) continue;  // the epoch was restarted meanwhile
      ready_[index] = std::move(slot);
    }
    ready_cv_.notify_all();
  }
}

bool BatchLoader::next(Batch& out) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!batches_) fail<ValueError>("BatchLoader::next: call start_epoch(epoch) first");
  if (next_deliver_ >= static_cast<int64_t>(batches_->size())) return false;
  const int64_t index = next_deliver_;
  if (workers_.empty()) {
    // No workers: build it here.
    auto batches = batches_;
    const int64_t epoch = epoch_;
    const double strength = strength_;
    ++next_deliver_;
    ++next_claim_;
    lock.unlock();
    Generator gen = batch_generator(epoch, index);
    out = make_batch((*batches)[static_cast<size_t>(index)], gen, strength);
    out.global_size = global_size(index);
    return true;
  }
  ready_cv_.wait(lock, [&] { return ready_.count(index) > 0; });
  Slot slot = std::move(ready_[index]);
  ready_.erase(index);
  ++next_deliver_;
  lock.unlock();
  work_cv_.notify_all();  // a prefetch slot is free
  if (slot.error) std::rethrow_exception(slot.error);
  out = std::move(slot.batch);
  out.global_size = global_size(index);
  return true;
}

}  // namespace ag::audio
