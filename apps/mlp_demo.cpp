// mlp_demo: trains a two-layer MLP on a synthetic three-armed spiral with nothing but tensor/ and
// autograd/ (no nn/ layers): a small, complete picture of a training loop.
//
//   x (B, 2) -> Linear(2, H) -> ReLU -> Linear(H, 3) -> logits (B, 3) -> cross-entropy
//
// Usage: mlp_demo [epochs] [hidden] [seed]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "autograd/autograd.hpp"

using namespace ag;

namespace {

// N points per class on K spiral arms with Gaussian jitter (the classic CS231n toy problem).
void make_spiral(int64_t n, int64_t k, Generator& gen, Tensor& x, Tensor& y) {
  x = zeros({n * k, 2});
  y = zeros({n * k}, DType::Int64);
  float* xp = x.data_ptr<float>();
  int64_t* yp = y.data_ptr<int64_t>();
  for (int64_t c = 0; c < k; ++c)
    for (int64_t i = 0; i < n; ++i) {
      double r = static_cast<double>(i) / static_cast<double>(n);
      double t = static_cast<double>(c) * 4.0 + 4.0 * r + gen.normal() * 0.2;
      xp[(c * n + i) * 2] = static_cast<float>(r * std::sin(t));
      xp[(c * n + i) * 2 + 1] = static_cast<float>(r * std::cos(t));
      yp[c * n + i] = c;
    }
}

// Mean cross-entropy of logits (B, N) against int64 labels (B): logsumexp(z) - z[label].
Variable mean_cross_entropy(const Variable& logits, const Tensor& labels) {
  Variable picked = gather(logits, 1, labels.unsqueeze(1));  // (B, 1)
  return mean(logsumexp(logits, {1}, true) - picked);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    int epochs = argc > 1 ? std::stoi(argv[1]) : 300;
    int64_t hidden = argc > 2 ? std::stoll(argv[2]) : 64;
    uint64_t seed = argc > 3 ? std::stoull(argv[3]) : 0;
    if (epochs < 1 || hidden < 1) throw ValueError("mlp_demo: epochs and hidden must be positive");
    Generator gen(seed);
    Tensor x, y;
    make_spiral(100, 3, gen, x, y);

    // Parameters, Kaiming-uniform-like scale, as leaves that require grad.
    auto param = [&](Shape s, double fan_in) { return Variable(uniform(s, -1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in), DType::Float32, &gen), true); };
    Variable w1 = param({2, hidden}, 2), b1 = param({hidden}, 2);
    Variable w2 = param({hidden, 3}, static_cast<double>(hidden)), b2 = param({3}, static_cast<double>(hidden));
    std::vector<Variable> params{w1, b1, w2, b2};
    std::vector<Tensor> velocity;
    for (auto& p : params) velocity.push_back(zeros_like(p.data()));

    const double lr = 0.5, momentum = 0.9;
    Variable input(x);
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      Variable h = maximum(matmul(input, w1) + b1, Variable(zeros({})));  // ReLU
      Variable logits = matmul(h, w2) + b2;
      Variable loss = mean_cross_entropy(logits, y);
      for (auto& p : params) p.zero_grad();
      loss.backward();
      {
        NoGradGuard no_grad;  // SGD with momentum: v = m v + g; p -= lr v
        for (size_t i = 0; i < params.size(); ++i) {
          velocity[i].mul_(momentum).add_(params[i].grad());
          Tensor w = params[i].data();  // a handle: add_ writes into the parameter's storage
          w.add_(velocity[i], -lr);
        }
      }
      if (epoch == 1 || epoch % 50 == 0 || epoch == epochs) {
        double acc = mean(eq(argmax(logits.data(), 1), y).to(DType::Float64)).item<double>();
        std::printf("epoch %4d  loss %.4f  train accuracy %.1f%%\n", epoch, loss.item<double>(), 100 * acc);
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mlp_demo: " << e.what() << "\n";
    return 1;
  }
}
