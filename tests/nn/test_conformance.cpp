// test_conformance.cpp: our ops against PyTorch 1.13 on the fixtures of tools/make_nn_fixtures.py:
// forward output and the gradients of sum(y * gy), in float64 to 1e-10, and (for convolution) the
// same fixtures evaluated in float32 to 1e-5 relative.
#include "nn_test_util.hpp"

namespace ag::test {
namespace {

constexpr double kTol64 = 1e-10;

// Runs fn on leaves made from the named fixtures, backpropagates gy and compares y and the grads.
void check_case(const std::string& c, const std::vector<std::string>& inputs, const std::vector<std::string>& grads,
                const std::function<Variable(const std::vector<Variable>&)>& fn, double rtol = kTol64, double atol = kTol64,
                DType dtype = DType::Float64) {
  std::vector<Variable> vars;
  for (const auto& name : inputs) vars.emplace_back(fixture(c, name).to(dtype), true);
  const Variable y = fn(vars);
  EXPECT_TRUE(tensors_close(y.data(), fixture(c, "y"), rtol, atol)) << c << ": forward";
  y.backward(fixture(c, "gy").to(dtype));
  for (size_t i = 0; i < grads.size(); ++i)
    EXPECT_TRUE(tensors_close(vars[i].grad(), fixture(c, grads[i]), rtol, atol)) << c << ": " << grads[i];
}

Size2 pair_at(const Tensor& cfg, int64_t i) { return Size2(int64_t(cfg.at({i})), int64_t(cfg.at({i + 1}))); }

TEST(Conformance, Conv2d) {
  for (const std::string c : {"conv2d_strided_dilated", "conv2d_erann_stride4", "conv2d_shortcut_1x1"}) {
    const Tensor cfg = fixture(c, "config");
    const bool bias = c == "conv2d_strided_dilated";
    auto fn = [&](const std::vector<Variable>& v) {
      return conv2d(v[0], v[1], bias ? v[2] : Variable(), pair_at(cfg, 0), pair_at(cfg, 2), pair_at(cfg, 4));
    };
    std::vector<std::string> in = {"x", "w"}, g = {"gx", "gw"};
    if (bias) in.push_back("b"), g.push_back("gb");
    check_case(c, in, g, fn);
    check_case(c, in, g, fn, 1e-5, 1e-5, DType::Float32);
  }
}

TEST(Conformance, Conv1d) {
  for (const std::string c : {"conv1d_dilated", "conv1d_wavegram_stem"}) {
    const Tensor cfg = fixture(c, "config");
    auto fn = [&](const std::vector<Variable>& v) {
      return conv1d(v[0], v[1], v[2], int64_t(cfg.at({0})), int64_t(cfg.at({1})), int64_t(cfg.at({2})));
    };
    check_case(c, {"x", "w", "b"}, {"gx", "gw", "gb"}, fn);
    check_case(c, {"x", "w", "b"}, {"gx", "gw", "gb"}, fn, 1e-5, 1e-5, DType::Float32);
  }
}

TEST(Conformance, BatchNormTrainAndEval) {
  for (const bool training : {true, false}) {
    const std::string c = training ? "batch_norm_train" : "batch_norm_eval";
    Tensor rm = fixture(c, "running_mean").clone(), rv = fixture(c, "running_var").clone();
    check_case(c, {"x", "gamma", "beta"}, {"gx", "ggamma", "gbeta"},
               [&](const std::vector<Variable>& v) { return batch_norm(v[0], rm, rv, v[1], v[2], training, 0.3, 1e-3); });
    EXPECT_TRUE(tensors_close(rm, fixture(c, "running_mean_after"), kTol64, kTol64)) << c;
    EXPECT_TRUE(tensors_close(rv, fixture(c, "running_var_after"), kTol64, kTol64)) << c;
  }
}

TEST(Conformance, Pooling) {
  check_case("max_pool2d", {"x"}, {"gx"}, [](const std::vector<Variable>& v) { return max_pool2d(v[0], {3, 2}, Size2(2, 2), {1, 1}); });
  check_case("avg_pool2d_count_pad", {"x"}, {"gx"},
             [](const std::vector<Variable>& v) { return avg_pool2d(v[0], {3, 4}, Size2(2, 3), {1, 2}, true); });
  check_case("avg_pool2d_no_count_pad", {"x"}, {"gx"},
             [](const std::vector<Variable>& v) { return avg_pool2d(v[0], {3, 4}, Size2(2, 3), {1, 2}, false); });
  check_case("max_pool1d", {"x"}, {"gx"}, [](const std::vector<Variable>& v) { return max_pool1d(v[0], 4); });
}

TEST(Conformance, Activations) {
  const std::vector<std::pair<std::string, std::function<Variable(const Variable&)>>> acts = {
      {"relu", [](const Variable& x) { return relu(x); }},
      {"leaky_relu", [](const Variable& x) { return leaky_relu(x, 0.2); }},
      {"elu", [](const Variable& x) { return elu(x, 1.3); }},
      {"gelu", [](const Variable& x) { return gelu(x); }},
      {"gelu_tanh", [](const Variable& x) { return gelu(x, "tanh"); }},
      {"silu", [](const Variable& x) { return silu(x); }},
      {"swish", [](const Variable& x) { return swish(x, 1.7); }},
      {"mish", [](const Variable& x) { return mish(x); }},
      {"smish", [](const Variable& x) { return smish(x); }},
      {"softplus", [](const Variable& x) { return softplus(x, 2.0, 5.0); }},
      {"hardswish", [](const Variable& x) { return hardswish(x); }},
      {"sigmoid", [](const Variable& x) { return activation("sigmoid", x); }},
      {"tanh", [](const Variable& x) { return activation("tanh", x); }},
      {"swiglu", [](const Variable& x) { return swiglu(x, 1); }},
      {"softmax", [](const Variable& x) { return softmax(x, 1); }},
      {"log_softmax", [](const Variable& x) { return log_softmax(x, 0); }},
  };
  for (const auto& [name, fn] : acts)
    check_case("act_" + name, {"x"}, {"gx"}, [&](const std::vector<Variable>& v) { return fn(v[0]); });
}

TEST(Conformance, Losses) {
  const std::string dir = "loss_ce_labels";
  const Tensor labels = fixture(dir, "labels"), soft = fixture(dir, "soft");
  const std::vector<std::pair<std::string, std::function<Variable(const Variable&)>>> losses = {
      {"ce_labels", [&](const Variable& z) { return cross_entropy(z, labels); }},
      {"ce_labels_smooth", [&](const Variable& z) { return cross_entropy(z, labels, 0.1); }},
      {"ce_soft", [&](const Variable& z) { return cross_entropy(z, soft); }},
      {"ce_soft_smooth_sum", [&](const Variable& z) { return cross_entropy(z, soft, 0.2, "sum"); }},
      {"ce_none", [&](const Variable& z) { return cross_entropy(z, labels, 0.0, "none"); }},
      {"nll", [&](const Variable& z) { return nll_loss(log_softmax(z, 1), labels); }},
  };
  for (const auto& [name, fn] : losses) {
    const std::string c = "loss_" + name;
    Variable z(fixture(c, "logits"), true);
    const Variable loss = fn(z);
    EXPECT_TRUE(tensors_close(loss.data(), fixture(c, "loss"), kTol64, kTol64)) << c;
    loss.backward(fixture(c, "gy"));
    EXPECT_TRUE(tensors_close(z.grad(), fixture(c, "glogits"), kTol64, kTol64)) << c;
  }
  Variable z(fixture("loss_bce", "logits"), true);
  const Variable bce = binary_cross_entropy_with_logits(z, fixture("loss_bce", "target"));
  EXPECT_TRUE(tensors_close(bce.data(), fixture("loss_bce", "loss"), kTol64, kTol64));
  bce.backward(fixture("loss_bce", "gy"));
  EXPECT_TRUE(tensors_close(z.grad(), fixture("loss_bce", "glogits"), kTol64, kTol64));
  Variable a(fixture("loss_mse", "a"), true), b(fixture("loss_mse", "b"), true);
  const Variable mse = mse_loss(a, b);
  EXPECT_TRUE(tensors_close(mse.data(), fixture("loss_mse", "loss"), kTol64, kTol64));
  mse.backward(fixture("loss_mse", "gy"));
  EXPECT_TRUE(tensors_close(a.grad(), fixture("loss_mse", "ga"), kTol64, kTol64));
  EXPECT_TRUE(tensors_close(b.grad(), fixture("loss_mse", "gb"), kTol64, kTol64));
}

// A miniature CNN14 built from our layers with PANNs' module names: PyTorch's state dict (written as
// safetensors by the fixture script) loads strictly, and training-mode outputs, gradients, running
// statistics and eval-mode outputs match PyTorch in float32.
struct MiniConvBlock : nn::Module {
  std::shared_ptr<nn::Conv2d> conv1, conv2;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2;
  MiniConvBlock(int64_t in, int64_t out) : Module("ConvBlock") {
    const nn::Conv2dOptions o{1, 1, 1, false};
    conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(in, out, 3, o));
    conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(out, out, 3, o));
    bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(out));
    bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(out));
  }
  Variable forward_impl(const Variable& x) override {
    const Variable h = relu(bn1->forward(conv1->forward(x)));
    return avg_pool2d(relu(bn2->forward(conv2->forward(h))), 2);
  }
};

struct MiniCnn14 : nn::Module {
  std::shared_ptr<nn::BatchNorm2d> bn0;
  std::shared_ptr<MiniConvBlock> conv_block1, conv_block2;
  std::shared_ptr<nn::Linear> fc1, fc_audioset;
  MiniCnn14() : Module("MiniCnn14") {
    bn0 = register_module("bn0", std::make_shared<nn::BatchNorm2d>(16));
    conv_block1 = register_module("conv_block1", std::make_shared<MiniConvBlock>(1, 8));
    conv_block2 = register_module("conv_block2", std::make_shared<MiniConvBlock>(8, 16));
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(16, 16));
    fc_audioset = register_module("fc_audioset", std::make_shared<nn::Linear>(16, 5));
  }
  Variable forward_impl(const Variable& x) override {  // x (B, 1, T, F)
    Variable h = transpose(bn0->forward(transpose(x, 1, 3)), 1, 3);
    h = mean(conv_block2->forward(conv_block1->forward(h)), {3});  // (B, 16, T')
    h = add(max(h, 2).values, mean(h, {2}));                         // (B, 16)
    return fc_audioset->forward(relu(fc1->forward(h)));
  }
};

TEST(Conformance, MiniCnn14LoadsPyTorchWeightsAndMatches) {
  MiniCnn14 net;
  const nn::SafeTensors init = nn::load_safetensors("tests/fixtures/nn/mini_cnn14/init.safetensors");
  const nn::LoadReport r = net.load_state_dict(init.tensors);  // strict: every name maps 1:1
  EXPECT_EQ(r.loaded.size(), init.tensors.size());
  const std::string c = "mini_cnn14";
  net.train();
  const Variable logits = net.forward(Variable(fixture(c, "x")));
  EXPECT_TRUE(tensors_close(logits.data(), fixture(c, "logits_train"), 1e-5, 1e-5));
  logits.backward(fixture(c, "gy"));
  EXPECT_TRUE(tensors_close(net.conv_block1->conv1->weight.grad(), fixture(c, "g_conv1"), 1e-4, 1e-5));
  EXPECT_TRUE(tensors_close(net.bn0->weight.grad(), fixture(c, "g_bn0_weight"), 1e-4, 1e-5));
  EXPECT_TRUE(tensors_close(net.fc1->weight.grad(), fixture(c, "g_fc1"), 1e-4, 1e-5));
  EXPECT_TRUE(tensors_close(net.conv_block2->bn2->running_mean, fixture(c, "running_mean_after"), 1e-5, 1e-6));
  EXPECT_TRUE(tensors_close(net.conv_block2->bn2->running_var, fixture(c, "running_var_after"), 1e-5, 1e-6));
  EXPECT_EQ(net.bn0->num_batches_tracked.item<int64_t>(), 1);
  net.eval();
  EXPECT_TRUE(tensors_close(net.forward(Variable(fixture(c, "x"))).data(), fixture(c, "logits_eval"), 1e-5, 1e-5));
}

}  // namespace
}  // namespace ag::test
