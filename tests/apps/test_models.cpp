// test_models.cpp: the model builders against the architectures of the papers (ERANN: Verbitskiy,
// Berikov & Vyshegorodtsev 2022; PANNs CNN14: Kong et al. 2020), as docs/11_erann.md and
// docs/12_cnn14.md tabulate them: parameter counts, multiply-adds, output shapes, PANNs'
// state-dict names, bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "apps/models/cnn14.hpp"
#include "apps/models/erann.hpp"
#include "apps/models/model.hpp"

namespace ag::models {
namespace {

std::shared_ptr<AudioModel> make(const std::string& name, int64_t classes) {
  ModelOptions o;
  o.num_classes = classes;
  return build_model(name, o);
}

double mparams(const std::string& name, int64_t classes) { return static_cast<double>(make(name, classes)->num_parameters(true)) / 1e6; }

TEST(Models, ErannParameterCountsMatchTheSpec) {
  // ERANN-1-6 on AudioSet (527 classes): 54.5 M.
  EXPECT_NEAR(mparams("erann-1-6", 527), 54.5, 0.05);
  // W = 6, 50 classes, s_m = 0..3: 54.07, 54.16, 54.55, 56.10 M.
  const double w6[4] = {54.07, 54.16, 54.55, 56.10};
  for (int s = 0; s < 4; ++s) EXPECT_NEAR(mparams("erann-" + std::to_string(s) + "-6", 50), w6[s], 0.005) << "s_m " << s;
  // s_m = 0, 50 classes, W = 1, 2, 3, 4: 1.5, 6.0, 13.5, 24.0 M.
  const double by_w[4] = {1.5, 6.0, 13.5, 24.0};
  for (int w = 1; w <= 4; ++w) EXPECT_NEAR(mparams("erann-0-" + std::to_string(w), 50), by_w[w - 1], 0.05) << "W " << w;
}

TEST(Models, ErannMultiplyAddsMatchTheSpec) {
  // GMACs for a 5 s clip (640 x 128), 50 classes: W = 1: 1.76, 1.08, 0.82, 0.74; W = 2, s_m = 2: 3.3.
  const double w1[4] = {1.76, 1.08, 0.82, 0.74};
  for (int s = 0; s < 4; ++s) {
    auto m = make("erann-" + std::to_string(s) + "-1", 50);
    EXPECT_NEAR(static_cast<double>(count_macs(*m, {1, 1, 640, 128})) / 1e9, w1[s], 0.006) << "s_m " << s;
  }
  auto m = make("erann-2-2", 50);
  EXPECT_NEAR(static_cast<double>(count_macs(*m, {1, 1, 640, 128})) / 1e9, 3.3, 0.05);
}

TEST(Models, ErannShapesAndFrameCheck) {
  auto m = make("erann-2-1", 10);
  Variable y = m->forward(Variable(randn({2, 1, 64, 128})));
  EXPECT_EQ(y.shape(), (Shape{2, 10}));
  EXPECT_EQ(m->embed(Variable(randn({2, 1, 64, 128}))).shape(), (Shape{2, 128}));
  EXPECT_EQ(m->time_multiple(), 16);
  try {
    m->forward(Variable(randn({2, 1, 66, 128})));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("multiple of 4^s_m = 16"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("80 frames"), std::string::npos) << e.what();
  }
  EXPECT_THROW(m->forward(Variable(randn({2, 1, 64, 64}))), ShapeError);
  EXPECT_THROW(make("erann-4-1", 10), ValueError);
  EXPECT_THROW(make("erann-1-7", 10), ValueError);
}

TEST(Models, Cnn14CountsAndPannsNames) {
  auto m = make("cnn14", 527);
  EXPECT_EQ(m->num_parameters(true), 80753615);
  EXPECT_EQ(make("cnn14", 50)->num_parameters(true), 79776242);
  nn::StateDict sd = m->state_dict();
  for (const char* k : {"bn0.weight", "bn0.running_mean", "bn0.num_batches_tracked", "conv_block1.conv1.weight",
                        "conv_block6.bn2.running_var", "fc1.weight", "fc1.bias", "fc_audioset.weight", "fc_audioset.bias"})
    EXPECT_TRUE(sd.contains(k)) << k;
  EXPECT_EQ(sd.at("conv_block1.conv1.weight").shape(), (Shape{64, 1, 3, 3}));
  EXPECT_EQ(sd.at("conv_block3.conv2.weight").shape(), (Shape{256, 256, 3, 3}));
  EXPECT_EQ(sd.at("fc_audioset.weight").shape(), (Shape{527, 2048}));
  // The spec's "about 10.5 GMACs per 5 s clip" counts PANNs' front end, which runs the STFT as two
  // conv1d layers (513 x 1024 each, 501 frames) and the mel matrix (513 x 64) as a matmul; our
  // front end is FFTW outside the model, so the network alone must be the rest.
  double network = static_cast<double>(count_macs(*m, {1, 1, 501, 64})) / 1e9;
  double panns_front_end = (2.0 * 513 * 1024 * 501 + 513.0 * 64 * 501) / 1e9;
  EXPECT_NEAR(network, 9.954, 0.001);
  EXPECT_NEAR(network + panns_front_end, 10.5, 0.01);
}

TEST(Models, Cnn14SedHasCnn14sWeightsAndFrames) {
  // Cnn14_DecisionLevelMax: the same parameters under the same names (a CNN14 state dict loads
  // strictly), clip logits (B, N), frame logits (B, T, N) for any T >= 32, a transfer head per segment.
  auto sed = make("cnn14-sed", 527);
  EXPECT_EQ(sed->num_parameters(true), 80753615);
  ModelOptions o;
  o.num_classes = 7;
  o.base_channels = 2;
  auto a = build_model("cnn14", o), b = build_model("cnn14-sed", o);
  EXPECT_TRUE(b->load_state_dict(a->state_dict(), /*strict=*/true).ok());
  b->eval();
  NoGradGuard g;
  Tensor x = randn({2, 1, 75, 64});
  EXPECT_EQ(b->forward(Variable(x)).shape(), (Shape{2, 7}));
  EXPECT_EQ(b->frame_logits(Variable(x)).shape(), (Shape{2, 75, 7}));
  EXPECT_EQ(b->embed(Variable(x)).shape(), (Shape{2, 64}));
  b->replace_head(3, 1);
  EXPECT_EQ(b->frame_logits(Variable(x)).shape(), (Shape{2, 75, 3}));
  EXPECT_THROW(b->forward(Variable(randn({2, 1, 75, 128}))), ShapeError);  // not the panns front end's 64 mels
}

TEST(Models, Cnn14TransferHead) {
  auto m = make("cnn14", 527);
  m->replace_head(10, 1);
  nn::StateDict sd = m->state_dict();
  EXPECT_FALSE(sd.contains("fc_audioset.weight"));
  EXPECT_EQ(sd.at("fc_transfer.weight").shape(), (Shape{10, 2048}));
  EXPECT_EQ(m->head_prefix(), "fc_transfer.");
  m->eval();
  NoGradGuard g;
  EXPECT_EQ(m->forward(Variable(randn({2, 1, 64, 64}))).shape(), (Shape{2, 10}));
}

TEST(Models, ZeroHeadStartsAtTheChanceLoss) {
  // PANNs' init: the logits of a 50-class ERANN are far from 0. zero_head: exactly 0, so the
  // cross-entropy is ln 50 for any input and labels, and the head still gets a gradient.
  auto m = make("erann-2-1", 50);
  const Tensor x = randn({4, 1, 64, 128});
  const Tensor labels = from_vector<int64_t>({0, 7, 21, 49});
  const double before = cross_entropy(m->forward(Variable(x)), labels).item<double>();
  zero_head(*m);
  Variable loss = cross_entropy(m->forward(Variable(x)), labels);
  EXPECT_NEAR(loss.item<double>(), std::log(50.0), 1e-6);
  EXPECT_GT(std::abs(before - std::log(50.0)), 1e-3) << "PANNs init already gives the chance loss: the test shows nothing";
  loss.backward();
  double head_grad = 0, backbone = 0;
  for (auto& [name, p] : m->named_parameters()) {
    if (name.rfind(m->head_prefix(), 0) == 0) {
      EXPECT_EQ(sum(abs(p.data())).item<double>(), 0.0) << name;
      if (name.find("weight") != std::string::npos) head_grad += sum(abs(p.grad())).item<double>();
    } else {
      backbone += sum(abs(p.data())).item<double>();
    }
  }
  EXPECT_GT(head_grad, 0.0);
  EXPECT_GT(backbone, 0.0);  // only the head was zeroed
}

TEST(Models, WavegramLogmelCnn14) {
  auto m = make("wavegram-logmel-cnn14", 527);
  EXPECT_NEAR(static_cast<double>(m->num_parameters(true)) / 1e6, 81.07, 0.01);
  EXPECT_EQ(m->input_kind(), InputKind::Waveform);
  m->eval();
  NoGradGuard g;
  Variable y = m->forward(Variable(mul(randn({2, 32000}), 0.1)));  // 1 s at 32 kHz
  EXPECT_EQ(y.shape(), (Shape{2, 527}));
  EXPECT_THROW(m->forward(Variable(randn({2, 1, 100, 64}))), ShapeError);
}

TEST(Models, ResNetSmallTakesAnActivationByName) {
  ModelOptions o;
  o.num_classes = 5;
  o.activation = "gelu";
  auto m = build_model("resnet-small", o);
  EXPECT_NEAR(static_cast<double>(m->num_parameters(true)) / 1e6, 1.2, 0.1);
  EXPECT_EQ(m->forward(Variable(randn({2, 1, 32, 128}))).shape(), (Shape{2, 5}));
  o.activation = "nonsense";
  EXPECT_THROW(build_model("resnet-small", o), ValueError);
}

TEST(Models, UnknownNameListsTheValidOnes) {
  try {
    make("vgg", 10);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("erann-<s_m>-<W>"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cnn14"), std::string::npos) << e.what();
  }
}

TEST(Models, SameSeedSameWeights) {
  ModelOptions o;
  o.seed = 7;
  auto a = build_model("erann-3-1", o), b = build_model("erann-3-1", o);
  EXPECT_TRUE(allclose(a->state_dict().at("stage2.0.conv1.weight"), b->state_dict().at("stage2.0.conv1.weight"), 0, 0));
  o.seed = 8;
  auto c = build_model("erann-3-1", o);
  EXPECT_FALSE(allclose(a->state_dict().at("stage2.0.conv1.weight"), c->state_dict().at("stage2.0.conv1.weight")));
}

}  // namespace
}  // namespace ag::models
