// test_ema.cpp: nn::ExponentialMovingAverage against values worked by hand (the decay's warm-up,
// parameters and floating buffers averaged, integer buffers copied), swapping, its state, and
// bad input.
#include "nn_test_util.hpp"

namespace ag::test {
namespace {

using namespace ag::nn;

// Linear(1, 1) (weight w, bias b) and BatchNorm1d(1) (weight, bias, running_mean, running_var,
// num_batches_tracked), every value set by hand.
struct Tiny : Module {
  std::shared_ptr<Linear> fc;
  std::shared_ptr<BatchNorm1d> bn;
  Tiny() : Module("Tiny") {
    fc = register_module("fc", std::make_shared<Linear>(1, 1));
    bn = register_module("bn", std::make_shared<BatchNorm1d>(1));
    set(1.0);
  }
  void set(double v) {
    Tensor(fc->weight.data()).fill_(v);
    Tensor(fc->bias.data()).fill_(-v);
    bn->running_mean.fill_(2 * v);
    bn->num_batches_tracked.fill_(static_cast<int64_t>(v));
  }
};

double value(const Tensor& t) { return t.to_vector<double>()[0]; }

TEST(Ema, DecayWarmsUpThenHoldsAtItsSetting) {
  Tiny m;
  ExponentialMovingAverage ema(m, 0.9);
  // min(0.9, (1 + n) / (10 + n)): 0.1, 2/11, 3/12, ... and 0.9 from n = 81 on.
  EXPECT_DOUBLE_EQ(ema.current_decay(), 0.1);
  ema.update(m);
  EXPECT_DOUBLE_EQ(ema.current_decay(), 2.0 / 11.0);
  for (int i = 1; i < 81; ++i) ema.update(m);
  EXPECT_EQ(ema.num_updates(), 81);
  EXPECT_DOUBLE_EQ(ema.current_decay(), 0.9);
}

TEST(Ema, AveragesParametersAndFloatBuffersAndCopiesIntegerBuffers) {
  Tiny m;  // weight 1, bias -1, running_mean 2, num_batches_tracked 1
  ExponentialMovingAverage ema(m, 0.5);
  m.set(3.0);
  ema.update(m);  // d = 0.1: 0.1 * 1 + 0.9 * 3 = 2.8
  EXPECT_NEAR(value(ema.state_dict().at("fc.weight")), 2.8, 1e-6);
  EXPECT_NEAR(value(ema.state_dict().at("fc.bias")), -2.8, 1e-6);
  EXPECT_NEAR(value(ema.state_dict().at("bn.running_mean")), 5.6, 1e-6);
  EXPECT_NEAR(value(ema.state_dict().at("bn.running_var")), 1.0, 1e-6);  // unchanged at 1 in both
  EXPECT_EQ(value(ema.state_dict().at("bn.num_batches_tracked")), 3);
  m.set(0.0);
  ema.update(m);  // d = 2/11: 2/11 * 2.8
  EXPECT_NEAR(value(ema.state_dict().at("fc.weight")), 2.0 / 11.0 * 2.8, 1e-6);
  EXPECT_EQ(value(ema.state_dict().at("bn.num_batches_tracked")), 0);
  // The module's own weights are untouched by an update.
  EXPECT_EQ(value(m.fc->weight.data()), 0.0);
}

TEST(Ema, SwapExchangesAndASecondSwapRestores) {
  Tiny m;
  ExponentialMovingAverage ema(m, 0.99);
  m.set(5.0);
  ema.update(m);  // d = 0.1: 0.1 + 4.5 = 4.6
  {
    AveragedWeights averaged(&ema, m);
    EXPECT_NEAR(value(m.fc->weight.data()), 4.6, 1e-6);
    EXPECT_NEAR(value(ema.state_dict().at("fc.weight")), 5.0, 1e-6);
  }
  EXPECT_NEAR(value(m.fc->weight.data()), 5.0, 1e-6);
  EXPECT_NEAR(value(ema.state_dict().at("fc.weight")), 4.6, 1e-6);
  AveragedWeights none(nullptr, m);  // no average: nothing happens
  EXPECT_NEAR(value(m.fc->weight.data()), 5.0, 1e-6);
}

TEST(Ema, StateRoundTripsIntoAFreshAverage) {
  Tiny m;
  ExponentialMovingAverage ema(m, 0.9);
  m.set(2.0);
  for (int i = 0; i < 5; ++i) ema.update(m);
  Tiny other;
  ExponentialMovingAverage again(other, 0.9);
  again.load_state_dict(ema.state_dict(), ema.num_updates());
  EXPECT_EQ(again.num_updates(), 5);
  for (const auto& [name, t] : ema.state_dict().items())
    EXPECT_TRUE(tensors_close(again.state_dict().at(name), t, 0, 0)) << name;
  // And the next update agrees.
  ema.update(m);
  again.update(m);
  EXPECT_EQ(value(again.state_dict().at("fc.weight")), value(ema.state_dict().at("fc.weight")));
}

TEST(Ema, BadInputIsAnErrorNamingTheProblem) {
  Tiny m;
  EXPECT_THROW(ExponentialMovingAverage(m, 1.0), ValueError);
  EXPECT_THROW(ExponentialMovingAverage(m, -0.1), ValueError);
  EXPECT_THROW(ExponentialMovingAverage(m, NAN), ValueError);
  ExponentialMovingAverage ema(m, 0.9);
  // A different module: names and shapes must match.
  Linear wider(2, 1);
  try {
    ema.update(wider);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("ExponentialMovingAverage"), std::string::npos) << e.what();
  }
  StateDict wrong;
  wrong.insert("fc.weight", zeros({2, 2}));
  EXPECT_THROW(ema.load_state_dict(wrong, 0), ValueError);
  StateDict shape = ema.state_dict();
  StateDict bad_shape;
  for (const auto& [name, t] : shape.items()) bad_shape.insert(name, name == "fc.weight" ? zeros({1, 2}) : t.clone());
  try {
    ema.load_state_dict(bad_shape, 0);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("fc.weight"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ema.load_state_dict(ema.state_dict(), -1), ValueError);
}

}  // namespace
}  // namespace ag::test
