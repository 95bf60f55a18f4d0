// test_app_mpi.cpp: `mpirun -np 2 audiograd train` end to end on a few ESC-50 clips
// (../shared/data/esc50): the same weights as one process on the same global batch (with
// --sync-bn, to round-off), rank 0 alone writing the run, --resume of a killed distributed run
// ending with the uninterrupted run's weights exactly, and errors: a rank that fails stops every
// rank with its one-line message, and a batch the ranks cannot split evenly is refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "nn/nn.hpp"
#include "tests/apps/app_runner.hpp"

namespace fs = std::filesystem;

namespace {

const char* kData = "../shared/data/esc50";

using Shell = ag::test::ShellResult;
using ag::test::shell;

std::string mpirun(int ranks) { return std::string(AUDIOGRAD_MPIRUN) + " -np " + std::to_string(ranks) + " "; }
std::string app() { return std::string(AUDIOGRAD_BIN) + " "; }

std::string tmp(const std::string& name) { return ag::test::temp_path("audiograd_mpi_test", name); }

// 24 clips per split, 2 s, ERANN-3-1, a global batch of 8, no random crop or augmentation (their
// streams are per rank), one thread per rank. The optimisation is kept smooth so that the
// comparison with one process measures the data parallelism and not chaos: a zero head (the first
// loss is ln 50, not 9) and SGD with the gradient norm clipped to 1 (Adam divides by the root of
// the squared gradient, which turns round-off in a near-zero gradient into a full step).
// Measured: 4e-7 with --sync-bn against 0.36 with per-rank batch norm.
std::string small_run(const std::string& out, const std::string& data = kData, int batch = 8) {
  return "train --data " + data + " --model erann-3-1 --limit 24 --clip-seconds 2 --batch-size " + std::to_string(batch) +
         " --epochs 2 --head-init zero --optimizer sgd --lr 0.01 --clip-grad-norm 1 --threads 1 --workers 1 --seed 3 --cache none "
         "--crop-seconds 0 --eval-every 1 --out " + out;
}

// The largest |a - b| / (1 + |b|) over every tensor of two checkpoints.
double max_difference(const std::string& a, const std::string& b) {
  ag::nn::SafeTensors x = ag::nn::load_safetensors(a), y = ag::nn::load_safetensors(b);
  EXPECT_EQ(x.tensors.keys(), y.tensors.keys());
  double worst = 0;
  for (auto& [k, t] : x.tensors.items()) {
    std::vector<double> u = t.to_vector<double>(), v = y.tensors.at(k).to_vector<double>();
    for (size_t i = 0; i < u.size(); ++i) worst = std::max(worst, std::abs(u[i] - v[i]) / (1 + std::abs(v[i])));
  }
  return worst;
}

class AppMpi : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(kData) / "meta" / "esc50.csv")) GTEST_SKIP() << "ESC-50 not found at " << kData;
  }
};

TEST_F(AppMpi, TwoRanksMatchOneProcessAndOnlyRankZeroWrites) {
  std::string one = tmp("one"), two = tmp("two");
  Shell r1 = shell(app() + small_run(one));
  ASSERT_EQ(r1.status, 0) << r1.out;
  Shell r2 = shell(mpirun(2) + app() + small_run(two) + " --sync-bn");
  ASSERT_EQ(r2.status, 0) << r2.out;
  EXPECT_NE(r2.out.find("data-parallel over MPI (2 ranks): 4 clips per rank and step, synchronised batch norm; "), std::string::npos)
      << r2.out;
  // One report, from rank 0: the final line once, every epoch's log line once.
  EXPECT_EQ(r2.out.find("accuracy over 1 fold"), r2.out.rfind("accuracy over 1 fold")) << r2.out;
  EXPECT_EQ(r2.out.find("fold 1 epoch 2/2: train"), r2.out.rfind("fold 1 epoch 2/2: train")) << r2.out;
  for (const char* f : {"config.ini", "metrics.csv", "summary.json", "report.html", "fold1/model.safetensors", "fold1/last.safetensors",
                        "fold1/last.optim.safetensors", "fold1/result.json"})
    EXPECT_TRUE(fs::exists(fs::path(two) / f)) << f;
  std::ifstream summary(fs::path(two) / "summary.json");
  std::string text((std::istreambuf_iterator<char>(summary)), {});
  EXPECT_NE(text.find("\"ranks\": 2"), std::string::npos) << text;
  std::ifstream config(fs::path(two) / "config.ini");
  std::string settings((std::istreambuf_iterator<char>(config)), {});
  EXPECT_NE(settings.find("train.sync-bn=true"), std::string::npos) << settings;  // so --resume keeps it
  // Float32 round-off (the batch's sums are split differently); a real difference (per-rank batch
  // norm, a wrong gradient scale) is orders of magnitude larger, as the second run shows.
  const double d = max_difference((fs::path(two) / "fold1" / "model.safetensors").string(), (fs::path(one) / "fold1" / "model.safetensors").string());
  EXPECT_LT(d, 1e-5) << "2 ranks x 4 clips with --sync-bn vs 1 process x 8 clips";
  std::string per_rank = tmp("per_rank");
  Shell r3 = shell(mpirun(2) + app() + small_run(per_rank));
  ASSERT_EQ(r3.status, 0) << r3.out;
  const double d3 = max_difference((fs::path(per_rank) / "fold1" / "model.safetensors").string(), (fs::path(one) / "fold1" / "model.safetensors").string());
  EXPECT_GT(d3, 100 * d) << "per-rank batch norm should differ from the global batch's";
  std::printf("largest weight difference from one process: %.3g with --sync-bn, %.3g with per-rank batch norm\n", d, d3);

  // --resume of a distributed run killed during epoch 2 ends with the uninterrupted run's weights.
  std::string killed = tmp("killed");
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // mpirun and its ranks in a group of their own, killed together below
    std::string cmd = "exec " + mpirun(2) + app() + small_run(killed) + " --sync-bn > /dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  fs::path last = fs::path(killed) / "fold1" / "last.safetensors";
  auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(last) && std::chrono::steady_clock::now() - t0 < std::chrono::minutes(3))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(-pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(fs::exists(last));
  ASSERT_FALSE(fs::exists(fs::path(killed) / "fold1" / "model.safetensors")) << "the run finished before it could be killed";
  Shell resumed = shell(mpirun(2) + app() + "train --resume --out " + killed + " --threads 1 --workers 1");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resuming after epoch 1"), std::string::npos) << resumed.out;
  EXPECT_EQ(max_difference((fs::path(killed) / "fold1" / "model.safetensors").string(), (fs::path(two) / "fold1" / "model.safetensors").string()), 0)
      << "the resumed distributed run's final weights differ from the uninterrupted run's";
}

TEST_F(AppMpi, ARankThatFailsStopsEveryRankWithItsMessage) {
  // Rank 1 is given a dataset folder that does not exist; rank 0 would wait for it forever.
  std::string out = tmp("fails");
  Shell r = shell(mpirun(1) + app() + small_run(out) + " : -np 1 " + app() + small_run(out, "/nonexistent/esc50"));
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("audiograd: error: rank 1: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/esc50"), std::string::npos) << r.out;
  EXPECT_LT(r.seconds, 60) << "the other rank was left waiting";
}

TEST_F(AppMpi, AGlobalBatchTheRanksCannotSplitIsRefused) {
  Shell r = shell(mpirun(2) + app() + small_run(tmp("odd"), kData, 7));
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("--batch-size 7 cannot be split evenly over 2 ranks"), std::string::npos) << r.out;
}

}  // namespace
