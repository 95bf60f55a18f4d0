// test_patience.cpp: `audiograd train --patience N` on a few ESC-50 clips (../shared/data/esc50):
// the validation fold is a training fold (never the test fold), training stops N epochs after the
// best validation accuracy, the tested weights are the best epoch's, and a run killed in between
// resumes to the uninterrupted run's result exactly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "nn/nn.hpp"
#include "tests/apps/app_runner.hpp"

namespace fs = std::filesystem;

namespace {

const char* kData = "../shared/data/esc50";

using Result = ag::test::ShellResult;
using ag::test::same_weights;

Result app(const std::string& args) { return ag::test::shell(std::string(AUDIOGRAD_BIN) + " " + args); }

std::string tmp(const std::string& name) { return ag::test::temp_path("audiograd_patience", name); }

// A learning rate high enough that the validation accuracy stalls within a few epochs.
std::string run(const std::string& out, const std::string& extra = "", int patience = 2) {
  return "train --data " + std::string(kData) + " --model erann-3-1 --limit 24 --clip-seconds 2 --batch-size 8 --epochs 8 --lr 0.003 "
         "--patience " + std::to_string(patience) + " --threads 2 --workers 1 --seed 5 --cache none --eval-every 100 --out " + out + " " +
         extra;
}

std::vector<std::vector<std::string>> csv(const fs::path& p) {
  std::ifstream f(p);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> row;
    size_t a = 0;
    for (size_t b; (b = line.find(',', a)) != std::string::npos; a = b + 1) row.push_back(line.substr(a, b - a));
    row.push_back(line.substr(a));
    rows.push_back(row);
  }
  return rows;
}

class Patience : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(kData) / "meta" / "esc50.csv")) GTEST_SKIP() << "ESC-50 not found at " << kData;
  }
};

TEST_F(Patience, StopsAfterNEpochsWithoutImprovementAndTestsTheBestWeights) {
  std::string a = tmp("straight");
  Result r = app(run(a));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("on validation fold 2"), std::string::npos) << r.out;  // auto: the fold after test fold 1
  // metrics.csv: a validation accuracy every epoch; the stopping rule from those numbers.
  auto rows = csv(fs::path(a) / "metrics.csv");
  ASSERT_GE(rows.size(), 2u);
  ASSERT_EQ(rows[0].back(), "val_acc");
  double best = -1, best_loss = 0;
  int best_epoch = 0, wait = 0, epochs = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_FALSE(rows[i].back().empty()) << "epoch " << i;
    const double acc = std::stod(rows[i].back()), loss = std::stod(rows[i][rows[i].size() - 2]);
    if (acc > best || (acc == best && loss < best_loss)) best = acc, best_loss = loss, best_epoch = static_cast<int>(i), wait = 0;
    else ++wait;
    epochs = static_cast<int>(i);
  }
  EXPECT_TRUE(wait == 2 || epochs == 8) << "stopped at epoch " << epochs << " with " << wait << " epochs since the best";
  std::ifstream result(fs::path(a) / "fold1" / "result.json");
  std::string text((std::istreambuf_iterator<char>(result)), {});
  EXPECT_NE(text.find("\"epochs\": " + std::to_string(epochs)), std::string::npos) << text;
  EXPECT_NE(text.find("\"best_epoch\": " + std::to_string(best_epoch)), std::string::npos) << text;
  EXPECT_NE(r.out.find("testing the weights of epoch " + std::to_string(best_epoch)), std::string::npos) << r.out;
  // The final model is the best epoch's weights, not the last epoch's.
  EXPECT_TRUE(same_weights((fs::path(a) / "fold1" / "model.safetensors").string(), (fs::path(a) / "fold1" / "best.safetensors").string()));
  if (best_epoch != epochs) {
    EXPECT_FALSE(same_weights((fs::path(a) / "fold1" / "model.safetensors").string(), (fs::path(a) / "fold1" / "last.safetensors").string()));
  }

  // Killed after its first epoch, then resumed: the same stop, the same final weights.
  std::string b = tmp("killed");
  pid_t pid = fork();
  if (pid == 0) {
    std::string cmd = "exec " + std::string(AUDIOGRAD_BIN) + " " + run(b) + " > /dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  fs::path last = fs::path(b) / "fold1" / "last.safetensors";
  auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(last) && std::chrono::steady_clock::now() - t0 < std::chrono::minutes(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ASSERT_FALSE(fs::exists(fs::path(b) / "fold1" / "model.safetensors")) << "the run finished before it could be killed";
  Result resumed = app("train --resume --out " + b + " --threads 2 --workers 1");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_TRUE(same_weights((fs::path(a) / "fold1" / "model.safetensors").string(), (fs::path(b) / "fold1" / "model.safetensors").string()));
  EXPECT_EQ(csv(fs::path(a) / "metrics.csv").size(), csv(fs::path(b) / "metrics.csv").size());
}

TEST_F(Patience, TheValidationFoldIsATrainingFold) {
  Result test_fold = app(run(tmp("v1"), "--val-fold 1"));
  EXPECT_NE(test_fold.status, 0);
  EXPECT_NE(test_fold.out.find("--val-fold 1 is the test fold: validation must come from the training folds"), std::string::npos)
      << test_fold.out;
  Result missing = app(run(tmp("v9"), "--val-fold 9"));
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.out.find("--val-fold 9 is not one of the training folds"), std::string::npos) << missing.out;
  Result word = app(run(tmp("vx"), "--val-fold two"));
  EXPECT_NE(word.out.find("--val-fold must be a fold number or auto, got 'two'"), std::string::npos) << word.out;
  Result negative = app(run(tmp("vn"), "", -1));
  EXPECT_NE(negative.status, 0);
  EXPECT_NE(negative.out.find("--patience must be >= 0, got -1"), std::string::npos) << negative.out;
}

}  // namespace
