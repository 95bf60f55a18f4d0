// docs/examples/ch9_train.cpp
#include <iostream>

#include "check.hpp"
#include "nn/nn.hpp"

using namespace ag;
using namespace ag::nn;

int main() {
  // A toy problem: 3 classes of 2-d points around three centres.
  Generator gen(0);
  const int64_t n = 96;
  Tensor labels = randint(0, 3, {n}, &gen);
  Tensor centres = tensor({-2, 0, 2, 0, 0, 2}, {3, 2});
  Tensor x = add(index_select(centres, 0, labels), mul(randn({n, 2}, DType::Float32, &gen), 0.5));

  Sequential model;
  model.push_back("body", std::make_shared<Linear>(2, 16, true, &gen))
      .push_back("act", make_activation("gelu"))
      .push_back("head", std::make_shared<Linear>(16, 3, true, &gen));

  // Two parameter groups: the head learns 10x faster than the body.
  AdamWOptions options;
  options.lr = 1e-2;
  AdamW opt(std::vector<ParamGroupSpec>{{model.submodule("body")->parameters(), 1e-3}, {model.submodule("head")->parameters()}},
            options);
  const int64_t steps = 60;
  CosineWarmupLR schedule(opt, /*warmup_steps=*/5, steps);

  double first = 0, last = 0;
  for (int64_t step = 0; step < steps; ++step) {
    opt.zero_grad();
    // Label smoothing 0.1: the target is 0.9 one-hot + 0.1 / 3 everywhere.
    Variable loss = cross_entropy(model.forward(Variable(x)), labels, 0.1);
    loss.backward();
    clip_grad_norm_(model.parameters(), 1.0);
    opt.step();
    schedule.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  std::cout << "loss " << first << " -> " << last << "\n";
  CHECK(last < 0.6 * first);

  // Mixup: soft targets are probabilities per class, the same cross_entropy accepts them.
  Tensor soft = add(mul(one_hot(labels, 3), 0.7), mul(one_hot(index_select(labels, 0, randperm(n, &gen)), 3), 0.3));
  std::cout << "mixup loss " << cross_entropy(model.forward(Variable(x)), soft).item<double>() << "\n";

  // The optimiser's state is named tensors, saved beside the model by save_checkpoint.
  const StateDict state = opt.state_dict();
  std::cout << state.size() << " optimiser tensors, e.g. " << state.keys()[0] << "\n";
  CHECK(state.contains("state.1.0.exp_avg"));
}
