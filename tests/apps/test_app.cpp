// test_app.cpp: the audiograd program end to end on a few real ESC-50 clips (../shared/data/esc50):
// the files a run writes, --resume after a kill reproducing an uninterrupted run exactly, eval /
// predict / embed / probe on the result, and one-line errors with a non-zero exit for bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "nn/nn.hpp"

namespace fs = std::filesystem;

namespace {

const char* kData = "../shared/data/esc50";

struct AppRun {
  int status;
  std::string out;
};

// Runs the app with a shell command line; captures stdout and stderr together.
// `env`: VAR=value assignments for this run only ("" for none).
AppRun app(const std::string& args, const std::string& env = "") {
  std::string cmd = env + " " + std::string(AUDIOGRAD_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::string tmp(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("audiograd_test_" + std::to_string(getpid())) / name;
  fs::create_directories(p.parent_path());
  return p.string();
}

// A small, quick run: 24 clips per split, 2 s each, ERANN-3-1.
std::string small_run(const std::string& out, int epochs) {
  return "train --data " + std::string(kData) + " --model erann-3-1 --limit 24 --clip-seconds 2 --batch-size 8 --epochs " +
         std::to_string(epochs) + " --threads 2 --workers 1 --seed 3 --cache none --augment 'time_mask freq_mask' --mixup 0.4 --out " + out;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

bool same_tensors(const std::string& a, const std::string& b) {
  ag::nn::SafeTensors x = ag::nn::load_safetensors(a), y = ag::nn::load_safetensors(b);
  if (x.tensors.keys() != y.tensors.keys()) return false;
  for (auto& [k, t] : x.tensors.items())
    if (!ag::allclose(t, y.tensors.at(k), 0, 0)) return false;
  return true;
}

// Starts `args` (a train command writing to `out`) and kills it with SIGKILL as soon as fold 1's
// first checkpoint exists, before the run finishes.
void run_and_kill_after_epoch_1(const std::string& args, const std::string& out) {
  std::string cmd = std::string(AUDIOGRAD_BIN) + " " + args + " > /dev/null 2>&1";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  fs::path last = fs::path(out) / "fold1" / "last.safetensors";
  auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(last) && std::chrono::steady_clock::now() - t0 < std::chrono::minutes(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(fs::exists(last));
  ASSERT_FALSE(fs::exists(fs::path(out) / "fold1" / "model.safetensors")) << "the run finished before it could be killed";
}

class App : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(kData) / "meta" / "esc50.csv")) GTEST_SKIP() << "ESC-50 not found at " << kData;
  }
};

TEST_F(App, TrainWritesARunAndResumeAfterAKillMatchesAnUninterruptedRun) {
  std::string a = tmp("straight"), b = tmp("killed");
  AppRun ra = app(small_run(a, 2));
  ASSERT_EQ(ra.status, 0) << ra.out;
  for (const char* f : {"config.ini", "metrics.csv", "summary.json", "report.html", "fold1/model.safetensors", "fold1/last.safetensors",
                        "fold1/last.optim.safetensors", "fold1/result.json"})
    EXPECT_TRUE(fs::exists(fs::path(a) / f)) << f;
  std::ifstream m(fs::path(a) / "metrics.csv");
  std::string header, row1, row2;
  std::getline(m, header);
  std::getline(m, row1);
  std::getline(m, row2);
  EXPECT_EQ(header.rfind("fold,epoch,lr,train_loss,train_acc,test_loss,test_acc", 0), 0u);
  EXPECT_EQ(row1.rfind("1,1,", 0), 0u) << row1;
  EXPECT_EQ(row2.rfind("1,2,", 0), 0u) << row2;
  std::string html((std::istreambuf_iterator<char>(std::ifstream(fs::path(a) / "report.html").rdbuf())), {});
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Confusion matrix"), std::string::npos);
  // The JSON files keep their keys; result.json is what --resume reads back (no result.txt).
  std::string summary = slurp(fs::path(a) / "summary.json"), result = slurp(fs::path(a) / "fold1" / "result.json");
  for (const char* key : {"\"model\": \"erann-3-1\"", "\"folds\": [", "\"mean_accuracy\": ", "\"std_accuracy\": ", "\"train_clips_per_s\": "})
    EXPECT_NE(summary.find(key), std::string::npos) << key << "\n" << summary;
  for (const char* key : {"\"fold\": 1", "\"accuracy\": ", "\"per_class_accuracy\": {", "\"dog\": ", "\"confusion\": ["})
    EXPECT_NE(result.find(key), std::string::npos) << key << "\n" << result;
  EXPECT_FALSE(fs::exists(fs::path(a) / "fold1" / "result.txt"));

  // The same run, killed during epoch 2 (once epoch 1's checkpoint exists), then resumed.
  ASSERT_NO_FATAL_FAILURE(run_and_kill_after_epoch_1(small_run(b, 2), b));
  AppRun rb = app("train --resume --out " + b + " --threads 2 --workers 1");
  ASSERT_EQ(rb.status, 0) << rb.out;
  EXPECT_NE(rb.out.find("resuming after epoch 1"), std::string::npos) << rb.out;
  // The resumed run keeps its own settings in config.ini, so it can be resumed again.
  std::string resumed_config = slurp(fs::path(b) / "config.ini");
  EXPECT_NE(resumed_config.find("train.epochs=2"), std::string::npos) << resumed_config;
  EXPECT_NE(resumed_config.find("train.limit=24"), std::string::npos) << resumed_config;
  EXPECT_TRUE(same_tensors((fs::path(a) / "fold1" / "model.safetensors").string(), (fs::path(b) / "fold1" / "model.safetensors").string()))
      << "the resumed run's final weights differ from the uninterrupted run's";

  // A finished run is not overwritten by accident.
  AppRun again = app(small_run(a, 2));
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.out.find("--overwrite"), std::string::npos) << again.out;

  // Resuming a finished run reads its result.json back and trains nothing.
  AppRun done = app("train --resume --out " + a + " --threads 2 --workers 1");
  ASSERT_EQ(done.status, 0) << done.out;
  EXPECT_NE(done.out.find("fold 1: already finished"), std::string::npos) << done.out;
  EXPECT_EQ(done.out.find("epoch 1/2"), std::string::npos) << done.out;

  // eval / predict / embed / probe on the trained model.
  std::string ckpt = (fs::path(a) / "fold1" / "model.safetensors").string();
  AppRun ev = app("eval --checkpoint " + ckpt + " --data " + kData + " --folds 1 --clip-seconds 2 --json");
  ASSERT_EQ(ev.status, 0) << ev.out;
  EXPECT_NE(ev.out.find("\"accuracy\""), std::string::npos) << ev.out;
  EXPECT_NE(ev.out.find("\"confusion\""), std::string::npos);
  std::string clip = std::string(kData) + "/audio/1-100032-A-0.ogg";
  std::string logits = tmp("logits.npy");
  AppRun pr = app("predict " + clip + " --checkpoint " + ckpt + " --top-k 3 --json --logits " + logits);
  ASSERT_EQ(pr.status, 0) << pr.out;
  EXPECT_NE(pr.out.find("\"probability\""), std::string::npos) << pr.out;
  EXPECT_EQ(ag::load_npy(logits).shape(), (ag::Shape{1, 50}));
}

// --ema and --augment-from / --augment-ramp: the average is what is evaluated and saved (it differs
// from the live weights in last.safetensors), and a run killed after epoch 1 and resumed ends with
// exactly the weights of one that was not.
TEST_F(App, WeightAverageAndAugmentRampResumeExactly) {
  const std::string extra = " --ema 0.9 --augment-from 2 --augment-ramp 2";
  std::string a = tmp("ema_straight"), b = tmp("ema_killed");
  AppRun ra = app(small_run(a, 3) + extra);
  ASSERT_EQ(ra.status, 0) << ra.out;
  const fs::path fa = fs::path(a) / "fold1";
  EXPECT_TRUE(fs::exists(fa / "last.ema.safetensors"));
  EXPECT_FALSE(same_tensors((fa / "model.safetensors").string(), (fa / "last.safetensors").string()))
      << "model.safetensors should hold the average, not the last step's weights";
  EXPECT_TRUE(same_tensors((fa / "model.safetensors").string(), (fa / "last.ema.safetensors").string()));
  const ag::nn::SafeTensors saved = ag::nn::load_safetensors((fa / "model.safetensors").string());
  ASSERT_TRUE(saved.metadata.count("audiograd.weights"));
  EXPECT_NE(saved.metadata.at("audiograd.weights").find("moving average"), std::string::npos);
  EXPECT_NE(slurp(fs::path(a) / "config.ini").find("train.augment-ramp=2"), std::string::npos);

  ASSERT_NO_FATAL_FAILURE(run_and_kill_after_epoch_1(small_run(b, 3) + extra, b));
  AppRun rb = app("train --resume --out " + b + " --threads 2 --workers 1");
  ASSERT_EQ(rb.status, 0) << rb.out;
  EXPECT_NE(rb.out.find("resuming after epoch 1"), std::string::npos) << rb.out;
  EXPECT_TRUE(same_tensors((fa / "model.safetensors").string(), (fs::path(b) / "fold1" / "model.safetensors").string()))
      << "the resumed run's averaged weights differ from the uninterrupted run's";

  // An average saved for another epoch than the checkpoint is refused with a one-line error.
  fs::copy_file(fs::path(b) / "fold1" / "last.ema.safetensors", tmp("ema_saved"));
  std::string c = tmp("ema_mismatch");
  ASSERT_NO_FATAL_FAILURE(run_and_kill_after_epoch_1(small_run(c, 3) + extra, c));
  fs::copy_file(tmp("ema_saved"), fs::path(c) / "fold1" / "last.ema.safetensors", fs::copy_options::overwrite_existing);
  AppRun rc = app("train --resume --out " + c + " --threads 2 --workers 1");
  EXPECT_NE(rc.status, 0);
  EXPECT_NE(rc.out.find("last.ema.safetensors: holds the average of epoch 3"), std::string::npos) << rc.out;
}

TEST_F(App, BadInputIsOneLineAndNonZero) {
  struct Case {
    std::string args, expect;
  };
  std::string missing = tmp("nope.safetensors");
  std::vector<Case> cases = {
      {"train --model vgg --out " + tmp("x1"), "unknown model 'vgg'"},
      {"train --dataset mnist --out " + tmp("x2"), "unknown dataset 'mnist'"},
      {"train --folds 9 --data " + std::string(kData) + " --out " + tmp("x3"), "fold 9 does not exist"},
      {"train --data /nonexistent --out " + tmp("x4"), "/nonexistent"},
      {"eval --checkpoint " + missing, "nope.safetensors"},
      {"predict /nonexistent.wav --checkpoint " + missing, "nope.safetensors"},
      {"--config /nonexistent.ini train", "/nonexistent.ini"},
      {"train --exclude-folds 7 --data " + std::string(kData) + " --out " + tmp("x6"), "--exclude-folds: fold 7 does not exist"},
      {"train --folds 1 --exclude-folds 1 --data " + std::string(kData) + " --out " + tmp("x7"), "fold 1 does not exist"},
      {"train --ema 1 --data " + std::string(kData) + " --out " + tmp("x8"), "--ema must be in [0, 1)"},
      {"train --augment-from 0 --data " + std::string(kData) + " --out " + tmp("x9"), "--augment-from must be an epoch >= 1"},
      {"train --augment-ramp -2 --data " + std::string(kData) + " --out " + tmp("x10"), "--augment-ramp must be >= 0"},
      {"train --transfer freeze-all --limit 8 --epochs 1 --data " + std::string(kData) + " --out " + tmp("x5"), "--transfer"},
  };
  for (const Case& c : cases) {
    AppRun r = app(c.args);
    EXPECT_NE(r.status, 0) << c.args;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << "\n" << r.out;
    // One line of error (the progress and dataset summary lines go before it).
    size_t err = r.out.find("error");
    if (err != std::string::npos) {
      EXPECT_EQ(r.out.find('\n', err), r.out.size() - 1) << r.out;
    }
  }
}

TEST(AppHelp, ListsTheModelRegistrysNames) {
  AppRun r = app("train --help");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("erann-<s_m>-<W> | cnn14 | cnn14-sed | wavegram-logmel-cnn14 | resnet-small | blocks"), std::string::npos) << r.out;
  AppRun bad = app("summary --model vgg");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.out.find("unknown model 'vgg' (expected one of: erann-<s_m>-<W>, cnn14, cnn14-sed, wavegram-logmel-cnn14, resnet-small, blocks)"),
            std::string::npos)
      << bad.out;
}

// The kernels' environment settings: a malformed value is one line naming the variable and a
// non-zero exit (summary runs a forward pass, so it allocates and convolves); valid ones run.
TEST(AppEnvironment, MalformedSettingsAreOneLineNamingTheVariable) {
  for (const auto& [env, expect] : std::vector<std::pair<std::string, std::string>>{
           {"AUDIOGRAD_CACHE_MB=abc", "AUDIOGRAD_CACHE_MB=abc: expected a whole number of MiB"},
           {"AUDIOGRAD_CACHE_MB=-5", "AUDIOGRAD_CACHE_MB=-5: expected a whole number of MiB"},
           {"AUDIOGRAD_ISA=sse9", "AUDIOGRAD_ISA=sse9: expected generic, avx2 or avx512"}}) {
    AppRun r = app("summary --model erann-3-1", env);
    EXPECT_NE(r.status, 0) << env;
    EXPECT_NE(r.out.find("audiograd: error: " + expect), std::string::npos) << env << "\n" << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
  }
  for (const std::string env : {"AUDIOGRAD_CACHE_MB=0", "AUDIOGRAD_CACHE_MB=512", "AUDIOGRAD_ISA=generic"}) {
    AppRun r = app("summary --model erann-3-1", env);
    EXPECT_EQ(r.status, 0) << env << "\n" << r.out;
  }
}

TEST_F(App, WaveformModelTrainsFromRawAudio) {
  // Wavegram-Logmel-CNN14 reads (B, L) waveforms: one step on 4 one-second clips, then eval.
  std::string out = tmp("wavegram");
  AppRun r = app("train --data " + std::string(kData) + " --model wavegram-logmel-cnn14 --limit 4 --clip-seconds 1 --batch-size 4 "
                 "--epochs 1 --cache none --out " + out);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(fs::exists(fs::path(out) / "fold1" / "model.safetensors"));
}

TEST_F(App, ReducedWidthConvertedCheckpointIsUsable) {
  // tools/convert_panns.py's output for a PANNs CNN14 of base width 2 (metadata
  // audiograd.base_channels = 2): predict builds the reduced model, and a fine-tuned model keeps
  // the width in its own metadata so that it loads again.
  const std::string converted = "tests/fixtures/models/panns-cnn14-converted/weights.safetensors";
  const std::string clip = std::string(kData) + "/audio/1-100032-A-0.ogg";
  AppRun p = app("predict " + clip + " --checkpoint " + converted + " --top-k 3 --threads 1");
  ASSERT_EQ(p.status, 0) << p.out;
  // An AudioSet tagger: AudioSet's names, and each class's own sigmoid score (not a softmax).
  AppRun pj = app("predict " + clip + " --checkpoint " + converted + " --top-k 527 --threads 1 --json --logits " + tmp("tag.npy"));
  ASSERT_EQ(pj.status, 0) << pj.out;
  EXPECT_NE(pj.out.find("\"task\": \"tagging\""), std::string::npos) << pj.out;
  EXPECT_NE(pj.out.find("\"class\": \"Speech\""), std::string::npos) << pj.out;
  EXPECT_EQ(pj.out.find("\"probability\""), std::string::npos) << pj.out;
  {
    std::vector<float> logits = ag::load_npy(tmp("tag.npy")).to_vector<float>();
    ASSERT_EQ(logits.size(), 527u);
    const float best = *std::max_element(logits.begin(), logits.end());
    std::ostringstream expect;
    expect << "\"score\": " << 1.0f / (1.0f + std::exp(-best));  // the top score is the largest logit's sigmoid
    EXPECT_NE(pj.out.find(expect.str().substr(0, 14)), std::string::npos) << expect.str() << "\n" << pj.out.substr(0, 400);
  }
  AppRun none = app("predict " + clip + " --checkpoint " + converted + " --threshold 1 --threads 1");
  EXPECT_NE(none.out.find("(no class scores 1.000 or more)"), std::string::npos) << none.out;
  AppRun badt = app("predict " + clip + " --checkpoint " + converted + " --threshold 2");
  EXPECT_NE(badt.out.find("--threshold must be in [0, 1], got 2"), std::string::npos) << badt.out;
  std::string out = tmp("from_converted");
  AppRun t = app("train --data " + std::string(kData) + " --model cnn14 --pretrained " + converted +
                 " --transfer freeze-base --limit 4 --clip-seconds 1 --batch-size 4 --epochs 1 --cache none --out " + out);
  ASSERT_EQ(t.status, 0) << t.out;
  const std::string tuned = out + "/fold1/model.safetensors";
  EXPECT_EQ(ag::nn::load_safetensors(tuned).metadata.at("audiograd.base_channels"), "2");
  AppRun p2 = app("predict " + clip + " --checkpoint " + tuned + " --top-k 3 --threads 1");
  EXPECT_EQ(p2.status, 0) << p2.out;
}

TEST_F(App, TrainingOnAValidationFoldLeavesTheExcludedFoldOut) {
  // --folds 2 --exclude-folds 1: train on folds 3-5, test on fold 2, never read fold 1.
  std::string out = tmp("excluded");
  AppRun r = app("train --data " + std::string(kData) + " --folds 2 --exclude-folds 1 --limit 8 --clip-seconds 1 "
                 "--batch-size 8 --epochs 1 --cache none --out " + out);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("train 8 clips (folds != 2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1600 clips, 50 classes, folds 2-5"), std::string::npos) << r.out;
}

TEST_F(App, CheckpointForAnotherModelIsRefused) {
  std::string dir = tmp("other");
  fs::create_directories(dir);
  ag::nn::Linear lin(3, 2);
  std::string p = dir + "/plain.safetensors";
  ag::nn::save_checkpoint(p, lin);
  AppRun r = app("eval --checkpoint " + p + " --data " + std::string(kData));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("not an audiograd model checkpoint"), std::string::npos) << r.out;
}

}  // namespace
