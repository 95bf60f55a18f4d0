// test_ops.cpp: every fused op of autograd/nn_ops.hpp: (1) gradient check in float64 from one table of
// cases, (2) forward against hand-computed values, (3) bad input throws with a message naming the op
// and the shapes. PyTorch conformance is in test_conformance.cpp; fast-vs-reference conv kernels in
// test_conv.cpp.
#include <cmath>
#include <string>

#include "nn_test_util.hpp"

namespace ag::test {
namespace {

using V = const std::vector<Variable>&;

struct NnOpCase {
  std::string name;
  std::function<Variable(V)> fn;
  std::vector<Shape> input_shapes;
  std::vector<size_t> no_grad_inputs = {};
};
void PrintTo(const NnOpCase& c, std::ostream* os) { *os << c.name; }

std::vector<NnOpCase> cases() {
  return {
      {"conv2d_bias_stride_pad_dilation", [](V x) { return conv2d(x[0], x[1], x[2], {2, 1}, {1, 1}, {1, 2}); },
       {{2, 2, 6, 5}, {3, 2, 3, 2}, {3}}},
      {"conv2d_k6x3_stride4x2", [](V x) { return conv2d(x[0], x[1], Variable(), {4, 2}, {1, 1}); },
       {{1, 2, 12, 6}, {2, 2, 6, 3}}},
      {"conv2d_pointwise", [](V x) { return conv2d(x[0], x[1]); }, {{2, 3, 4, 3}, {4, 3, 1, 1}}},
      {"conv2d_1x1_stride2", [](V x) { return conv2d(x[0], x[1], Variable(), 2); }, {{2, 3, 5, 4}, {2, 3, 1, 1}}},
      {"conv2d_batch_parallel", [](V x) { return conv2d(x[0], x[1], x[2], 1, 1); }, {{4, 2, 4, 3}, {3, 2, 3, 3}, {3}}},
      {"conv1d_dilated", [](V x) { return conv1d(x[0], x[1], x[2], 2, 2, 2); }, {{2, 3, 11}, {2, 3, 3}, {2}}},
      {"batch_norm_train_4d",
       [](V x) { return batch_norm(x[0], zeros({3}, DType::Float64), ones({3}, DType::Float64), x[1], x[2], true, 0.1, 1e-3); },
       {{3, 3, 2, 2}, {3}, {3}}},
      {"batch_norm_train_2d_no_affine", [](V x) { return batch_norm(x[0], Tensor(), Tensor(), Variable(), Variable(), true); },
       {{5, 2}}},
      {"batch_norm_eval",
       [](V x) {
         return batch_norm(x[0], full({3}, 0.3, DType::Float64), full({3}, 1.7, DType::Float64), x[1], x[2], false);
       },
       {{2, 3, 4}, {3}, {3}}},
      {"batch_norm_leaky_relu_train",
       [](V x) {
         return batch_norm_leaky_relu(x[0], zeros({3}, DType::Float64), ones({3}, DType::Float64), x[1], x[2], true, 0.1,
                                      1e-3, 0.2);
       },
       {{3, 3, 2, 2}, {3}, {3}}},
      {"batch_norm_relu_train_no_affine",
       [](V x) { return batch_norm_leaky_relu(x[0], Tensor(), Tensor(), Variable(), Variable(), true, 0.1, 1e-5, 0.0); },
       {{4, 2, 3}}},
      {"batch_norm_leaky_relu_eval",
       [](V x) {
         return batch_norm_leaky_relu(x[0], full({3}, 0.3, DType::Float64), full({3}, 1.7, DType::Float64), x[1], x[2],
                                      false, 0.1, 1e-5, 0.01);
       },
       {{2, 3, 4}, {3}, {3}}},
      {"max_pool2d", [](V x) { return max_pool2d(x[0], {3, 2}, Size2(2, 2), {1, 1}); }, {{2, 2, 5, 7}}},
      {"avg_pool2d_count_pad", [](V x) { return avg_pool2d(x[0], {3, 2}, Size2(2, 1), {1, 1}); }, {{2, 2, 5, 4}}},
      {"avg_pool2d_no_count_pad", [](V x) { return avg_pool2d(x[0], {3, 3}, Size2(2, 2), {1, 1}, false); }, {{1, 2, 5, 6}}},
      {"max_pool1d", [](V x) { return max_pool1d(x[0], 3, 2, 1); }, {{2, 2, 9}}},
      {"avg_pool1d", [](V x) { return avg_pool1d(x[0], 4); }, {{2, 2, 9}}},
      {"dropout",
       [](V x) {
         Generator g(7);  // the same mask on every call
         return dropout(x[0], 0.3, true, &g);
       },
       {{4, 5}}},
      {"dropout2d",
       [](V x) {
         Generator g(7);
         return dropout2d(x[0], 0.5, true, &g);
       },
       {{3, 4, 2, 2}}},
      {"relu", [](V x) { return relu(x[0]); }, {{3, 7}}},
      {"leaky_relu", [](V x) { return leaky_relu(x[0], 0.2); }, {{3, 7}}},
      {"elu", [](V x) { return elu(x[0], 1.3); }, {{3, 7}}},
      {"gelu", [](V x) { return gelu(x[0]); }, {{3, 7}}},
      {"gelu_tanh", [](V x) { return gelu(x[0], "tanh"); }, {{3, 7}}},
      {"silu", [](V x) { return silu(x[0]); }, {{3, 7}}},
      {"swish_beta", [](V x) { return swish(x[0], 1.7); }, {{3, 7}}},
      {"mish", [](V x) { return mish(x[0]); }, {{3, 7}}},
      {"smish", [](V x) { return smish(x[0]); }, {{3, 7}}},
      {"softplus", [](V x) { return softplus(x[0], 2.0, 3.0); }, {{3, 7}}},
      {"hardswish", [](V x) { return hardswish(mul(x[0], 2.0)); }, {{3, 7}}},
      {"swiglu_last", [](V x) { return swiglu(x[0]); }, {{3, 6}}},
      {"swiglu_dim0", [](V x) { return swiglu(x[0], 0); }, {{4, 3}}},
      {"softmax_dim1", [](V x) { return softmax(x[0], 1); }, {{3, 4, 2}}},
      {"log_softmax_dim0", [](V x) { return log_softmax(x[0], 0); }, {{3, 4}}},
      {"activation_by_name_mish", [](V x) { return activation("mish", x[0]); }, {{2, 3}}},
      {"cross_entropy_labels",
       [](V x) { return cross_entropy(x[0], tensor({2, 0, 3}, {3}, DType::Int64)); }, {{3, 5}}},
      {"cross_entropy_smoothing_sum",
       [](V x) { return cross_entropy(x[0], tensor({2, 0, 3}, {3}, DType::Int64), 0.15, "sum"); }, {{3, 5}}},
      {"cross_entropy_soft", [](V x) { return cross_entropy(x[0], softmax(x[1], 1).data()); }, {{3, 5}, {3, 5}}, {1}},
      {"nll_loss_none", [](V x) { return nll_loss(x[0], tensor({1, 1, 0}, {3}, DType::Int64), "none"); }, {{3, 2}}},
      {"bce_with_logits",
       [](V x) { return binary_cross_entropy_with_logits(mul(x[0], 4.0), tensor({1, 0, 1, 1, 0, 0}, {2, 3}, DType::Float64)); },
       {{2, 3}}},
      {"mse_loss", [](V x) { return mse_loss(x[0], x[1]); }, {{2, 3}, {2, 3}}},
  };
}

class NnGradcheck : public ::testing::TestWithParam<NnOpCase> {};

TEST_P(NnGradcheck, AnalyticMatchesNumeric) {
  const NnOpCase& c = GetParam();
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < c.input_shapes.size(); ++i) inputs.push_back(randn64(c.input_shapes[i], 100 + i));
  GradcheckOptions o;
  o.no_grad_inputs = c.no_grad_inputs;
  o.name = c.name;
  const GradcheckResult r = gradcheck(c.fn, inputs, o);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_LT(r.max_abs_error, 1e-7);
}

INSTANTIATE_TEST_SUITE_P(Ops, NnGradcheck, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<NnOpCase>& i) { return i.param.name; });

// The check itself has teeth: a backward off by a factor 2 fails it.
TEST(NnGradcheck, DetectsAWrongBackward) {
  auto wrong = [](V x) {
    const Tensor y = relu(x[0]).data();
    return record("wrong_relu", y, {x[0]}, [d = x[0].data()](const Tensor& g) {
      return TensorList{mul(mul(g, gt(d, 0.0)), 2.0)};
    });
  };
  EXPECT_FALSE(gradcheck(wrong, {randn64({2, 3}, 5)}).ok);
}

// --- forward values computed by hand -----------------------------------------------------------------

TEST(NnForward, Conv2dByHand) {
  // x = 1..9 in a 3x3 image, kernel [[1, 0], [0, -1]]: every output is x[i][j] - x[i+1][j+1] = -4.
  const Variable x(arange(1, 10, 1, DType::Float64).reshape({1, 1, 3, 3}));
  const Variable w(tensor({1, 0, 0, -1}, {1, 1, 2, 2}, DType::Float64));
  const Variable b(tensor({0.5}, {1}, DType::Float64));
  const Variable y = conv2d(x, w, b);
  EXPECT_TRUE(tensors_close(y.data(), full({1, 1, 2, 2}, -3.5, DType::Float64), 0, 1e-12));
  // Padding 1, stride 2: windows at rows/cols 0 and 2 of the zero-padded 5x5 grid.
  const Variable y2 = conv2d(x, w, Variable(), 2, 1);
  EXPECT_TRUE(tensors_close(y2.data(), tensor({-1, -3, -7, -4}, {1, 1, 2, 2}, DType::Float64), 0, 1e-12));
}

TEST(NnForward, Conv1dDilationByHand) {
  // kernel [1, 1] with dilation 2: y[t] = x[t] + x[t + 2].
  const Variable x(tensor({1, 2, 3, 4, 5}, {1, 1, 5}, DType::Float64));
  const Variable w(tensor({1, 1}, {1, 1, 2}, DType::Float64));
  EXPECT_TRUE(tensors_close(conv1d(x, w, Variable(), 1, 0, 2).data(), tensor({4, 6, 8}, {1, 1, 3}, DType::Float64), 0, 1e-12));
}

TEST(NnForward, BatchNormTrainingUpdatesRunningStatsLikePyTorch) {
  const Variable x(tensor({1, 2, 3, 4}, {4, 1}, DType::Float64));
  Tensor rm = zeros({1}, DType::Float32), rv = ones({1}, DType::Float32);
  const Variable y = batch_norm(x, rm, rv, Variable(), Variable(), true, 0.1, 1e-5);
  const double s = std::sqrt(1.25 + 1e-5);  // biased variance of 1..4 is 1.25
  EXPECT_TRUE(tensors_close(y.data(), tensor({-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s}, {4, 1}, DType::Float64), 0, 1e-12));
  EXPECT_NEAR(rm.item<double>(), 0.25, 1e-7);                      // 0.9 * 0 + 0.1 * 2.5
  EXPECT_NEAR(rv.item<double>(), 0.9 + 0.1 * (5.0 / 3.0), 1e-6);  // unbiased variance 5/3
  // Eval uses the running statistics.
  const Variable ye = batch_norm(x, rm, rv, Variable(), Variable(), false, 0.1, 1e-5);
  EXPECT_NEAR(ye.data().at({0, 0}), (1 - 0.25) / std::sqrt(rv.item<double>() + 1e-5), 1e-6);
}

// The fused op by hand (x = 1..4 in one channel: xhat = (-1.5, -0.5, 0.5, 1.5) / s), and against
// the composition it replaces on a random batch, in float32 and float64: the same values, the same
// running statistics, the same gradients for x, gamma and beta.
TEST(NnForward, BatchNormLeakyReluByHandAndAsTheComposition) {
  const Variable x(tensor({1, 2, 3, 4}, {4, 1}, DType::Float64));
  Tensor rm = zeros({1}, DType::Float64), rv = ones({1}, DType::Float64);
  const double s = std::sqrt(1.25 + 1e-5);
  const Variable y = batch_norm_leaky_relu(x, rm, rv, Variable(), Variable(), true, 0.1, 1e-5, 0.2);
  EXPECT_TRUE(tensors_close(y.data(), tensor({-0.3 / s, -0.1 / s, 0.5 / s, 1.5 / s}, {4, 1}, DType::Float64), 0, 1e-12));
  EXPECT_NEAR(rm.item<double>(), 0.25, 1e-12);
  const Variable r = batch_norm_leaky_relu(x, Tensor(), Tensor(), Variable(), Variable(), true, 0.1, 1e-5, 0.0);
  EXPECT_TRUE(tensors_close(r.data(), tensor({0, 0, 0.5 / s, 1.5 / s}, {4, 1}, DType::Float64), 0, 1e-12));

  for (DType dt : {DType::Float32, DType::Float64}) {
    for (double slope : {0.0, 0.01}) {
      for (bool training : {true, false}) {
        Generator g(11);
        const Tensor xt = randn({3, 4, 5, 6}, dt, &g);
        const Tensor gt = randn({3, 4, 5, 6}, dt, &g);
        const Tensor gamma = randn({4}, dt, &g), beta = randn({4}, dt, &g);
        Tensor rm1 = full({4}, 0.2, dt), rv1 = full({4}, 1.3, dt), rm2 = rm1.clone(), rv2 = rv1.clone();
        Variable x1(xt, true), w1(gamma, true), b1(beta, true), x2(xt, true), w2(gamma, true), b2(beta, true);
        const Variable fused = batch_norm_leaky_relu(x1, rm1, rv1, w1, b1, training, 0.1, 1e-5, slope);
        const Variable composed = leaky_relu(batch_norm(x2, rm2, rv2, w2, b2, training, 0.1, 1e-5), slope);
        const double tol = dt == DType::Float32 ? 1e-5 : 1e-12;
        SCOPED_TRACE(std::string(dtype_name(dt)) + " slope " + std::to_string(slope) + (training ? " train" : " eval"));
        EXPECT_TRUE(tensors_close(fused.data(), composed.data(), tol, tol));
        EXPECT_TRUE(tensors_close(rm1, rm2, 0, 0));
        EXPECT_TRUE(tensors_close(rv1, rv2, 0, 0));
        sum(mul(fused, Variable(gt))).backward();
        sum(mul(composed, Variable(gt))).backward();
        EXPECT_TRUE(tensors_close(x1.grad(), x2.grad(), tol, tol));
        EXPECT_TRUE(tensors_close(w1.grad(), w2.grad(), tol, 10 * tol));
        EXPECT_TRUE(tensors_close(b1.grad(), b2.grad(), tol, 10 * tol));
      }
    }
  }
}

TEST(NnForward, PoolingByHand) {
  const Variable x(arange(1, 17, 1, DType::Float64).reshape({1, 1, 4, 4}));
  EXPECT_TRUE(tensors_close(max_pool2d(x, 2).data(), tensor({6, 8, 14, 16}, {1, 1, 2, 2}, DType::Float64), 0, 1e-12));
  EXPECT_TRUE(tensors_close(avg_pool2d(x, 2).data(), tensor({3.5, 5.5, 11.5, 13.5}, {1, 1, 2, 2}, DType::Float64), 0, 1e-12));
  // Padding counted (divisor 4) or not (divisor 1 in the corner window).
  EXPECT_NEAR(avg_pool2d(x, 2, Size2(2), 1, true).data().at({0, 0, 0, 0}), 0.25, 1e-12);
  EXPECT_NEAR(avg_pool2d(x, 2, Size2(2), 1, false).data().at({0, 0, 0, 0}), 1.0, 1e-12);
  // Max pooling's gradient goes to the maximum only.
  Variable xl(arange(1, 17, 1, DType::Float64).reshape({1, 1, 4, 4}), true);
  sum(max_pool2d(xl, 2)).backward();
  EXPECT_EQ(xl.grad().at({0, 0, 1, 1}), 1.0);
  EXPECT_EQ(xl.grad().at({0, 0, 0, 0}), 0.0);
}

TEST(NnForward, ActivationsByHand) {
  const Variable x(tensor({-2, 1}, {2}, DType::Float64));
  EXPECT_TRUE(tensors_close(relu(x).data(), tensor({0, 1}, {2}, DType::Float64), 0, 0));
  EXPECT_TRUE(tensors_close(leaky_relu(x, 0.1).data(), tensor({-0.2, 1}, {2}, DType::Float64), 0, 1e-15));
  EXPECT_NEAR(gelu(x).data().at({1}), 0.8413447460685429, 1e-15);  // Phi(1)
  EXPECT_NEAR(silu(x).data().at({1}), 1 / (1 + std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(hardswish(x).data().at({1}), 1 * 4 / 6.0, 1e-15);
  EXPECT_NEAR(softplus(x).data().at({1}), std::log1p(std::exp(1.0)), 1e-15);
  // Large logits: no overflow, and softmax sums to 1.
  const Variable big(tensor({1000, 1001, 1002}, {1, 3}, DType::Float32));
  const Tensor p = softmax(big, 1).data();
  EXPECT_NEAR(p.at({0, 2}), std::exp(2.0) / (1 + std::exp(1.0) + std::exp(2.0)), 1e-6);
  EXPECT_NEAR(log_softmax(big, 1).data().at({0, 0}), -std::log(1 + std::exp(1.0) + std::exp(2.0)), 1e-5);
  EXPECT_EQ(mish(Variable(tensor({100}, {1}))).data().at({0}), 100.0f);
}

TEST(NnForward, LossesByHand) {
  // Uniform logits: cross-entropy is log N whatever the label.
  const Variable z(zeros({2, 4}, DType::Float64));
  EXPECT_NEAR(cross_entropy(z, tensor({1, 3}, {2}, DType::Int64)).item<double>(), std::log(4.0), 1e-14);
  EXPECT_NEAR(binary_cross_entropy_with_logits(Variable(zeros({3}, DType::Float64)), ones({3}, DType::Float64)).item<double>(),
              std::log(2.0), 1e-14);
  // A confident, correct logit of 200 in float32: the stable forms give ~0, not inf or nan.
  const Variable conf(tensor({200, 0}, {1, 2}));
  EXPECT_NEAR(cross_entropy(conf, tensor({0}, {1}, DType::Int64)).item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(binary_cross_entropy_with_logits(Variable(tensor({200}, {1})), ones({1})).item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(binary_cross_entropy_with_logits(Variable(tensor({-200}, {1})), ones({1})).item<double>(), 200.0, 1e-3);
  EXPECT_NEAR(mse_loss(Variable(tensor({1, 2})), Variable(tensor({3, 2}))).item<double>(), 2.0, 1e-7);
}

TEST(NnForward, DropoutKeepsExpectationAndIsIdentityInEval) {
  Generator g(3);
  const Variable x(ones({200, 100}));
  const Tensor y = dropout(x, 0.25, true, &g).data();
  const std::vector<float> v = y.to_vector<float>();
  int64_t zeros_n = 0;
  for (float e : v) {
    EXPECT_TRUE(e == 0.0f || std::abs(e - 1 / 0.75f) < 1e-6f);
    zeros_n += e == 0.0f;
  }
  EXPECT_NEAR(double(zeros_n) / double(v.size()), 0.25, 0.02);
  EXPECT_TRUE(dropout(x, 0.25, false, &g).data().shares_storage(x.data()));
  // dropout2d: each (b, c) map is all zero or all scaled.
  const Tensor y2 = dropout2d(Variable(ones({4, 6, 3, 3})), 0.5, true, &g).data();
  for (int64_t b = 0; b < 4; ++b)
    for (int64_t c = 0; c < 6; ++c) {
      const double first = y2.at({b, c, 0, 0});
      EXPECT_TRUE(first == 0.0 || first == 2.0);
      EXPECT_EQ(y2.at({b, c, 2, 1}), first);
    }
}

// --- bad input -----------------------------------------------------------------------------------------

TEST(NnErrors, Conv2dNamesOpAndShapes) {
  const Variable x(zeros({8, 3, 640, 128})), w(zeros({64, 1, 3, 3}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { conv2d(x, w); }, "conv2d: input (8, 3, 640, 128) has 3 channels, weight (64, 1, 3, 3) expects 1"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { conv2d(Variable(zeros({3, 4, 5})), w); }, "conv2d: expected a 4-d input (B, C, H, W), got (3, 4, 5)"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { conv2d(Variable(zeros({1, 1, 2, 2})), Variable(zeros({1, 1, 3, 3}))); },
                                      "is smaller than the dilated kernel (3, 3)"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { conv2d(Variable(zeros({1, 1, 4, 4})), Variable(zeros({2, 1, 3, 3})), Variable(zeros({3}))); },
                                      "conv2d: bias (3,) should be (2,)"));
  EXPECT_TRUE(throws_with<TypeError>([&] { conv2d(Variable(zeros({1, 1, 4, 4}, DType::Float64)), Variable(zeros({2, 1, 3, 3}))); },
                                     "conv2d: input is float64 and weight is float32"));
  EXPECT_TRUE(throws_with<ValueError>([&] { conv2d(Variable(zeros({1, 1, 4, 4})), Variable(zeros({2, 1, 3, 3})), Variable(), 0); },
                                      "must be >= 1"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { conv1d(Variable(zeros({2, 3, 10})), Variable(zeros({4, 2, 3}))); },
                                      "conv1d: input (2, 3, 10) has 3 channels, weight (4, 2, 3) expects 2"));
}

TEST(NnErrors, BatchNormPoolingDropoutActivations) {
  const Variable x(zeros({2, 3, 4, 4}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { batch_norm(x, zeros({4}), ones({4}), Variable(), Variable(), true); },
                                      "batch_norm: running_mean (4,) should be (3,) for input (2, 3, 4, 4)"));
  EXPECT_TRUE(throws_with<ValueError>([&] { batch_norm(x, Tensor(), Tensor(), Variable(), Variable(), false); },
                                      "evaluation mode needs running_mean"));
  EXPECT_TRUE(throws_with<ValueError>([&] { batch_norm(Variable(zeros({1, 3})), Tensor(), Tensor(), Variable(), Variable(), true); },
                                      "expected more than 1 value per channel"));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] { batch_norm_leaky_relu(x, zeros({4}), ones({4}), Variable(), Variable(), true, 0.1, 1e-5, 0.01); },
      "batch_norm_leaky_relu: running_mean (4,) should be (3,) for input (2, 3, 4, 4)"));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { batch_norm_leaky_relu(x, Tensor(), Tensor(), Variable(), Variable(), true, 0.1, 1e-5, -0.5); },
      "batch_norm_leaky_relu: negative_slope (-0.5) must be in [0, 1)"));
  EXPECT_TRUE(throws_with<ValueError>([&] { max_pool2d(x, 2, std::nullopt, 2); }, "max_pool2d: padding (2, 2) should be at most half the kernel (2, 2)"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { avg_pool2d(Variable(zeros({3, 4, 4})), 2); }, "avg_pool2d: expected a 4-d input"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { max_pool2d(Variable(zeros({1, 1, 2, 2})), 3); }, "smaller than the kernel (3, 3)"));
  EXPECT_TRUE(throws_with<ValueError>([&] { dropout(x, 1.5); }, "dropout: probability p must be in [0, 1], got 1.5"));
  EXPECT_TRUE(throws_with<ValueError>([&] { gelu(x, "fast"); }, "gelu: approximate must be"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { swiglu(Variable(zeros({2, 5}))); }, "swiglu: input (2, 5) has odd size 5"));
  EXPECT_TRUE(throws_with<ValueError>([&] { activation("relu7", x); }, "activation: unknown name \"relu7\"; known: "));
}

TEST(NnErrors, Losses) {
  const Variable z(zeros({3, 4}));
  EXPECT_TRUE(throws_with<IndexError>([&] { cross_entropy(z, tensor({0, 4, 1}, {3}, DType::Int64)); },
                                      "cross_entropy: label 4 at position 1 is out of range for 4 classes"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { cross_entropy(z, zeros({3})); }, "cross_entropy: soft targets (3,) should match logits (3, 4)"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { nll_loss(z, tensor({0, 1}, {2}, DType::Int64)); }, "nll_loss: labels (2,) should be (3,)"));
  EXPECT_TRUE(throws_with<ValueError>([&] { cross_entropy(z, tensor({0, 1, 2}, {3}, DType::Int64), 0.0, "avg"); },
                                      "reduction must be \"mean\", \"sum\" or \"none\""));
  EXPECT_TRUE(throws_with<ShapeError>([&] { binary_cross_entropy_with_logits(z, zeros({4, 3})); }, "target (4, 3) should match logits (3, 4)"));
  EXPECT_TRUE(throws_with<ShapeError>([&] { mse_loss(z, Variable(zeros({4}))); }, "mse_loss: input (3, 4) and target (4,) differ"));
}

}  // namespace
}  // namespace ag::test
