// test_modules.cpp: nn::Module (names, state dicts, modes, freezing, summary), the layers and the
// initialisers.
#include <cmath>

#include "nn_test_util.hpp"

namespace ag::test {
namespace {

using namespace ag::nn;

// A miniature CNN14 block, named like PANNs' code so the dotted names can be checked.
struct ConvBlock : Module {
  std::shared_ptr<Conv2d> conv1;
  std::shared_ptr<BatchNorm2d> bn1;
  ConvBlock(int64_t in, int64_t out) : Module("ConvBlock") {
    conv1 = register_module("conv1", std::make_shared<Conv2d>(in, out, 3, Conv2dOptions{1, 1, 1, false}));
    bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(out));
  }
  Variable forward_impl(const Variable& x) override { return avg_pool2d(relu(bn1->forward(conv1->forward(x))), 2); }
};

struct TinyNet : Module {
  std::shared_ptr<ConvBlock> conv_block1;
  std::shared_ptr<Linear> fc;
  TinyNet() : Module("TinyNet") {
    conv_block1 = register_module("conv_block1", std::make_shared<ConvBlock>(1, 4));
    fc = register_module("fc", std::make_shared<Linear>(4, 3));
  }
  Variable forward_impl(const Variable& x) override { return fc->forward(global_avg_pool(conv_block1->forward(x))); }
};

TEST(Module, DottedNamesMatchPyTorch) {
  TinyNet net;
  std::vector<std::string> names;
  for (const auto& kv : net.state_dict().items()) names.push_back(kv.first);
  const std::vector<std::string> expected = {
      "conv_block1.conv1.weight",      "conv_block1.bn1.weight",       "conv_block1.bn1.bias",
      "conv_block1.bn1.running_mean",  "conv_block1.bn1.running_var",  "conv_block1.bn1.num_batches_tracked",
      "fc.weight",                     "fc.bias"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(net.named_parameters().size(), 5u);
  EXPECT_EQ(net.named_buffers().size(), 3u);
  EXPECT_EQ(net.num_parameters(), 4 * 9 + 4 + 4 + 12 + 3);
  EXPECT_EQ(net.submodule("conv_block1.bn1")->type_name(), "BatchNorm2d");
  EXPECT_TRUE(throws_with<ValueError>([&] { net.submodule("conv_block1.bn9"); }, "no submodule \"bn9\""));
  EXPECT_TRUE(throws_with<ValueError>([&] { net.register_parameter("fc", zeros({1})); }, "already registered"));
}

TEST(Module, StateDictRoundTripAndStrictErrors) {
  TinyNet a, b;
  EXPECT_FALSE(allclose(a.fc->weight.data(), b.fc->weight.data()));
  b.load_state_dict(a.state_dict());
  EXPECT_TRUE(allclose(a.fc->weight.data(), b.fc->weight.data(), 0, 0));
  // The state dict holds the module's own tensors: loading wrote into b's storage, not a copy.
  EXPECT_TRUE(allclose(b.state_dict().at("fc.weight"), a.fc->weight.data(), 0, 0));

  StateDict bad = a.state_dict();
  bad.insert("fc.weight", zeros({3, 5}));
  bad.insert("head.bias", zeros({2}));
  StateDict partial;
  for (const auto& [k, t] : bad.items())
    if (k != "fc.bias") partial.insert(k, t);
  const Tensor before = b.fc->weight.data().clone();
  EXPECT_TRUE(throws_with<ValueError>([&] { b.load_state_dict(partial); }, "missing keys (1): fc.bias"));
  EXPECT_TRUE(throws_with<ValueError>([&] { b.load_state_dict(partial); }, "unexpected keys (1): head.bias"));
  EXPECT_TRUE(throws_with<ValueError>([&] { b.load_state_dict(partial); }, "fc.weight: module (3, 4) vs given (3, 5)"));
  EXPECT_TRUE(allclose(b.fc->weight.data(), before, 0, 0));  // strict failure loads nothing
  const LoadReport r = b.load_state_dict(partial, false);
  EXPECT_EQ(r.missing, std::vector<std::string>{"fc.bias"});
  EXPECT_EQ(r.unexpected, std::vector<std::string>{"head.bias"});
  EXPECT_EQ(r.mismatched.size(), 1u);
  EXPECT_EQ(r.loaded.size(), 6u);
}

TEST(Module, TrainEvalZeroGradAndFreezing) {
  TinyNet net;
  net.eval();
  EXPECT_FALSE(net.conv_block1->bn1->is_training());
  net.train();
  EXPECT_TRUE(net.conv_block1->bn1->is_training());

  const Variable x(randn({2, 1, 8, 6}));
  sum(net.forward(x)).backward();
  EXPECT_TRUE(net.conv_block1->conv1->weight.grad().defined());
  net.zero_grad();
  EXPECT_FALSE(net.conv_block1->conv1->weight.grad().defined());

  EXPECT_EQ(net.requires_grad_("conv_block1.", false), 3);
  EXPECT_EQ(net.num_parameters(true), 12 + 3);
  sum(net.forward(x)).backward();
  EXPECT_FALSE(net.conv_block1->conv1->weight.grad().defined());
  EXPECT_TRUE(net.fc->weight.grad().defined());
  EXPECT_TRUE(throws_with<ValueError>([&] { net.requires_grad_("conv_blok1", false); }, "no parameter name starts with \"conv_blok1\""));
  net.requires_grad_(true);
  EXPECT_EQ(net.num_parameters(true), net.num_parameters());
}

TEST(Module, BatchNormModuleTracksBatchesAndSwitchesStatistics) {
  BatchNorm2d bn(3);
  const Variable x(add(mul(randn({4, 3, 5, 5}), 2.0), 1.0));
  bn.forward(x);
  bn.forward(x);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);
  EXPECT_GT(bn.running_mean.at({0}), 0.1);  // moved towards the batch mean (~1)
  bn.eval();
  const Tensor rm = bn.running_mean.clone();
  const Variable y = bn.forward(x);
  EXPECT_TRUE(allclose(bn.running_mean, rm, 0, 0));  // eval does not move the statistics
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);
  EXPECT_TRUE(throws_with<ShapeError>([&] { bn.forward(Variable(zeros({4, 3, 5}))); }, "BatchNorm2d: expected a 4-d input, got (4, 3, 5)"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { bn.forward(Variable(zeros({4, 2, 5, 5}))); }, "has 2 channels, the layer expects 3"));
}

// forward_leaky_relu is forward followed by leaky_relu, as one op: same output, the same bookkeeping
// (batches tracked, running statistics, the shape summary() shows) and the same shape checks.
TEST(Module, BatchNormForwardLeakyReluIsForwardThenActivation) {
  BatchNorm2d fused(3), plain(3);
  const Variable x(add(mul(randn({4, 3, 5, 5}), 2.0), 1.0));
  const Variable y = fused.forward_leaky_relu(x, 0.01);
  const Variable expected = leaky_relu(plain.forward(x), 0.01);
  EXPECT_TRUE(allclose(y.data(), expected.data(), 1e-5, 1e-6));
  EXPECT_EQ(fused.num_batches_tracked.item<int64_t>(), 1);
  EXPECT_TRUE(allclose(fused.running_mean, plain.running_mean, 0, 0));
  EXPECT_EQ(fused.last_output_shape(), (Shape{4, 3, 5, 5}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { fused.forward_leaky_relu(Variable(zeros({4, 2, 5, 5})), 0.0); },
                                      "has 2 channels, the layer expects 3"));
}

TEST(Module, SummaryShowsShapesAndCountsWithoutMovingStatistics) {
  TinyNet net;
  const Tensor rm = net.conv_block1->bn1->running_mean.clone();
  const std::string s = summary(net, {2, 1, 8, 6});
  EXPECT_NE(s.find("conv_block1: ConvBlock"), std::string::npos) << s;
  EXPECT_NE(s.find("conv1: Conv2d(1, 4, kernel=(3, 3), padding=(1, 1), bias=false)"), std::string::npos) << s;
  EXPECT_NE(s.find("(2, 4, 4, 3)"), std::string::npos) << s;  // the block's output after pooling
  EXPECT_NE(s.find("(2, 3)"), std::string::npos) << s;
  EXPECT_NE(s.find("parameters: 59 total, 59 trainable"), std::string::npos) << s;
  EXPECT_TRUE(allclose(net.conv_block1->bn1->running_mean, rm, 0, 0));
  EXPECT_TRUE(net.is_training());
}

TEST(Layers, LinearConvSequentialAndActivationsByName) {
  Linear fc(4, 3);
  EXPECT_EQ(fc.forward(Variable(zeros({2, 5, 4}))).shape(), (Shape{2, 5, 3}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { fc.forward(Variable(zeros({2, 5}))); }, "Linear: input (2, 5) should end in 4 features"));
  // y = x W^T + b, checked by hand.
  fc.weight.set_data(arange(0, 12, 1).reshape({3, 4}));
  fc.bias.set_data(tensor({1, 2, 3}));
  EXPECT_TRUE(tensors_close(fc.forward(Variable(ones({1, 4}))).data(), tensor({7, 24, 41}, {1, 3}), 0, 1e-6));

  Conv1d c1(2, 3, 11, Conv1dOptions{5, 5, 1, true});
  EXPECT_EQ(c1.forward(Variable(zeros({2, 2, 100}))).shape(), (Shape{2, 3, 20}));
  Conv2d c2(1, 4, {6, 3}, Conv2dOptions{{4, 2}, 1, 1, false});
  EXPECT_EQ(c2.forward(Variable(zeros({1, 1, 640, 128}))).shape(), (Shape{1, 4, 160, 64}));

  Sequential seq;
  seq.push_back(std::make_shared<Linear>(4, 8)).push_back("act", make_activation("swiglu")).push_back(std::make_shared<Flatten>());
  EXPECT_EQ(seq.forward(Variable(zeros({2, 4}))).shape(), (Shape{2, 4}));
  EXPECT_EQ(seq.state_dict().keys(), (std::vector<std::string>{"0.weight", "0.bias"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { make_activation("rleu"); }, "unknown activation \"rleu\"; known: "));
  for (const std::string& name : activation_names()) {
    const Variable y = make_activation(name)->forward(Variable(randn({2, 6})));
    EXPECT_FALSE(has_non_finite(y.data())) << name;
  }
  LeakyReLU lrelu(0.2);
  EXPECT_NEAR(lrelu.forward(Variable(tensor({-1}, {1}))).data().at({0}), -0.2, 1e-7);
}

TEST(Layers, PoolingDropoutAndDropBlock) {
  const Variable x(randn({2, 3, 8, 6}));
  EXPECT_EQ(MaxPool2d(Size2(2, 1)).forward(x).shape(), (Shape{2, 3, 4, 6}));
  EXPECT_EQ(AvgPool2d(2).forward(x).shape(), (Shape{2, 3, 4, 3}));
  EXPECT_EQ(MaxPool1d(4).forward(Variable(zeros({2, 3, 17}))).shape(), (Shape{2, 3, 4}));
  const Tensor avgmax = GlobalAvgMaxPool().forward(x).data();
  EXPECT_TRUE(tensors_close(avgmax, add(mean(x.data(), {2, 3}), amax(x.data(), {2, 3})), 1e-6, 1e-6));

  Dropout d(0.5);
  d.eval();
  EXPECT_TRUE(d.forward(x).data().shares_storage(x.data()));
  DropBlock db(0.3, 3);
  const Tensor y = db.forward(Variable(ones({4, 2, 20, 20}))).data();
  const std::vector<float> v = y.to_vector<float>();
  double mean_v = 0, zero_frac = 0;
  for (float e : v) mean_v += e, zero_frac += e == 0.0f;
  mean_v /= double(v.size());
  zero_frac /= double(v.size());
  EXPECT_NEAR(mean_v, 1.0, 1e-5);      // rescaled to keep the mean
  EXPECT_NEAR(zero_frac, 0.3, 0.08);   // about p of the map dropped (blocks overlap a little)
  // Dropped elements come in blocks: a zero has a zero neighbour.
  int64_t isolated = 0;
  for (int64_t i = 1; i < 19; ++i)
    for (int64_t j = 1; j < 19; ++j)
      if (y.at({0, 0, i, j}) == 0 && y.at({0, 0, i - 1, j}) != 0 && y.at({0, 0, i + 1, j}) != 0) ++isolated;
  EXPECT_EQ(isolated, 0);
}

TEST(Init, FansGainsAndDistributions) {
  const Tensor w = zeros({64, 32, 3, 3});
  EXPECT_EQ(init::fan_in_and_fan_out(w), (std::pair<int64_t, int64_t>{288, 576}));
  EXPECT_NEAR(init::calculate_gain("leaky_relu", 0.01), std::sqrt(2.0 / (1 + 1e-4)), 1e-15);
  EXPECT_NEAR(init::calculate_gain("tanh"), 5.0 / 3.0, 1e-15);
  EXPECT_TRUE(throws_with<ValueError>([] { init::calculate_gain("gelu"); }, "unknown nonlinearity \"gelu\""));
  Generator g(9);
  Tensor a = zeros({256, 128});
  init::xavier_uniform_(a, 1.0, &g);
  const double bound = std::sqrt(6.0 / (256 + 128));
  EXPECT_LE(amax(abs(a)).item<double>(), bound);
  EXPECT_GT(amax(abs(a)).item<double>(), 0.98 * bound);
  EXPECT_NEAR(var(a).item<double>(), bound * bound / 3, 0.05 * bound * bound / 3);  // U(-b, b) has variance b^2 / 3
  init::kaiming_normal_(a, 0.0, "fan_in", "relu", &g);
  EXPECT_NEAR(std::sqrt(var(a).item<double>()), std::sqrt(2.0 / 128), 0.02 * std::sqrt(2.0 / 128));
  init::kaiming_uniform_(a, 0.0, "fan_out", "relu", &g);
  EXPECT_LE(amax(abs(a)).item<double>(), std::sqrt(3.0) * std::sqrt(2.0 / 256) + 1e-7);
  init::constant_(a, 0.5);
  EXPECT_EQ(a.at({3, 7}), 0.5);
  EXPECT_TRUE(throws_with<ValueError>([] { Tensor b = zeros({5}); init::xavier_uniform_(b); }, "at least 2 dimensions"));
  // PyTorch's default layer init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  Conv2d c(8, 16, 3);
  EXPECT_LE(amax(abs(c.weight.data())).item<double>(), 1 / std::sqrt(72.0) + 1e-7);
}

}  // namespace
}  // namespace ag::test
