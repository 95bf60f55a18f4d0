// test_crash.cpp: crash safety of `audiograd train`, on a tiny synthetic folder dataset made here.
//
// - KillAtCrashPoints: a run is first counted (AUDIOGRAD_CRASH_LOG lists every crash point it
//   passes: before, inside and after each write, fsync and rename of config.ini, metrics.csv,
//   the checkpoints, result.json, summary.json, report.html and the feature-cache entries), then
//   re-run and SIGKILLed at each of a deterministic sample of those points (every kind of point,
//   spread over the run). After each kill the run directory holds either nothing to resume (a clear
//   "no run to resume" from --resume) or a loadable last checkpoint whose optimiser state is the
//   one saved with it; --resume then finishes the run with exactly the weights of an uninterrupted run.
// - FullDisk: with a file-size limit (ulimit -f) below the checkpoint's size, a resumed run fails
//   with one line naming the file, and leaves the previous checkpoint as it was.
// - SharedFeatureCache: two processes storing and loading the same entries at once never read a
//   half-written or foreign entry.
// - Features of a NaN file or a too-short clip: one line naming the file, status 1.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "audio/decode.hpp"
#include "audio/feature_cache.hpp"
#include "nn/nn.hpp"

namespace fs = std::filesystem;

namespace {

struct AppRun {
  int status = 0;  // exit status, or 128 + signal
  std::string out;
  bool killed() const { return status == 128 + 9; }
};

// `env` (e.g. "AUDIOGRAD_CRASH_AT=7 ") + the app + args, through bash (for ulimit); stdout+stderr.
AppRun app(const std::string& args, const std::string& env = "", const std::string& pre = "") {
  const std::string cmd = "bash -c '" + pre + env + "exec " + std::string(AUDIOGRAD_BIN) + " " + args + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = pclose(p);
  AppRun r;
  r.out = out;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

fs::path tmp_root() {
  static const fs::path p = fs::temp_directory_path() / ("audiograd_crash_" + std::to_string(getpid()));
  return p;
}

// Two classes, five 0.6 s clips each at 16 kHz (resampled to 44.1 kHz by the loader): a tone and noise.
std::string make_dataset() {
  const fs::path root = tmp_root() / "data";
  if (fs::exists(root)) return root.string();
  for (int c = 0; c < 2; ++c) {
    fs::create_directories(root / (c ? "noise" : "tone"));
    for (int k = 0; k < 5; ++k) {
      std::vector<float> x(9600);
      uint32_t s = 12345u + 77u * static_cast<uint32_t>(k);
      for (size_t i = 0; i < x.size(); ++i) {
        s = s * 1664525u + 1013904223u;
        x[i] = c ? 0.3f * (static_cast<float>(s >> 8) / 16777216.0f - 0.5f)
                 : 0.4f * std::sin(2 * 3.14159265f * (300.0f + 100.0f * k) * static_cast<float>(i) / 16000.0f);
      }
      ag::audio::write_wav((root / (c ? "noise" : "tone") / ("clip" + std::to_string(k) + ".wav")).string(), x, 1, 16000,
                           ag::audio::WavFormat::Pcm16);
    }
  }
  return root.string();
}

std::string train_args(const std::string& out, const std::string& cache) {
  return "train --dataset folder --data " + make_dataset() +
         " --model erann-3-1 --clip-seconds 0.5 --batch-size 4 --epochs 2 --threads 1 --workers 0 --seed 5 --cache " + cache +
         " --out " + out;
}

bool same_tensors(const fs::path& a, const fs::path& b) {
  ag::nn::SafeTensors x = ag::nn::load_safetensors(a.string()), y = ag::nn::load_safetensors(b.string());
  if (x.tensors.keys() != y.tensors.keys()) return false;
  for (auto& [k, t] : x.tensors.items())
    if (!ag::allclose(t, y.tensors.at(k), 0, 0)) return false;
  return true;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

std::string fnv_hex(const std::string& bytes) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(ag::audio::fnv1a64(bytes)));
  return buf;
}

// The last checkpoint of a killed run loads, and its optimiser state (in place, or in the .next
// file a save left before its final rename) is the one it names.
::testing::AssertionResult loadable_last_checkpoint(const fs::path& fold) {
  const fs::path last = fold / "last.safetensors";
  ag::nn::SafeTensors st;
  try {
    st = ag::nn::load_safetensors(last.string());
  } catch (const ag::Error& e) {
    return ::testing::AssertionFailure() << "last.safetensors does not load: " << e.what();
  }
  if (!st.metadata.count("train.epoch")) return ::testing::AssertionFailure() << "last.safetensors has no train.epoch";
  const std::string want = st.metadata["checkpoint.optimizer"];
  const fs::path opt = fold / "last.optim.safetensors", next = fold / "last.optim.safetensors.next";
  if (fs::exists(opt) && fnv_hex(slurp(opt)) == want) return ::testing::AssertionSuccess();
  if (fs::exists(next) && fnv_hex(slurp(next)) == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no optimiser state matches last.safetensors (" << want << ")";
}

// The crash points a run passes, in order, as "<name> <file's base name>" (AUDIOGRAD_CRASH_LOG:
// "<n> <name> <path>" per line). Cache entries are all called "entry.agf".
std::vector<std::string> crash_points(const fs::path& log) {
  std::vector<std::string> names;
  std::ifstream f(log);
  std::string n, name, path;
  while (f >> n >> name >> path) {
    std::string base = fs::path(path).filename().string();
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".agf") == 0) base = "entry.agf";
    names.push_back(name + " " + base);
  }
  return names;
}

class CrashSafety : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(tmp_root());
    fs::create_directories(tmp_root());
  }
  static void TearDownTestSuite() { fs::remove_all(tmp_root()); }
};

TEST_F(CrashSafety, KillAtCrashPointsThenResumeMatchesAnUninterruptedRun) {
  const fs::path ref = tmp_root() / "ref", log = tmp_root() / "points.log";
  AppRun r = app(train_args(ref.string(), (tmp_root() / "ref_cache").string()), "AUDIOGRAD_CRASH_LOG=" + log.string() + " ");
  ASSERT_EQ(r.status, 0) << r.out;
  const std::vector<std::string> points = crash_points(log);
  ASSERT_GT(points.size(), 30u) << "expected crash points in every write of the run";
  std::set<std::string> kinds(points.begin(), points.end());
  for (const char* k : {"write_file_atomic:half-written last.optim.safetensors.next", "write_file_atomic:half-written last.safetensors",
                        "save_checkpoint:model-committed last.safetensors", "FeatureCache::store:header-written entry.agf",
                        "write_file_atomic:synced config.ini", "write_file_atomic:written result.json",
                        "write_file_atomic:renamed summary.json", "write_file_atomic:half-written model.safetensors"})
    EXPECT_TRUE(kinds.count(k)) << k;

  // The sample (about 25 kills): the first point of each kind in the checkpoint and cache writes
  // (kind = point and file), then every points/10-th point, and the last one.
  std::set<size_t> picks;
  std::set<std::string> seen;
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string& p = points[i];
    const bool checkpoint_or_cache = p.find(" last.") != std::string::npos || p.find("entry.agf") != std::string::npos;
    if (checkpoint_or_cache && seen.insert(p).second) picks.insert(i + 1);
  }
  const size_t stride = std::max<size_t>(1, points.size() / 10);
  for (size_t k = stride / 2 + 1; k <= points.size(); k += stride) picks.insert(k);
  picks.insert(1);  // before config.ini exists: nothing to resume
  picks.insert(3);  // config.ini half-written
  picks.insert(points.size());

  std::map<std::string, int> outcome;  // what the directory held after each kill
  for (size_t k : picks) {
    SCOPED_TRACE("killed at crash point " + std::to_string(k) + " of " + std::to_string(points.size()) + " (" + points[k - 1] + ")");
    const fs::path out = tmp_root() / ("kill" + std::to_string(k)), cache = tmp_root() / ("cache" + std::to_string(k));
    AppRun killed = app(train_args(out.string(), cache.string()), "AUDIOGRAD_CRASH_AT=" + std::to_string(k) + " ");
    ASSERT_TRUE(killed.killed()) << "status " << killed.status << "\n" << killed.out;
    const fs::path fold = out / "fold1";
    AppRun resumed;
    if (fs::exists(fold / "last.safetensors")) {
      EXPECT_TRUE(loadable_last_checkpoint(fold));
      ++outcome[fs::exists(fold / "result.json") ? "fold finished" : "a last checkpoint"];
      resumed = app("train --resume --out " + out.string() + " --threads 1 --workers 0");
    } else {
      resumed = app("train --resume --out " + out.string() + " --threads 1 --workers 0");
      if (resumed.status != 0) {  // killed before config.ini: nothing to resume, said clearly
        EXPECT_NE(resumed.out.find("no run to resume"), std::string::npos) << resumed.out;
        ++outcome["nothing to resume"];
        resumed = app(train_args(out.string(), cache.string()) + " --overwrite");
      } else {
        ++outcome["config.ini, no checkpoint yet"];
      }
    }
    ASSERT_EQ(resumed.status, 0) << resumed.out;
    EXPECT_TRUE(same_tensors(ref / "fold1" / "model.safetensors", fold / "model.safetensors"))
        << "the resumed run's final weights differ from the uninterrupted run's";
    EXPECT_TRUE(same_tensors(ref / "fold1" / "last.safetensors", fold / "last.safetensors"));
    fs::remove_all(out);
    fs::remove_all(cache);
  }
  std::string summary;
  for (const auto& [what, n] : outcome) summary += " " + what + ": " + std::to_string(n) + ";";
  std::printf("crash points: %zu in the run, %zu killed at;%s all resumed to identical weights\n", points.size(), picks.size(),
              summary.c_str());
}

// The slower, less targeted variant: SIGKILL after a pseudo-random delay (seeded, so the same
// delays every run), wherever the run happens to be; then --resume (or a fresh start when there
// was nothing to resume) must end with the uninterrupted run's weights.
TEST_F(CrashSafety, KillAtRandomTimesThenResumeMatches) {
  const fs::path ref = tmp_root() / "rref";
  AppRun r = app(train_args(ref.string(), (tmp_root() / "rref_cache").string()));
  ASSERT_EQ(r.status, 0) << r.out;
  uint64_t s = 18;
  for (int i = 0; i < 6; ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    const int delay_ms = 100 + static_cast<int>((s >> 33) % 1200);
    SCOPED_TRACE("killed after " + std::to_string(delay_ms) + " ms");
    const fs::path out = tmp_root() / ("rkill" + std::to_string(i)), cache = tmp_root() / ("rcache" + std::to_string(i));
    const std::string cmd = "exec " + std::string(AUDIOGRAD_BIN) + " " + train_args(out.string(), cache.string()) + " > /dev/null 2>&1";
    const pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    usleep(static_cast<useconds_t>(delay_ms) * 1000);
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    if (fs::exists(out / "fold1" / "last.safetensors")) {
      EXPECT_TRUE(loadable_last_checkpoint(out / "fold1"));
    }
    AppRun resumed = app("train --resume --out " + out.string() + " --threads 1 --workers 0");
    if (resumed.status != 0 && resumed.out.find("no run to resume") != std::string::npos)
      resumed = app(train_args(out.string(), cache.string()) + " --overwrite");
    ASSERT_EQ(resumed.status, 0) << resumed.out;
    EXPECT_TRUE(same_tensors(ref / "fold1" / "model.safetensors", out / "fold1" / "model.safetensors"));
    fs::remove_all(out);
    fs::remove_all(cache);
  }
}

TEST_F(CrashSafety, FullDiskGivesAClearErrorAndKeepsThePreviousCheckpoint) {
  const fs::path out = tmp_root() / "full", cache = tmp_root() / "full_cache", log = tmp_root() / "full.log";
  // Epoch 1 finished and checkpointed, then killed: at the first "optimizer-renamed" point.
  // (The counting run gets a cache of its own: a warm cache would skip the entries' crash points.)
  AppRun count = app(train_args((tmp_root() / "full_count").string(), (tmp_root() / "full_count_cache").string()),
                     "AUDIOGRAD_CRASH_LOG=" + log.string() + " ");
  ASSERT_EQ(count.status, 0) << count.out;
  const std::vector<std::string> points = crash_points(log);
  size_t k = 0;
  while (k < points.size() && points[k] != "save_checkpoint:optimizer-renamed last.optim.safetensors") ++k;
  ASSERT_LT(k, points.size());
  AppRun first = app(train_args(out.string(), cache.string()), "AUDIOGRAD_CRASH_AT=" + std::to_string(k + 1) + " ");
  ASSERT_TRUE(first.killed()) << first.out;
  const fs::path last = out / "fold1" / "last.safetensors";
  const std::string before = slurp(last), before_opt = slurp(out / "fold1" / "last.optim.safetensors");
  ASSERT_GT(before.size(), 8192u);
  // A limit (in KiB) below the checkpoint's size: its write fails with EFBIG (SIGXFSZ is ignored).
  const std::string limit = std::to_string(before.size() / 1024 / 2);
  AppRun full = app("train --resume --out " + out.string() + " --threads 1 --workers 0", "", "ulimit -f " + limit + "; ");
  EXPECT_EQ(full.status, 1) << full.out;
  EXPECT_NE(full.out.find("audiograd: error: cannot write '"), std::string::npos) << full.out;
  EXPECT_NE(full.out.find("File too large"), std::string::npos) << full.out;
  EXPECT_NE(full.out.find("cannot write '" + (out / "fold1" / "last.optim.safetensors.next").string() + "'"), std::string::npos)
      << "the error names the file: " << full.out;
  EXPECT_NE(full.out.find("resuming after epoch 1"), std::string::npos) << full.out;
  // One line: the error is the output's last line, and the only one that says "error".
  const size_t at = full.out.find("audiograd: error: ");
  EXPECT_EQ(full.out.find('\n', at), full.out.size() - 1) << full.out;
  EXPECT_EQ(full.out.find("error", at + 18), std::string::npos) << full.out;
  EXPECT_EQ(slurp(last), before) << "the previous checkpoint changed";
  EXPECT_EQ(slurp(out / "fold1" / "last.optim.safetensors"), before_opt);
  EXPECT_TRUE(loadable_last_checkpoint(out / "fold1"));
  // With room again, the run resumes and finishes.
  AppRun again = app("train --resume --out " + out.string() + " --threads 1 --workers 0");
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_TRUE(same_tensors(tmp_root() / "full_count" / "fold1" / "model.safetensors", out / "fold1" / "model.safetensors"));
}

// Bad numbers through `audiograd features` (the app's own path, not only the library's): a NaN
// sample and a clip shorter than one window are one line naming the file, status 1, no .npy.
TEST_F(CrashSafety, FeaturesOfANanFileOrATooShortClipIsOneLineAndNonZero) {
  const fs::path dir = tmp_root() / "numbers";
  fs::create_directories(dir);
  std::vector<float> x(8000, 0.1f);
  x[4321] = std::nanf("");
  ag::audio::write_wav((dir / "nan.wav").string(), x, 1, 16000, ag::audio::WavFormat::Float32);
  ag::audio::write_wav((dir / "short.wav").string(), std::vector<float>(200, 0.1f), 1, 44100);
  for (const char* f : {"nan.wav", "short.wav"}) {
    SCOPED_TRACE(f);
    AppRun r = app("features " + (dir / f).string() + " --out " + (dir / "out").string());
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_EQ(r.out.rfind("audiograd: error: load_audio: '" + (dir / f).string() + "'", 0), 0u) << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
    EXPECT_NE(r.out.find(std::string(f) == "nan.wav" ? "non-finite sample (nan at frame 4321, channel 0)" : "too short"),
              std::string::npos)
        << r.out;
    EXPECT_FALSE(fs::exists(dir / "out" / (fs::path(f).stem().string() + ".npy")));
  }
}

TEST_F(CrashSafety, TwoProcessesSharingAFeatureCacheNeverReadAHalfWrittenEntry) {
  const fs::path dir = tmp_root() / "shared_cache";
  std::vector<std::string> clips;
  for (int i = 0; i < 4; ++i) {
    clips.push_back((tmp_root() / ("clip" + std::to_string(i) + ".wav")).string());
    std::ofstream(clips.back()) << "audio " << i;
  }
  // Entry i holds (T, F) = (2000 + i, 64) values v[j] = i * 1e6 + j: a reader can tell a whole
  // entry of clip i from anything else.
  const auto expected = [](int i) {
    std::vector<float> v(static_cast<size_t>((2000 + i) * 64));
    for (size_t j = 0; j < v.size(); ++j) v[j] = static_cast<float>(i * 1000000 + static_cast<int64_t>(j));
    return v;
  };
  const auto worker = [&](int seed) {
    ag::audio::FeatureCache cache(dir.string(), "test-config");
    int bad = 0, hits = 0;
    for (int round = 0; round < 150; ++round) {
      const int i = (round * 7 + seed) % 4;
      std::vector<float> data;
      int64_t t = 0, f = 0;
      if (cache.load(clips[size_t(i)], &data, &t, &f)) {
        ++hits;
        if (t != 2000 + i || f != 64 || data != expected(i)) ++bad;
      }
      if (round % 3 == seed % 3) cache.store(clips[size_t(i)], expected(i), 2000 + i, 64);
    }
    return bad ? 1 : (hits ? 0 : 2);
  };
  pid_t kids[2];
  for (int w = 0; w < 2; ++w) {
    kids[w] = fork();
    if (kids[w] == 0) _exit(worker(w + 1));
  }
  for (pid_t k : kids) {
    int st = 0;
    waitpid(k, &st, 0);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0) << "1: a process read a wrong entry; 2: it never hit";
  }
  // A damaged entry (one value flipped, size unchanged) is a miss, not wrong features.
  ag::audio::FeatureCache cache(dir.string(), "test-config");
  const std::string path = cache.entry_path(clips[0]);
  std::string bytes = slurp(path);
  bytes[bytes.size() - 100] ^= 0x40;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  std::vector<float> data;
  int64_t t = 0, f = 0;
  EXPECT_FALSE(cache.load(clips[0], &data, &t, &f));
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

}  // namespace
