// Datasets (ESC-50 real and fake layouts, UrbanSound8K, RAVDESS, folders), bad-file handling,
// the feature cache and the batch loader.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "audio/dataset.hpp"
#include "audio/decode.hpp"
#include "audio/feature_cache.hpp"
#include "audio/loader.hpp"
#include "tensor/elementwise.hpp"
#include "test_utils.hpp"

namespace ag::audio {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}
void write_clip(const std::string& path, double freq, int rate = 16000, int64_t n = 8000) {
  fs::create_directories(fs::path(path).parent_path());
  write_wav(path, testing::sine(freq, rate, n, 0.3), 1, rate, WavFormat::Pcm16);
}

TEST(Dataset, RealEsc50AndEsc10) {
  SKIP_WITHOUT_ESC50();
  const auto ds = esc50(testing::esc50_dir());
  EXPECT_EQ(ds.size(), 2000);
  EXPECT_EQ(ds.num_classes(), 50);
  EXPECT_EQ(ds.class_names()[0], "dog");
  std::map<int, int> per_fold;
  std::map<int64_t, int> per_class;
  for (const auto& it : ds.items()) per_fold[it.fold]++, per_class[it.label]++;
  EXPECT_EQ(per_fold, (std::map<int, int>{{1, 400}, {2, 400}, {3, 400}, {4, 400}, {5, 400}}));
  for (const auto& [c, n] : per_class) EXPECT_EQ(n, 40) << c;
  EXPECT_TRUE(fs::exists(ds[0].path));
  EXPECT_EQ(ds.without_folds({1}).size(), 1600);
  EXPECT_EQ(ds.with_folds({1}).size(), 400);
  const auto e10 = esc50(testing::esc50_dir(), true);
  EXPECT_EQ(e10.size(), 400);
  EXPECT_EQ(e10.num_classes(), 10);
  const auto label_list = e10.labels();
  std::set<int64_t> labels(label_list.begin(), label_list.end());
  EXPECT_EQ(labels.size(), 10u);
  EXPECT_EQ(*labels.rbegin(), 9);
  EXPECT_EQ(e10.class_names()[0], "dog");
}

// A tiny ESC-50 in the official WAV layout, with one clip missing.
std::string fake_esc50(const TempDir& dir, bool with_missing) {
  std::string csv = "filename,fold,target,category,esc10,src_file,take\n";
  for (int c = 0; c < 50; ++c) {
    const std::string name = "1-" + std::to_string(100 + c) + "-A-" + std::to_string(c);
    csv += name + ".wav,1," + std::to_string(c) + ",class" + std::to_string(c) + (c < 10 ? ",True" : ",False") + ",x,A\n";
    if (!(with_missing && c == 7)) write_clip(dir.file("esc/audio/" + name + ".wav"), 300 + c);
  }
  write_text(dir.file("esc/meta/esc50.csv"), csv);
  return dir.file("esc");
}

TEST(Dataset, MissingFilesAreListedOrSkippedWhenAsked) {
  TempDir dir;
  const std::string root = fake_esc50(dir, true);
  try {
    esc50(root);
    ADD_FAILURE() << "missing clip not reported";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("1-107-A-7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("skip_bad"), std::string::npos) << e.what();
  }
  DatasetOptions opt;
  opt.skip_bad = true;
  const auto ds = esc50(root, false, opt);
  EXPECT_EQ(ds.size(), 49);
  ASSERT_EQ(ds.bad_files().size(), 1u);
  EXPECT_NE(ds.summary().find("1 bad file skipped"), std::string::npos) << ds.summary();
  // check_audio also catches a file that exists but is not audio.
  std::ofstream(dir.file("esc/audio/1-108-A-8.wav")) << "garbage";
  opt.check_audio = true;
  const auto ds2 = esc50(root, false, opt);
  EXPECT_EQ(ds2.size(), 48);
  EXPECT_EQ(ds2.bad_files().size(), 2u);
  EXPECT_THROW(esc50(dir.file("nowhere")), IoError);
}

TEST(Dataset, UrbanSoundRavdessAndFolders) {
  TempDir dir;
  write_text(dir.file("us/metadata/UrbanSound8K.csv"),
             "slice_file_name,fsID,start,end,salience,fold,classID,class\n"
             "a.wav,1,0,1,1,1,0,air_conditioner\nb.wav,2,0,1,1,2,1,car_horn\n\"c.wav\",3,0,1,1,2,1,\"car_horn\"\n");
  write_clip(dir.file("us/audio/fold1/a.wav"), 200);
  write_clip(dir.file("us/audio/fold2/b.wav"), 300);
  write_clip(dir.file("us/audio/fold2/c.wav"), 400);
  const auto us = urbansound8k(dir.file("us"));
  EXPECT_EQ(us.size(), 3);
  EXPECT_EQ(us.class_names(), (std::vector<std::string>{"air_conditioner", "car_horn"}));
  EXPECT_EQ(us[2].fold, 2);
  EXPECT_EQ(us[2].label, 1);

  write_clip(dir.file("rv/Actor_01/03-01-05-01-02-01-01.wav"), 200);  // angry, actor 1
  write_clip(dir.file("rv/Actor_02/03-01-01-01-01-02-02.wav"), 200);  // neutral, actor 2
  write_clip(dir.file("rv/Actor_02/03-02-03-01-01-02-02.wav"), 200);  // song: not in the speech set
  const auto rv = ravdess(dir.file("rv"));
  ASSERT_EQ(rv.size(), 2);
  EXPECT_EQ(rv.num_classes(), 8);
  EXPECT_EQ(rv[0].label, 4);
  EXPECT_EQ(rv.class_names()[rv[0].label], "angry");
  EXPECT_EQ(rv[1].fold, 2);
  write_clip(dir.file("rv/Actor_03/notes.wav"), 200);
  EXPECT_THROW(ravdess(dir.file("rv")), IoError);  // a name that is not a RAVDESS code

  write_clip(dir.file("mine/knock/1.wav"), 200);
  write_clip(dir.file("mine/knock/2.flac"), 200);
  write_clip(dir.file("mine/bell/x.wav"), 900);
  write_text(dir.file("mine/bell/readme.txt"), "not audio");
  const auto fd = folder_dataset(dir.file("mine"));
  EXPECT_EQ(fd.class_names(), (std::vector<std::string>{"bell", "knock"}));
  EXPECT_EQ(fd.size(), 3);
  EXPECT_EQ(fd[0].label, 0);
  EXPECT_EQ(split_csv_line("a,\"b,c\",\"d\"\"e\""), (std::vector<std::string>{"a", "b,c", "d\"e"}));
}

TEST(FeatureCache, HitMissInvalidationAndCorruptEntries) {
  TempDir dir;
  write_clip(dir.file("a.wav"), 440);
  FeatureCache cache(dir.file("cache"), "cfg-1");
  int computed = 0;
  auto compute = [&](int64_t* t, int64_t* f) {
    ++computed;
    *t = 2, *f = 3;
    return std::vector<float>{1, 2, 3, 4, 5, 6};
  };
  int64_t t = 0, f = 0;
  EXPECT_EQ(cache.get(dir.file("a.wav"), &t, &f, compute), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(cache.get(dir.file("a.wav"), &t, &f, compute), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(computed, 1);
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(t, 2);
  EXPECT_EQ(f, 3);
  // Another configuration does not see the entry.
  FeatureCache other(dir.file("cache"), "cfg-2");
  other.get(dir.file("a.wav"), &t, &f, compute);
  EXPECT_EQ(computed, 2);
  // Rewriting the audio (new size) invalidates it.
  write_clip(dir.file("a.wav"), 440, 16000, 9000);
  cache.get(dir.file("a.wav"), &t, &f, compute);
  EXPECT_EQ(computed, 3);
  // A truncated entry is a miss, recomputed and repaired.
  const std::string entry = cache.entry_path(dir.file("a.wav"));
  fs::resize_file(entry, fs::file_size(entry) - 4);
  std::vector<float> data;
  EXPECT_FALSE(cache.load(dir.file("a.wav"), &data, &t, &f));
  cache.get(dir.file("a.wav"), &t, &f, compute);
  EXPECT_EQ(computed, 4);
  EXPECT_TRUE(cache.load(dir.file("a.wav"), &data, &t, &f));
}

TEST(FeatureCache, ConcurrentWritersNeverLeaveHalfEntries) {
  TempDir dir;
  for (int i = 0; i < 4; ++i) write_clip(dir.file("c" + std::to_string(i) + ".wav"), 300 + i);
  // Two "runs" (separate cache objects, as two processes would have) x 4 threads, same entries.
  FeatureCache run_a(dir.file("cache"), "k"), run_b(dir.file("cache"), "k");
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int th = 0; th < 8; ++th) {
    threads.emplace_back([&, th] {
      FeatureCache& c = th % 2 ? run_a : run_b;
      for (int rep = 0; rep < 30; ++rep) {
        const int i = (th + rep) % 4;
        int64_t t = 0, f = 0;
        auto v = c.get(dir.file("c" + std::to_string(i) + ".wav"), &t, &f, [&](int64_t* tt, int64_t* ff) {
          *tt = 1000, *ff = 64;
          return std::vector<float>(64000, static_cast<float>(i));
        });
        if (t != 1000 || f != 64 || v.size() != 64000u || v.front() != i || v.back() != i) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir.file("cache"))) {
    EXPECT_EQ(e.path().extension(), ".agf") << "left behind: " << e.path();
    ++entries;
  }
  EXPECT_EQ(entries, 4);
}

// A small front end so loader tests stay fast: 16 kHz, 0.5 s clips.
PipelineOptions small_pipeline() {
  PipelineOptions p;
  p.frontend.sample_rate = 16000;
  p.frontend.n_fft = 512;
  p.frontend.win_length = 400;
  p.frontend.hop_length = 160;
  p.frontend.n_mels = 40;
  p.frontend.f_max = 8000;
  p.load.length = 8000;
  return p;
}

AudioDataset small_folder(const TempDir& dir, const std::vector<int>& per_class) {
  for (size_t c = 0; c < per_class.size(); ++c)
    for (int i = 0; i < per_class[c]; ++i)
      write_clip(dir.file("set/class" + std::to_string(c) + "/" + std::to_string(i) + ".wav"), 200 + 100 * c + 7 * i, 16000,
                 6000 + 500 * i);
  return folder_dataset(dir.file("set"));
}

TEST(Loader, EpochIsAPermutationAndSeedsReproduce) {
  TempDir dir;
  const auto ds = small_folder(dir, {5, 5, 3});
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.num_workers = 0;
  lo.seed = 1;
  BatchLoader loader(ds, small_pipeline(), lo);
  EXPECT_EQ(loader.batches_per_epoch(), 4);
  auto o0 = loader.epoch_order(0), o1 = loader.epoch_order(1);
  auto sorted = o0;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < ds.size(); ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(o0, o1);
  BatchLoader again(ds, small_pipeline(), lo);
  EXPECT_EQ(again.epoch_order(1), o1);
}

TEST(Loader, WorkersGiveTheSameBatchesAsTheCallerThread) {
  TempDir dir;
  const auto ds = small_folder(dir, {4, 4, 4});
  PipelineOptions po = small_pipeline();
  po.augment = "gain(p=0.5) time_mask(max_width=10) freq_mask";
  po.logmel_mixup_alpha = 1.0;
  auto run = [&](int workers) {
    LoaderOptions lo;
    lo.batch_size = 5;
    lo.num_workers = workers;
    lo.prefetch = 2;
    lo.seed = 3;
    BatchLoader loader(ds, po, lo);
    std::vector<std::vector<float>> out;
    for (int epoch = 0; epoch < 2; ++epoch) {
      loader.start_epoch(epoch);
      Batch b;
      while (loader.next(b)) {
        out.push_back(b.features.to_vector<float>());
        out.push_back(b.targets.to_vector<float>());
      }
    }
    return out;
  };
  const auto serial = run(0);
  EXPECT_EQ(serial.size(), 2u * 2 * 3);  // 2 epochs x 3 batches x (features, targets)
  EXPECT_EQ(run(2), serial);
  EXPECT_EQ(run(3), serial);
}

TEST(Loader, BatchHoldsLogMelsOneHotTargetsAndMixup) {
  TempDir dir;
  const auto ds = small_folder(dir, {2, 2});
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.shuffle = false;
  lo.num_workers = 1;
  BatchLoader loader(ds, small_pipeline(), lo);
  loader.start_epoch(0);
  Batch b;
  ASSERT_TRUE(loader.next(b));
  EXPECT_EQ(b.features.shape(), (Shape{4, 1, 51, 40}));
  EXPECT_EQ(b.labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(b.targets.to_vector<float>(), (std::vector<float>{1, 0, 1, 0, 0, 1, 0, 1}));
  // Row 2 is the log-mel of clip 2, fitted to 8000 samples.
  LoadOptions l = small_pipeline().load;
  l.sample_rate = 16000;
  const auto expect = LogMel(small_pipeline().frontend).compute(load_audio(ds[2].path, l));
  const auto got = b.features.to_vector<float>();
  for (size_t i = 0; i < expect.size(); ++i) ASSERT_EQ(got[2 * 51 * 40 + i], expect[i]);
  EXPECT_FALSE(loader.next(b));

  // Log-mel mixup: targets mixed with the λ reported, rows are the same mix of two clips.
  PipelineOptions po = small_pipeline();
  po.logmel_mixup_alpha = 1.0;
  BatchLoader mixed(ds, po, lo);
  mixed.start_epoch(0);
  ASSERT_TRUE(mixed.next(b));
  ASSERT_EQ(b.lambdas.size(), 4u);
  const auto t = b.targets.to_vector<float>();
  for (int r = 0; r < 4; ++r) {
    EXPECT_NEAR(t[2 * r] + t[2 * r + 1], 1.0, 1e-6);
    const float own = t[2 * r + (r < 2 ? 0 : 1)];
    EXPECT_GE(own, static_cast<float>(b.lambdas[r]) - 1e-6);  // own class gets at least λ
  }
}

TEST(Loader, AugmentStrengthRampsLinearlyFromItsEpoch) {
  // Off before epoch 3, then 1/4, 2/4, 3/4, 1, and 1 after.
  const std::vector<double> expect = {0, 0, 0.25, 0.5, 0.75, 1, 1};
  for (int64_t e = 1; e <= 7; ++e) EXPECT_DOUBLE_EQ(augment_strength(e, 3, 4), expect[e - 1]) << "epoch " << e;
  EXPECT_DOUBLE_EQ(augment_strength(1, 1, 0), 1.0);  // the default: full from the first epoch
  EXPECT_DOUBLE_EQ(augment_strength(4, 5, 0), 0.0);
  EXPECT_THROW(augment_strength(1, 0, 0), ValueError);
  EXPECT_THROW(augment_strength(1, 1, -1), ValueError);
}

TEST(Loader, AugmentStrengthZeroGivesThePlainBatchAndOneTheConfiguredChain) {
  TempDir dir;
  const auto ds = small_folder(dir, {3, 3});
  PipelineOptions augmented = small_pipeline();
  augmented.augment = "gain(p=1) time_mask(p=1,max_width=10) freq_mask(p=1)";
  augmented.logmel_mixup_alpha = 1.0;
  LoaderOptions lo;
  lo.batch_size = 6;
  lo.num_workers = 1;
  lo.seed = 5;
  auto first_batch = [&](const PipelineOptions& po, double strength, Batch* out) {
    BatchLoader loader(ds, po, lo);
    loader.start_epoch(0, strength);
    ASSERT_TRUE(loader.next(*out));
  };
  Batch plain, off, full, by_default;
  first_batch(small_pipeline(), 1.0, &plain);
  first_batch(augmented, 0.0, &off);
  first_batch(augmented, 1.0, &full);
  first_batch(small_pipeline(), 0.0, &by_default);
  // Strength 0: no augmentation and no mixup; the same clips in the same order as without any.
  EXPECT_TRUE(off.lambdas.empty());
  EXPECT_EQ(off.features.to_vector<float>(), plain.features.to_vector<float>());
  EXPECT_EQ(off.targets.to_vector<float>(), plain.targets.to_vector<float>());
  // Strength 1: every augmentation with p = 1 fired and the batch was mixed.
  EXPECT_EQ(full.lambdas.size(), 6u);
  EXPECT_NE(full.features.to_vector<float>(), plain.features.to_vector<float>());
  EXPECT_EQ(by_default.features.to_vector<float>(), plain.features.to_vector<float>());
  BatchLoader loader(ds, augmented, lo);
  EXPECT_THROW(loader.start_epoch(0, 1.5), ValueError);
  EXPECT_THROW(loader.start_epoch(0, -0.1), ValueError);
  Generator gen(1);
  EXPECT_THROW(loader.make_batch({0, 1}, gen, NAN), ValueError);
  std::vector<float> x(100, 0.5f);
  EXPECT_THROW(AugmentChain("gain").apply_waveform(x, gen, 2.0), ValueError);
}

TEST(Loader, WaveformMixupMixesAudioBeforeFeatures) {
  TempDir dir;
  const auto ds = small_folder(dir, {2, 2});
  PipelineOptions po = small_pipeline();
  po.waveform_mixup_alpha = 1.0;
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.shuffle = false;
  lo.num_workers = 0;
  BatchLoader loader(ds, po, lo);
  loader.start_epoch(0);
  Batch b;
  ASSERT_TRUE(loader.next(b));
  ASSERT_EQ(b.lambdas.size(), 4u);
  ASSERT_EQ(b.partners.size(), 4u);
  LoadOptions l = po.load;
  l.sample_rate = 16000;
  const LogMel lm(po.frontend);
  const auto feats = b.features.to_vector<float>();
  const auto targets = b.targets.to_vector<float>();
  for (int64_t r = 0; r < 4; ++r) {
    // Row r is the log-mel of λ x_r + (1 - λ) x_partner: the mix happened on the waveform.
    const auto a = load_audio(ds[r].path, l), c = load_audio(ds[b.partners[r]].path, l);
    std::vector<float> mixed(a.size());
    const float lam = static_cast<float>(b.lambdas[r]);
    for (size_t i = 0; i < a.size(); ++i) mixed[i] = lam * a[i] + (1 - lam) * c[i];
    const auto expect = lm.compute(mixed);
    double err = 0;
    for (size_t i = 0; i < expect.size(); ++i) err = std::max(err, std::fabs(double(feats[r * 51 * 40 + i]) - expect[i]));
    EXPECT_LT(err, 1e-3) << "row " << r;
    // Targets mixed by the same λ.
    const int64_t own = ds[r].label, other = ds[b.partners[r]].label;
    const double expect_own = own == other ? 1.0 : lam;
    EXPECT_NEAR(targets[r * 2 + own], expect_own, 1e-6);
  }
  // A log-mel is not linear in the waveform: mixing after features would give something else.
  const auto a = load_audio(ds[0].path, l), c = load_audio(ds[3].path, l);
  const auto la = lm.compute(a), lc = lm.compute(c);
  std::vector<float> wave_mix(a.size());
  for (size_t i = 0; i < a.size(); ++i) wave_mix[i] = 0.5f * a[i] + 0.5f * c[i];
  const auto lw = lm.compute(wave_mix);
  double diff = 0;
  for (size_t i = 0; i < lw.size(); ++i) diff = std::max(diff, std::fabs(lw[i] - (0.5 * la[i] + 0.5 * lc[i])));
  EXPECT_GT(diff, 1.0);
}

TEST(Loader, WaveformOutputGivesRawClipsForModelsWithTheirOwnFrontEnd) {
  TempDir dir;
  const auto ds = small_folder(dir, {2, 2});
  PipelineOptions po = small_pipeline();
  po.waveform_output = true;
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.shuffle = false;
  lo.num_workers = 0;
  BatchLoader loader(ds, po, lo);
  loader.start_epoch(0);
  Batch b;
  ASSERT_TRUE(loader.next(b));
  EXPECT_FALSE(b.features.defined());
  ASSERT_EQ(b.waveforms.shape(), (Shape{4, 8000}));
  LoadOptions l = po.load;
  l.sample_rate = 16000;
  for (int64_t r = 0; r < 4; ++r) {
    const auto x = load_audio(ds[r].path, l);
    EXPECT_TRUE(allclose(b.waveforms.select(0, r), from_vector(x), 0, 0)) << "row " << r;
  }
  EXPECT_TRUE(b.lambdas.empty());
  // With mixup, rows are mixtures of two clips with the λ of the targets.
  po.logmel_mixup_alpha = 1.0;
  BatchLoader mixed(ds, po, lo);
  mixed.start_epoch(0);
  ASSERT_TRUE(mixed.next(b));
  ASSERT_EQ(b.lambdas.size(), 4u);
  for (int64_t r = 0; r < 4; ++r) {
    const auto x = load_audio(ds[r].path, l), y = load_audio(ds[b.partners[r]].path, l);
    const float lam = static_cast<float>(b.lambdas[r]);
    std::vector<float> m(x.size());
    for (size_t i = 0; i < x.size(); ++i) m[i] = lam * x[i] + (1 - lam) * y[i];
    EXPECT_TRUE(allclose(b.waveforms.select(0, r), from_vector(m), 1e-5, 1e-6)) << "row " << r;
  }
}

TEST(Loader, BalancedSamplingEvensOutClasses) {
  TempDir dir;
  const auto ds = small_folder(dir, {12, 2, 1});
  LoaderOptions lo;
  lo.balanced = true;
  lo.num_workers = 0;
  BatchLoader loader(ds, small_pipeline(), lo);
  std::map<int64_t, int> count;
  for (int epoch = 0; epoch < 200; ++epoch)
    for (int64_t i : loader.epoch_order(epoch)) count[ds[i].label]++;
  // 200 epochs x 15 draws = 3000; each class ~1000 (plain sampling would give 2400 / 400 / 200).
  for (const auto& [label, n] : count) EXPECT_NEAR(n, 1000, 90) << label;
}

TEST(Loader, CacheIsUsedOnlyForDeterministicWaveforms) {
  TempDir dir;
  const auto ds = small_folder(dir, {2, 2});
  PipelineOptions po = small_pipeline();
  po.cache_dir = dir.file("cache");
  po.augment = "freq_mask";  // spectrogram augmentation: applied after the cache, fine
  LoaderOptions lo;
  lo.num_workers = 2;
  lo.batch_size = 2;
  BatchLoader loader(ds, po, lo);
  ASSERT_TRUE(loader.pipeline().cache_active());
  for (int epoch = 0; epoch < 3; ++epoch) {
    loader.start_epoch(epoch);
    Batch b;
    while (loader.next(b)) {
    }
  }
  EXPECT_EQ(loader.pipeline().cache()->misses(), 4);
  EXPECT_EQ(loader.pipeline().cache()->hits(), 8);
  po.augment = "gain";
  EXPECT_FALSE(ClipPipeline(po).cache_active());
  po.augment = "";
  po.load.fit = FitMode::RandomCrop;
  EXPECT_FALSE(ClipPipeline(po).cache_active());
}

TEST(Loader, ABadFileSurfacesInNextWithItsName) {
  TempDir dir;
  auto ds = small_folder(dir, {3, 3});
  std::ofstream(ds[4].path, std::ios::trunc) << "broken";
  LoaderOptions lo;
  lo.batch_size = 2;
  lo.shuffle = false;
  BatchLoader loader(ds, small_pipeline(), lo);
  loader.start_epoch(0);
  Batch b;
  EXPECT_TRUE(loader.next(b));
  EXPECT_TRUE(loader.next(b));
  try {
    loader.next(b);
    ADD_FAILURE() << "no error for the broken clip";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(ds[4].path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ag::audio
