// test_conformance.cpp: our models ARE the published ones. Each case loads a state dict written
// from the PyTorch twin of the model (tools/make_model_fixtures.py: the same layers and the same
// parameter names, PANNs' own for CNN14), runs the same real-clip log-mels through it, and checks
// the logits and the gradient of the mean cross-entropy for EVERY parameter against PyTorch.
//
// The references were computed by PyTorch in float64 from the float32 weights, so they are exact
// to ~1e-12 and the error measured here is ours alone (float32). The tolerance is 1e-4 relative
// to each tensor's scale, max |ours - torch| / max |torch|: an elementwise relative error means
// nothing for gradient entries that happen to be near zero. (PyTorch's own float32 misses its
// float64 result by up to 6e-5 on the ERANN case, printed by the script.)
//
// Reduced widths (ModelOptions::base_channels) keep the fixtures at a few MB; the wiring, kernel
// shapes, strides, pooling and heads are those of the published models.
//   erann-3-1, base 3    TRAIN mode: BatchNorm uses batch statistics (ERANN has no dropout), so the
//                        backward through BN's batch mean and variance is checked too, and the
//                        running statistics after the step are compared.
//   resnet-small, base 8 EVAL mode: it has dropout before fc, whose random masks cannot match.
//   cnn14, base 3        EVAL mode for the same reason (dropout 0.2 after each block, 0.5 in the head).
//   wavegram-logmel-cnn14, base 3  EVAL mode; input (2, 16000) waveforms at 32 kHz. The model makes
//                        its log-mel inside: ours with our float32 front end, PyTorch's with torchaudio
//                        in float64, so this case also bounds the effect of our front end's ~4e-4 dB.
//   cnn14-sed, base 3    Cnn14_DecisionLevelMax, EVAL mode, 100 frames: its clip logits (max over
//                        segments) and gradients as above, and the frame-wise output (framewise.npy).
//   panns-cnn14-converted, base 2, 527 classes: tools/convert_panns.py's output for a randomly
//                        initialised PANNs Cnn14 saved as {"model": state_dict}; logits only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <set>

#include "apps/models/cnn14.hpp"
#include "apps/models/model.hpp"

namespace ag::models {
namespace {

const std::string kDir = "tests/fixtures/models/";
constexpr double kTol = 1e-4;

// max |a - e| / max |e| over the tensor (see the header).
double rel_err(const Tensor& actual, const Tensor& expected) {
  EXPECT_EQ(actual.shape(), expected.shape());
  const std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size() && i < e.size(); ++i) {
    diff = std::max(diff, std::isnan(a[i]) ? INFINITY : std::abs(a[i] - e[i]));
    scale = std::max(scale, std::abs(e[i]));
  }
  return diff / std::max(scale, 1e-30);
}

struct Case {
  const char* dir;    // under tests/fixtures/models/
  const char* model;  // build_model name
  int64_t base_channels;
  int64_t num_classes;
  bool train;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.dir; }  // test names, not a byte dump

std::shared_ptr<AudioModel> load(const Case& c) {
  ModelOptions o;
  o.num_classes = c.num_classes;
  o.base_channels = c.base_channels;
  auto model = build_model(c.model, o);
  // Strict: every name and shape in the PyTorch state dict matches ours, nothing missing or extra.
  model->load_state_dict(nn::load_safetensors(kDir + c.dir + "/weights.safetensors").tensors, /*strict=*/true);
  model->train(c.train);
  return model;
}

class Conformance : public ::testing::TestWithParam<Case> {};

TEST_P(Conformance, LogitsAndEveryParameterGradientMatchPyTorch) {
  const Case c = GetParam();
  auto model = load(c);
  const std::string dir = kDir + c.dir + "/";
  Tensor x = load_npy(dir + "input.npy");      // (B, 1, T, F) log-mel, or (B, L) waveform
  Tensor labels = load_npy(dir + "labels.npy");  // (B,) int64

  model->zero_grad();
  Variable logits = model->forward(Variable(x));  // (B, N)
  cross_entropy(logits, labels).backward();

  const double logit_err = rel_err(logits.data(), load_npy(dir + "logits.npy"));
  EXPECT_LE(logit_err, kTol) << c.dir << " logits";

  nn::SafeTensors grads = nn::load_safetensors(dir + "grads.safetensors");
  std::set<std::string> ours;
  double worst = 0;
  std::string worst_name;
  for (auto& [name, p] : model->named_parameters()) {
    ours.insert(name);
    ASSERT_TRUE(grads.tensors.contains(name)) << "PyTorch has no gradient for our parameter " << name;
    ASSERT_TRUE(p.grad().defined()) << name << " got no gradient";
    const double e = rel_err(p.grad(), grads.tensors.at(name));
    EXPECT_LE(e, kTol) << c.dir << ": gradient of " << name << " " << shape_str(p.shape());
    if (e > worst) worst = e, worst_name = name;
  }
  for (auto& name : grads.tensors.keys()) EXPECT_TRUE(ours.count(name)) << "PyTorch parameter " << name << " missing here";

  // Train mode: BN's running statistics after one forward (momentum 0.1, unbiased variance).
  double buffer_worst = 0;
  if (c.train) {
    nn::SafeTensors after = nn::load_safetensors(dir + "buffers_after.safetensors");
    nn::StateDict state = model->state_dict();
    EXPECT_GT(after.tensors.size(), 0u);
    for (auto& [name, t] : after.tensors.items()) {
      const double e = rel_err(state.at(name), t);
      EXPECT_LE(e, kTol) << c.dir << ": buffer " << name;
      buffer_worst = std::max(buffer_worst, e);
    }
  }
  std::cout << "[conformance] " << c.dir << " (" << (c.train ? "train" : "eval") << " mode, " << model->num_parameters(true)
            << " parameters): logits " << logit_err << ", worst of " << ours.size() << " gradients " << worst << " ("
            << worst_name << ")";
  if (c.train) std::cout << ", worst running statistic " << buffer_worst;
  std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(Models, Conformance,
                         ::testing::Values(Case{"erann-3-1", "erann-3-1", 3, 10, true},
                                           Case{"resnet-small", "resnet-small", 8, 10, false},
                                           Case{"cnn14", "cnn14", 3, 10, false},
                                           Case{"cnn14-sed", "cnn14-sed", 3, 10, false},
                                           Case{"wavegram-logmel-cnn14", "wavegram-logmel-cnn14", 3, 10, false}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n = info.param.dir;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// The check is sharp: eval-mode CNN14 with bn0's running variance off by 1 % already fails it.
TEST(Cnn14Sed, FramewiseOutputMatchesPanns) {
  // PANNs' framewise_output: segment sigmoids repeated 32 times, the last one again to frame 100.
  auto model = load(Case{"cnn14-sed", "cnn14-sed", 3, 10, false});
  NoGradGuard ng;
  Tensor x = load_npy(kDir + "cnn14-sed/input.npy");  // (4, 1, 100, 64)
  auto* sed = dynamic_cast<Cnn14Sed*>(model.get());
  ASSERT_NE(sed, nullptr);
  ASSERT_TRUE(model->framewise());
  Tensor frames = sigmoid(model->frame_logits(Variable(x))).data();
  EXPECT_EQ(frames.shape(), (Shape{4, 100, 10}));
  const double e = rel_err(frames, load_npy(kDir + "cnn14-sed/framewise.npy"));
  EXPECT_LE(e, kTol);
  // The clip logits are the frames' maximum: sigmoid(forward) is PANNs' clipwise_output.
  Tensor clip = model->forward(Variable(x)).data();
  EXPECT_LE(rel_err(sigmoid(Variable(clip)).data(), max(Variable(frames), 1).values.data()), 1e-6);
  EXPECT_EQ(sed->segment_logits(Variable(x)).size(1), 3);  // 100 -> 50 -> 25 -> 12 -> 6 -> 3
  std::cout << "[conformance] cnn14-sed frame-wise output " << e << "\n";
  // A clip model has no frames.
  ModelOptions small;
  small.base_channels = 2;
  auto cnn14 = build_model("cnn14", small);
  EXPECT_FALSE(cnn14->framewise());
  try {
    cnn14->frame_logits(Variable(x));
    ADD_FAILURE() << "no error";
  } catch (const ValueError& err) {
    EXPECT_NE(std::string(err.what()).find("Cnn14 gives one score per clip, not per frame"), std::string::npos) << err.what();
  }
}

TEST(ConformanceCheck, DetectsASlightlyWrongRunningVariance) {
  const Case c{"cnn14", "cnn14", 3, 10, false};
  auto model = load(c);
  Tensor var = model->state_dict().at("bn0.running_var");
  var.mul_(1.01);
  NoGradGuard no_grad;
  Tensor logits = model->forward(Variable(load_npy(kDir + "cnn14/input.npy"))).data();
  EXPECT_GT(rel_err(logits, load_npy(kDir + "cnn14/logits.npy")), 10 * kTol);
}

// tools/convert_panns.py on a randomly initialised PANNs Cnn14 (front-end buffers included, saved
// as {"model": state_dict} by torch.save): the converted file loads strictly into our CNN14, carries
// the metadata the app reads, and gives PyTorch's logits on real-clip log-mels.
TEST(PannsConverter, ConvertedCheckpointGivesPyTorchsLogits) {
  const std::string dir = kDir + "panns-cnn14-converted/";
  nn::SafeTensors st = nn::load_safetensors(dir + "weights.safetensors");
  EXPECT_EQ(st.metadata.at("format"), "audiograd");
  EXPECT_EQ(st.metadata.at("audiograd.model"), "cnn14");
  EXPECT_EQ(st.metadata.at("audiograd.num_classes"), "527");
  EXPECT_EQ(st.metadata.at("audiograd.activation"), "relu");
  // The 527 AudioSet labels in PANNs' output order (tools/audioset/), and the multi-label task.
  const std::string names = st.metadata.at("audiograd.class_names");
  EXPECT_EQ(std::count(names.begin(), names.end(), '\n'), 526);
  EXPECT_EQ(names.substr(0, names.find('\n')), "Speech");
  EXPECT_NE(names.find("\nDog\n"), std::string::npos);
  EXPECT_EQ(names.substr(names.rfind('\n') + 1), "Field recording");
  EXPECT_EQ(st.metadata.at("audiograd.task"), "tagging");
  EXPECT_EQ(st.metadata.at("audiograd.clip_seconds"), "10");  // AudioSet's clips: tag's default window
  EXPECT_EQ(st.metadata.at("audiograd.base_channels"), "2");  // reduced width; the real file has none
  for (auto& name : st.tensors.keys())
    EXPECT_EQ(name.find("extractor"), std::string::npos) << "front-end buffer not dropped: " << name;

  ModelOptions o;
  o.num_classes = 527;
  o.base_channels = 2;
  auto model = build_model("cnn14", o);
  model->load_state_dict(st.tensors, /*strict=*/true);
  model->eval();
  NoGradGuard no_grad;
  Tensor logits = model->forward(Variable(load_npy(dir + "input.npy"))).data();  // (4, 527)
  const double e = rel_err(logits, load_npy(dir + "logits.npy"));
  EXPECT_LE(e, kTol);
  std::cout << "[conformance] panns-cnn14-converted (eval mode, 527 classes): logits " << e << "\n";
}

}  // namespace
}  // namespace ag::models
