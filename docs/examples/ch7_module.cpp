// docs/examples/ch7_module.cpp
#include <filesystem>
#include <iostream>

#include "check.hpp"
#include "nn/nn.hpp"

using namespace ag;
using namespace ag::nn;

// CNN14's building block, with the names PANNs' PyTorch code uses: conv1, bn1, conv2, bn2.
struct ConvBlock : Module {
  std::shared_ptr<Conv2d> conv1, conv2;
  std::shared_ptr<BatchNorm2d> bn1, bn2;
  ConvBlock(int64_t in, int64_t out) : Module("ConvBlock") {
    const Conv2dOptions conv3x3{/*stride=*/1, /*padding=*/1, /*dilation=*/1, /*bias=*/false};
    conv1 = register_module("conv1", std::make_shared<Conv2d>(in, out, 3, conv3x3));
    bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(out));
    conv2 = register_module("conv2", std::make_shared<Conv2d>(out, out, 3, conv3x3));
    bn2 = register_module("bn2", std::make_shared<BatchNorm2d>(out));
  }
  // x (B, in, T, F) -> (B, out, T/2, F/2). Only ops: the backward comes with them.
  Variable forward_impl(const Variable& x) override {
    Variable h = relu(bn1->forward(conv1->forward(x)));
    h = relu(bn2->forward(conv2->forward(h)));
    return avg_pool2d(h, 2);
  }
};

struct TinyCnn : Module {
  std::shared_ptr<ConvBlock> conv_block1;
  std::shared_ptr<Linear> fc;
  TinyCnn(int64_t classes) : Module("TinyCnn") {
    conv_block1 = register_module("conv_block1", std::make_shared<ConvBlock>(1, 8));
    fc = register_module("fc", std::make_shared<Linear>(8, classes));
  }
  Variable forward_impl(const Variable& x) override {
    return fc->forward(global_avg_pool(conv_block1->forward(x)));  // (B, 8) -> (B, classes)
  }
};

int main() {
  TinyCnn net(5);
  std::cout << summary(net, {2, 1, 32, 16});  // a forward in eval mode, shapes per module

  // Dotted names, exactly PyTorch's: a PANNs state dict maps onto these 1:1.
  for (const auto& [name, t] : net.state_dict().items()) std::cout << name << " " << shape_str(t.shape()) << "\n";
  CHECK(net.state_dict().contains("conv_block1.bn2.running_mean"));

  // Transfer learning: freeze the block, train only the head.
  const int64_t frozen = net.requires_grad_("conv_block1.", false);
  std::cout << frozen << " tensors frozen; trainable parameters: " << net.num_parameters(true) << "\n";
  CHECK(net.num_parameters(true) == 8 * 5 + 5);

  // Save (safetensors, written to a temporary name and renamed) and load into a fresh model.
  const std::string path = (std::filesystem::temp_directory_path() / "ch7_tiny.safetensors").string();
  save_checkpoint(path, net, nullptr, {{"epoch", "1"}});
  TinyCnn copy(5);
  const CheckpointInfo info = load_checkpoint(path, copy);
  CHECK(info.metadata.at("epoch") == "1");
  CHECK(allclose(copy.fc->weight.data(), net.fc->weight.data(), 0, 0));

  // A model with another head: strict loading refuses and says why; non-strict loads the rest.
  TinyCnn other(7);
  try {
    load_checkpoint(path, other);
  } catch (const ValueError& e) {
    std::cout << "strict: " << e.what() << "\n";
  }
  const LoadReport report = load_checkpoint(path, other, nullptr, /*strict=*/false).report;
  std::cout << "non-strict: " << report.to_string() << "\n";
  CHECK(report.mismatched.size() == 2);
  std::filesystem::remove(path);
}
