// docs/examples/ch16_blocks.cpp
// A model from a list of blocks: the seed pipeline's default model, read from the configuration
// file the app ships (apps/audiograd/configs/audio_survey.ini, its `blocks=` line), built by the
// registry and run on a 5 s log-mel of the survey front end.
#include <fstream>
#include <string>

#include "apps/models/model.hpp"
#include "docs/examples/check.hpp"

using namespace ag;

// The quoted strings of the `blocks=` line: "res 32 32" "max_pool 2 2" ...
std::vector<std::string> blocks_of(const std::string& ini) {
  std::ifstream f(ini);
  std::vector<std::string> blocks;
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("blocks=", 0) != 0) continue;
    for (size_t a = line.find('"'); a != std::string::npos; a = line.find('"', a + 1)) {
      const size_t b = line.find('"', a + 1);
      blocks.push_back(line.substr(a + 1, b - a - 1));
      a = b;
    }
  }
  return blocks;
}

int main() {
  models::ModelOptions o;
  o.num_classes = 50;
  o.blocks = blocks_of("apps/audiograd/configs/audio_survey.ini");
  CHECK(o.blocks.size() == 22);
  CHECK(o.blocks.front() == "res 32 32" && o.blocks.back() == "activation gelu");
  o.res_block = "activation=gelu batch_first=true kernel_size=5,5 kernel_size_res=2,2";
  auto model = models::build_model("blocks", o);  // the dry pass sizes every block

  audio::FrontendConfig fc = model->frontend();  // the survey preset: 30 kHz, 128 mels, hop 240
  const int64_t frames = fc.num_frames(5 * fc.sample_rate);
  CHECK(fc.sample_rate == 30000 && fc.n_mels == 128 && frames == 626);
  NoGradGuard no_grad;
  model->eval();
  Variable logits = model->forward(Variable(randn({2, 1, frames, fc.n_mels})));
  CHECK(logits.shape() == (Shape{2, 50}));
  const int64_t params = model->num_parameters();
  const double gmacs = static_cast<double>(models::count_macs(*model, {1, 1, frames, fc.n_mels})) / 1e9;
  std::printf("%zu blocks, %ld parameters, %.1f G multiply-adds per 5 s clip, embedding %ld\n", o.blocks.size(),
              static_cast<long>(params), gmacs, static_cast<long>(model->embedding_size()));
  CHECK(params == 4050004);
  CHECK(gmacs > 34 && gmacs < 36);
  return 0;
}
