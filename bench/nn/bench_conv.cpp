// bench_conv: forward + backward time of conv2d layers, for bench/nn/compare.py, which runs the
// same layers in PyTorch and prints the ratios. One JSON line per layer.
//
// Usage: bench_conv THREADS REPS SPEC [SPEC ...]
//   SPEC = name:B,C,H,W,O,KH,KW,SH,SW,PH,PW   (no bias, like ERANN and CNN14; the input takes a
//   gradient unless C = 1, as in a network whose first layer reads the log-mel)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"
#include "autograd/node.hpp"

using namespace ag;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_conv THREADS REPS name:B,C,H,W,O,KH,KW,SH,SW,PH,PW ...\n");
    return 2;
  }
  const int threads = std::atoi(argv[1]), reps = std::atoi(argv[2]);
  set_num_threads(threads);
  for (int a = 3; a < argc; ++a) {
    const std::string spec = argv[a];
    const std::string name = spec.substr(0, spec.find(':'));
    std::vector<int64_t> v;
    std::stringstream ss(spec.substr(spec.find(':') + 1));
    for (std::string item; std::getline(ss, item, ',');) v.push_back(std::atoll(item.c_str()));
    if (v.size() != 11) {
      std::fprintf(stderr, "bench_conv: bad spec %s\n", spec.c_str());
      return 2;
    }
    Generator g(1);
    // The input stands for an activation inside a network: a non-leaf whose gradient flows on to
    // the layer before (here a node that drops it), so the timing includes computing dL/dx but not
    // the copy the engine makes when a gradient lands in a leaf's .grad (PyTorch's bench has none).
    // (Made anew for every repetition: backward frees the node.)
    Variable leaf(randn({v[0], v[1], v[2], v[3]}, DType::Float32, &g), v[1] > 1);
    Variable w(mul(randn({v[4], v[1], v[5], v[6]}, DType::Float32, &g), 0.05), true);
    std::vector<double> fwd, total;
    double spent = 0;
    // The first call is a warm-up (workspaces, page faults); then at least REPS calls, and more for
    // small layers until 0.3 s have been spent (at most 50), so their medians are not noise.
    for (int r = 0; r < reps + 1 || (spent < 0.3 && r < 51); ++r) {
      w.zero_grad();
      const Variable x = record("previous_layer", leaf.data(), {leaf}, [](const Tensor&) { return TensorList{Tensor()}; });
      const auto t0 = Clock::now();
      const Variable y = conv2d(x, w, Variable(), Size2(v[7], v[8]), Size2(v[9], v[10]));
      const auto t1 = Clock::now();
      y.backward(ones(y.shape()));
      const auto t2 = Clock::now();
      if (r == 0) continue;
      spent += std::chrono::duration<double>(t2 - t0).count();
      fwd.push_back(std::chrono::duration<double>(t1 - t0).count());
      total.push_back(std::chrono::duration<double>(t2 - t0).count());
    }
    std::printf("{\"layer\": \"%s\", \"threads\": %d, \"forward\": [", name.c_str(), threads);
    for (size_t i = 0; i < fwd.size(); ++i) std::printf("%s%.6e", i ? ", " : "", fwd[i]);
    std::printf("], \"total\": [");
    for (size_t i = 0; i < total.size(); ++i) std::printf("%s%.6e", i ? ", " : "", total[i]);
    std::printf("]}\n");
    std::fflush(stdout);
  }
  return 0;
}
