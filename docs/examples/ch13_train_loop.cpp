// docs/examples/ch13_train_loop.cpp
#include <filesystem>
#include <iostream>

#include "apps/audiograd/data.hpp"
#include "apps/models/model.hpp"
#include "check.hpp"

using namespace ag;

// The heart of `audiograd train`, on 16 ESC-50 clips: data set -> loader -> model -> loss ->
// backward -> optimiser, with SpecAugment ramped in from the second epoch and an average of the
// weights (EMA). (The app adds folds, schedules, mixup, checkpoints and reports.)
int main() {
  const std::string root = "../shared/data/esc50";
  if (!std::filesystem::exists(root + "/meta/esc50.csv")) {
    std::cout << "ESC-50 not found at " << root << "; nothing to do\n";
    return 0;
  }
  set_num_threads(2);
  audio::AudioDataset data = audio::esc50(root).with_folds({2});
  data = data.filter([n = 0](const audio::AudioItem&) mutable { return n++ < 16; });

  models::ModelOptions opt;
  opt.num_classes = 50;
  auto model = models::build_model("erann-3-1", opt);
  audio::PipelineOptions pipe = app::pipeline_for(*model, /*clip_seconds=*/1.0);  // 44.1 kHz, 128 mels
  pipe.augment = "time_mask freq_mask";  // SpecAugment, after the log-mel
  audio::LoaderOptions lo;
  lo.batch_size = 8;
  audio::BatchLoader loader(data, pipe, lo);
  nn::Adam adam(model->parameters(), {/*lr=*/1e-3});
  nn::ExponentialMovingAverage ema(*model, /*decay=*/0.9);

  double first = 0, last = 0;
  for (int epoch = 0; epoch < 4; ++epoch) {
    // --augment-from 2 --augment-ramp 2: nothing in epoch 1, half the probability in 2, all from 3.
    loader.start_epoch(epoch, audio::augment_strength(/*epoch=*/epoch + 1, /*from=*/2, /*ramp=*/2));
    audio::Batch batch;
    while (loader.next(batch)) {
      Tensor x = app::fit_frames(batch.features, model->time_multiple());  // (8, 1, 128, 128)
      Variable loss = cross_entropy(model->forward(Variable(x)), batch.labels);
      adam.zero_grad();
      loss.backward();
      adam.step();
      ema.update(*model);  // after every optimiser step
      if (epoch == 0 && first == 0) first = loss.item<double>();
      last = loss.item<double>();
    }
    std::cout << "epoch " << epoch << ": loss " << last << "\n";
  }
  CHECK(last < first);  // it learns (these 16 clips, at least)

  // Evaluate (and save) the average: AveragedWeights swaps it in for its scope, then back.
  const float live = model->parameters()[0].data().to_vector<float>()[0];
  {
    nn::AveragedWeights averaged(&ema, *model);
    model->eval();
    CHECK(model->parameters()[0].data().to_vector<float>()[0] != live);
  }
  CHECK(model->parameters()[0].data().to_vector<float>()[0] == live);
  std::cout << ema.num_updates() << " updates of the average\n";
}
