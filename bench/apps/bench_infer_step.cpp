// bench_infer_step: times inference (eval mode, no graph recorded, forward + softmax) of a model on
// random log-mels of the real input shape, after a warm-up call. Prints one JSON line per call for
// bench/apps/compare_infer.py, which runs the same model in PyTorch under torch.inference_mode().
//
// Usage: bench_infer_step MODEL BATCH STEPS THREADS [FRAMES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "apps/models/model.hpp"

using namespace ag;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_infer_step MODEL BATCH STEPS THREADS [FRAMES]\n");
    return 2;
  }
  const std::string name = argv[1];
  const int64_t batch = std::atoll(argv[2]);
  const int steps = std::atoi(argv[3]);
  set_num_threads(std::atoi(argv[4]));
  models::ModelOptions o;
  o.num_classes = 50;
  auto model = models::build_model(name, o);
  model->eval();
  const audio::FrontendConfig fc = model->frontend();
  int64_t frames = argc > 5 ? std::atoll(argv[5]) : fc.num_frames(5 * fc.sample_rate);
  frames = frames / model->time_multiple() * model->time_multiple();
  Generator g(0);
  const Tensor x = randn({batch, 1, frames, fc.n_mels}, DType::Float32, &g);
  NoGradGuard no_grad;
  double sink = 0;  // every result is read, and the sum printed, so nothing is optimised away
  for (int s = 0; s <= steps; ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    const Variable p = softmax(model->forward(Variable(x)), 1);
    sink += p.data().data_ptr<float>()[0];
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0) std::printf("{\"model\": \"%s\", \"batch\": %ld, \"step_s\": %.5f, \"clips_per_s\": %.3f}\n", name.c_str(),
                           static_cast<long>(batch), dt, static_cast<double>(batch) / dt);
  }
  std::fprintf(stderr, "sum of the first probabilities: %g\n", sink);
  return 0;
}
