// bench_train_step: times whole training steps (forward, cross-entropy, backward, Adam step) of a
// model on random log-mels of the real input shape, after a warm-up step. Prints one JSON line per
// step for bench/apps/compare_train.py, which runs the same model in PyTorch.
//
// Usage: bench_train_step MODEL BATCH STEPS THREADS [FRAMES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "apps/models/model.hpp"

using namespace ag;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_train_step MODEL BATCH STEPS THREADS [FRAMES]\n");
    return 2;
  }
  std::string name = argv[1];
  int64_t batch = std::atoll(argv[2]);
  int steps = std::atoi(argv[3]);
  set_num_threads(std::atoi(argv[4]));
  models::ModelOptions o;
  o.num_classes = 50;
  auto model = models::build_model(name, o);
  audio::FrontendConfig fc = model->frontend();
  int64_t frames = argc > 5 ? std::atoll(argv[5]) : fc.num_frames(5 * fc.sample_rate);
  frames = frames / model->time_multiple() * model->time_multiple();
  Generator g(0);
  Tensor x = randn({batch, 1, frames, fc.n_mels}, DType::Float32, &g);
  Tensor y = randint(0, 50, {batch}, &g);
  nn::Adam opt(model->parameters(), nn::AdamOptions{});
  for (int s = 0; s <= steps; ++s) {
    auto t0 = std::chrono::steady_clock::now();
    Variable loss = cross_entropy(model->forward(Variable(x)), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0) std::printf("{\"model\": \"%s\", \"batch\": %ld, \"step_s\": %.5f, \"clips_per_s\": %.3f}\n", name.c_str(),
                           static_cast<long>(batch), dt, static_cast<double>(batch) / dt);
  }
  return 0;
}
