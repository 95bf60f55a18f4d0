// test_blocks.cpp: `--model blocks` (apps/models/blocks.hpp) against its PyTorch twin, written from
// the seed pipeline's definitions (tools/make_blocks_fixtures.py), and its bad-input errors and
// DropBlock's statistics.
//
// Conformance as in test_conformance.cpp: the twin's state dict loads strictly (the seed's names),
// and in train mode the logits, the gradient of the mean cross-entropy for every parameter and the
// BN running statistics after the step match PyTorch's float64 result within 1e-4 of each
// tensor's scale. One exception: a bias feeding a batch norm (conv1 of a res block, the last convs
// of a block followed by another) has a gradient that is exactly zero in exact arithmetic (BN
// removes the mean) and ~1e-17 in PyTorch's float64; there ours must be round-off too, below 1e-6
// of the largest gradient of the model.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>

#include "apps/models/model.hpp"

namespace ag::models {
namespace {

const std::string kDir = "tests/fixtures/models/";

std::vector<std::string> lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(f, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

double rel_err(const Tensor& actual, const Tensor& expected) {
  EXPECT_EQ(actual.shape(), expected.shape());
  const std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double diff = 0;
  for (size_t i = 0; i < a.size() && i < e.size(); ++i) diff = std::max(diff, std::isnan(a[i]) ? INFINITY : std::abs(a[i] - e[i]));
  return diff / std::max(max_abs(expected), 1e-30);
}

ModelOptions options_of(const std::string& dir) {
  ModelOptions o;
  o.num_classes = 5;
  o.blocks = lines(dir + "blocks.txt");
  o.res_block = lines(dir + "res_block.txt").at(0);
  return o;
}

class BlocksConformance : public ::testing::TestWithParam<const char*> {};

TEST_P(BlocksConformance, LogitsGradientsAndRunningStatisticsMatchTheSeedsPyTorchModel) {
  const std::string dir = kDir + GetParam() + "/";
  auto model = build_model("blocks", options_of(dir));
  model->load_state_dict(nn::load_safetensors(dir + "weights.safetensors").tensors, /*strict=*/true);
  model->train();
  Tensor x = load_npy(dir + "input.npy"), labels = load_npy(dir + "labels.npy");
  model->zero_grad();
  Variable logits = model->forward(Variable(x));
  cross_entropy(logits, labels).backward();
  const double logit_err = rel_err(logits.data(), load_npy(dir + "logits.npy"));
  EXPECT_LE(logit_err, 1e-4) << "logits";

  nn::SafeTensors grads = nn::load_safetensors(dir + "grads.safetensors");
  double scale = 0;
  for (auto& [name, g] : grads.tensors.items()) scale = std::max(scale, max_abs(g));
  double worst = 0;
  std::string worst_name;
  int zero = 0;
  for (auto& [name, p] : model->named_parameters()) {
    ASSERT_TRUE(grads.tensors.contains(name)) << name;
    ASSERT_TRUE(p.grad().defined()) << name;
    const Tensor& ref = grads.tensors.at(name);
    if (max_abs(ref) < 1e-12 * scale) {  // a bias before a batch norm: zero up to round-off
      EXPECT_LE(max_abs(p.grad()), 1e-6 * scale) << name;
      ++zero;
      continue;
    }
    const double e = rel_err(p.grad(), ref);
    EXPECT_LE(e, 1e-4) << "gradient of " << name;
    if (e > worst) worst = e, worst_name = name;
  }
  EXPECT_EQ(grads.tensors.size(), model->named_parameters().size());
  nn::SafeTensors after = nn::load_safetensors(dir + "buffers_after.safetensors");
  nn::StateDict state = model->state_dict();
  for (auto& [name, t] : after.tensors.items()) EXPECT_LE(rel_err(state.at(name), t), 1e-4) << name;
  std::cout << "[conformance] " << GetParam() << ": logits " << logit_err << ", worst gradient " << worst << " (" << worst_name << "), "
            << zero << " zero gradients (biases before BN)\n";
}

INSTANTIATE_TEST_SUITE_P(Seed, BlocksConformance, ::testing::Values("blocks-a", "blocks-b", "blocks-c", "blocks-d"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           n[6] = '_';
                           return n;
                         });

std::string error_of(const std::vector<std::string>& blocks, const std::string& res = "") {
  ModelOptions o;
  o.blocks = blocks;
  if (!res.empty()) o.res_block = res;
  try {
    build_model("blocks", o);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Blocks, ABadListIsOneLineNamingTheBlock) {
  EXPECT_NE(error_of({}).find("--model blocks needs its layers"), std::string::npos);
  EXPECT_EQ(error_of({"res 8 8", "conv 3", "pooling"}),
            "--blocks: block 2 'conv 3': unknown block 'conv' (expected res, max_pool, drop, dropout, activation, pooling or fc)");
  EXPECT_EQ(error_of({"res 8", "pooling"}), "--blocks: block 1 'res 8': expected res C_EMB C_OUT");
  EXPECT_EQ(error_of({"res 8 x", "pooling"}), "--blocks: block 1 'res 8 x': argument 2 must be a number");
  EXPECT_EQ(error_of({"res 8 0", "pooling"}), "--blocks: block 1 'res 8 0': argument 2 must be a positive integer");
  EXPECT_EQ(error_of({"res 4 4", "max_pool 300 2", "pooling"}),
            "--blocks: block 2 'max_pool 300 2': needs a (B, C, T, F) input with T >= 300, here (1, 4, 256, 128)");
  EXPECT_EQ(error_of({"res 4 4", "drop 1.5 0.2 2 2", "pooling"}), "--blocks: block 2 'drop 1.5 0.2 2 2': argument 1 must be a probability in [0, 1]");
  EXPECT_EQ(error_of({"res 4 4", "pooling mode=median"}),
            "--blocks: block 2 'pooling mode=median': cannot read 'mode=median' (expected mode=avg|max|sum|mul, flat=true|false)");
  EXPECT_NE(error_of({"res 4 4", "pooling", "fc 3", "activation swiglu"}).find("swiglu halves the last axis, here odd: (1, 3)"),
            std::string::npos);
  EXPECT_NE(error_of({"res 4 4", "activation nope", "pooling"}).find("unknown activation"), std::string::npos);
  EXPECT_EQ(error_of({"res 4 4"}), "--blocks: the last block gives (1, 4, 256, 128); end with a pooling (or fc) block that gives (B, E)");
  EXPECT_NE(error_of({"res 4 4", "pooling"}, "kernel_size=5,4").find("needs asymmetric 'same' padding"), std::string::npos);
  EXPECT_NE(error_of({"res 4 4", "pooling"}, "batch_first=maybe").find("--res-block: cannot read 'batch_first=maybe'"), std::string::npos);
}

TEST(Blocks, HeadEmbeddingAndStages) {
  ModelOptions o;
  o.num_classes = 7;
  o.blocks = {"res 4 4", "max_pool 2 2", "pooling mode=avg flat=true", "fc 10"};
  auto m = build_model("blocks", o);
  EXPECT_EQ(m->embedding_size(), 10);
  EXPECT_EQ(m->head_prefix(), "blocks.4.");
  EXPECT_EQ(m->stage_names(), (std::vector<std::string>{"blocks.0.", "blocks.1.", "blocks.2.", "blocks.3."}));
  EXPECT_EQ(m->frontend().sample_rate, 30000);  // the survey preset by default
  NoGradGuard g;
  EXPECT_EQ(m->forward(Variable(randn({2, 1, 40, 128}))).shape(), (Shape{2, 7}));
  m->replace_head(3, 1);
  EXPECT_EQ(m->forward(Variable(randn({2, 1, 40, 128}))).shape(), (Shape{2, 3}));
  EXPECT_THROW(m->forward(Variable(randn({2, 1, 40, 64}))), ShapeError);
}

// DropBlock drops whole bt x bf blocks at about the rate asked for, the same blocks for every
// channel, and rescales what it keeps so the mean is unchanged; it is the identity in eval mode.
TEST(Blocks, DropBlockDropsBlocksAtItsRate) {
  ModelOptions o;
  o.blocks = {"drop 1 0.2 4 4", "pooling"};
  auto m = build_model("blocks", o);
  Variable x(ones({8, 2, 64, 128}));
  auto drop = m->submodule("blocks.0");  // the DropBlock alone
  Tensor z = drop->forward(x).data();
  std::vector<double> v = z.to_vector<double>();
  double zeros_count = 0, total = static_cast<double>(v.size()), sum = 0;
  for (double e : v) zeros_count += e == 0, sum += e;
  EXPECT_NEAR(zeros_count / total, 0.2, 0.06);  // gamma = 0.2 / 16 seeds, grown to 4 x 4
  EXPECT_NEAR(sum / total, 1.0, 1e-5);           // kept values scaled up by numel / kept
  // Both channels of a clip are dropped in the same places.
  Tensor c0 = z.narrow(1, 0, 1).contiguous(), c1 = z.narrow(1, 1, 1).contiguous();
  EXPECT_TRUE(allclose(c0, c1, 0, 0));
  m->eval();
  EXPECT_TRUE(allclose(drop->forward(x).data(), x.data(), 0, 0));
}

}  // namespace
}  // namespace ag::models
