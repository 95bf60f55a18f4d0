// test_pretrain.cpp: the seed pipeline's pretrain_urban as a command sequence, on small synthetic
// folders in the real layouts (docs/14_transfer.md, "Pretraining on UrbanSound8K"):
//   audiograd train --dataset us8k --data US8K --folds 10 --out runs/us8k
//   audiograd train --dataset esc50 --data ESC-50 --pretrained runs/us8k/fold10/model.safetensors ...
// The second run must load the whole backbone, replace the 10-class head by a 50-class one, and
// (with --transfer freeze-base) leave every backbone parameter exactly as pretrained.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "audio/decode.hpp"
#include "nn/nn.hpp"
#include "tests/apps/app_runner.hpp"

namespace fs = std::filesystem;

namespace {

using Result = ag::test::ShellResult;

Result app(const std::string& args) { return ag::test::shell(std::string(AUDIOGRAD_BIN) + " " + args); }

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// One second of a class's tone (a fold-dependent detune, so the folds are not copies).
void write_tone(const fs::path& path, double freq, int rate) {
  fs::create_directories(path.parent_path());
  std::vector<float> x(static_cast<size_t>(rate));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(0.3 * std::sin(2 * 3.14159265358979 * freq * static_cast<double>(i) / rate));
  ag::audio::write_wav(path.string(), x, 1, rate, ag::audio::WavFormat::Pcm16);
}

// UrbanSound8K's layout: metadata/UrbanSound8K.csv, audio/fold<k>/; 10 classes x 10 folds.
std::string fake_us8k(const fs::path& root) {
  const char* names[] = {"air_conditioner", "car_horn", "children_playing", "dog_bark", "drilling",
                         "engine_idling", "gun_shot", "jackhammer", "siren", "street_music"};
  std::string csv = "slice_file_name,fsID,start,end,salience,fold,classID,class\n";
  for (int fold = 1; fold <= 10; ++fold)
    for (int c = 0; c < 10; ++c) {
      const std::string f = std::to_string(fold * 100 + c) + "-" + std::to_string(c) + "-0-0.wav";
      csv += f + "," + std::to_string(fold * 100 + c) + ",0,1,1," + std::to_string(fold) + "," + std::to_string(c) + "," + names[c] + "\n";
      write_tone(root / "audio" / ("fold" + std::to_string(fold)) / f, 200.0 * (c + 1) + fold, 22050);
    }
  write_text(root / "metadata" / "UrbanSound8K.csv", csv);
  return root.string();
}

// ESC-50's official WAV layout: meta/esc50.csv, audio/; 50 classes in folds 1 and 2.
std::string fake_esc50(const fs::path& root) {
  std::string csv = "filename,fold,target,category,esc10,src_file,take\n";
  for (int fold = 1; fold <= 2; ++fold)
    for (int c = 0; c < 50; ++c) {
      const std::string name = std::to_string(fold) + "-" + std::to_string(1000 + c) + "-A-" + std::to_string(c);
      csv += name + ".wav," + std::to_string(fold) + "," + std::to_string(c) + ",class" + std::to_string(c) + ",False,x,A\n";
      write_tone(root / "audio" / (name + ".wav"), 100.0 + 40.0 * c + fold, 44100);
    }
  write_text(root / "meta" / "esc50.csv", csv);
  return root.string();
}

TEST(Pretrain, UrbanSoundThenEsc50WithPretrained) {
  const fs::path dir = fs::temp_directory_path() / ("audiograd_pretrain_" + std::to_string(getpid()));
  const std::string us = fake_us8k(dir / "US8K"), esc = fake_esc50(dir / "ESC-50");
  const std::string common = " --model erann-3-1 --clip-seconds 1 --crop-seconds 0 --batch-size 10 --threads 2 --workers 1 --cache none --seed 1";
  const std::string us_run = (dir / "runs" / "us8k").string();
  Result pre = app("train --dataset us8k --data " + us + " --folds 10 --epochs 1" + common + " --out " + us_run);
  ASSERT_EQ(pre.status, 0) << pre.out;
  EXPECT_NE(pre.out.find("train 90 clips (folds != 10), test 10 clips"), std::string::npos) << pre.out;
  const std::string pretrained = (fs::path(us_run) / "fold10" / "model.safetensors").string();

  const std::string esc_run = (dir / "runs" / "esc50").string();
  Result fine = app("train --dataset esc50 --data " + esc + " --folds 1 --epochs 1 --pretrained " + pretrained +
                    " --transfer freeze-base" + common + " --out " + esc_run);
  ASSERT_EQ(fine.status, 0) << fine.out;
  EXPECT_NE(fine.out.find("pretrained: new head"), std::string::npos) << fine.out;
  EXPECT_NE(fine.out.find("with 50 classes"), std::string::npos) << fine.out;

  // Every backbone parameter is the pretrained one (frozen); the head is new, with 50 outputs.
  ag::nn::SafeTensors a = ag::nn::load_safetensors(pretrained);
  ag::nn::SafeTensors b = ag::nn::load_safetensors((fs::path(esc_run) / "fold1" / "model.safetensors").string());
  int compared = 0;
  for (const auto& [name, t] : a.tensors.items()) {
    const bool buffer = name.find("running_") != std::string::npos || name.find("num_batches_tracked") != std::string::npos;
    if (name.rfind("fc", 0) == 0 || buffer) continue;  // the head; BN statistics still move in training mode
    ASSERT_TRUE(b.tensors.contains(name)) << name;
    EXPECT_TRUE(ag::allclose(t, b.tensors.at(name), 0, 0)) << name << " changed although frozen";
    ++compared;
  }
  EXPECT_GT(compared, 20);
  bool head50 = false;
  for (const auto& [name, t] : b.tensors.items())
    if (name.rfind("fc", 0) == 0 && t.dim() == 2 && t.size(0) == 50) head50 = true;
  EXPECT_TRUE(head50) << "no 50-class head in the fine-tuned model";

  EXPECT_NE(fine.out.find("pretrained: loaded"), std::string::npos) << fine.out;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
