// docs/examples/ch12_cnn14.cpp
#include <iostream>

#include "apps/models/cnn14.hpp"
#include "check.hpp"

using namespace ag;

int main() {
  models::ModelOptions opt;
  opt.num_classes = 527;                                    // the AudioSet head
  models::Cnn14 cnn14(opt);
  CHECK(cnn14.num_parameters(/*trainable_only=*/true) == 80753615);

  // PANNs' names, so the released checkpoint's state dict maps 1:1 (tools/convert_panns.py).
  nn::StateDict sd = cnn14.state_dict();
  for (const char* name : {"bn0.running_mean", "conv_block1.conv1.weight", "conv_block6.bn2.weight", "fc1.bias", "fc_audioset.weight"})
    CHECK(sd.contains(name));
  std::cout << sd.size() << " tensors; conv_block1.conv1.weight " << shape_str(sd.at("conv_block1.conv1.weight").shape()) << "\n";

  // Transfer learning: the AudioSet layer goes, fc_transfer (2048 -> 10) reads the embedding.
  cnn14.replace_head(10, /*seed=*/1);
  CHECK(!cnn14.state_dict().contains("fc_audioset.weight"));
  CHECK(cnn14.state_dict().at("fc_transfer.weight").shape() == Shape({10, 2048}));
  cnn14.requires_grad_(false);                              // freeze the base ...
  cnn14.requires_grad_("fc_transfer.", true);               // ... but train the new head
  CHECK(cnn14.num_parameters(true) == 2048 * 10 + 10);

  cnn14.eval();
  NoGradGuard no_grad;
  Variable logits = cnn14.forward(Variable(randn({1, 1, 501, 64})));  // one 5 s clip, panns log-mel
  CHECK(logits.shape() == Shape({1, 10}));
  std::cout << "embedding size " << cnn14.embedding_size() << ", logits " << shape_str(logits.shape()) << "\n";
}
