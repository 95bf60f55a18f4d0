// model.cpp: the model registry, PANNs' initialisation and the multiply-add counter.
#include "apps/models/model.hpp"

#include <functional>
#include <regex>

#include "apps/models/blocks.hpp"
#include "apps/models/cnn14.hpp"
#include "apps/models/erann.hpp"
#include "apps/models/resnet_small.hpp"

namespace ag::models {

namespace {

// The registry: one row per model family. `pattern` is matched against the whole name (std::regex)
// and its groups go to `build`; `name` is how the help lists the family. Add a model here.
struct ModelEntry {
  std::string name;
  std::string description;
  std::regex pattern;
  std::function<std::shared_ptr<AudioModel>(const std::smatch&, const ModelOptions&)> build;
};

const std::vector<ModelEntry>& model_table() {
  static const std::vector<ModelEntry> table = {
      {"erann-<s_m>-<W>", "ERANN, s_m in 0..3 (temporal downsampling), W in 1..6 (width); e.g. erann-2-2",
       std::regex("erann-([0-9]+)-([0-9]+)"),
       [](const std::smatch& m, const ModelOptions& o) { return std::make_shared<Erann>(std::stoll(m[1]), std::stoll(m[2]), o); }},
      {"cnn14", "PANNs CNN14 (80 M parameters with the AudioSet head)", std::regex("cnn14"),
       [](const std::smatch&, const ModelOptions& o) { return std::make_shared<Cnn14>(o); }},
      {"cnn14-sed", "PANNs Cnn14_DecisionLevelMax: CNN14's weights, scores per 10 ms frame for event detection", std::regex("cnn14-sed"),
       [](const std::smatch&, const ModelOptions& o) { return std::make_shared<Cnn14Sed>(o); }},
      {"wavegram-logmel-cnn14", "PANNs Wavegram-Logmel-CNN14 (waveform input)", std::regex("wavegram-logmel-cnn14"),
       [](const std::smatch&, const ModelOptions& o) { return std::make_shared<WavegramLogmelCnn14>(o); }},
      {"resnet-small", "a small ResNet baseline (1.2 M parameters; --activation picks its nonlinearity)", std::regex("resnet-small"),
       [](const std::smatch&, const ModelOptions& o) { return std::make_shared<ResNetSmall>(o); }},
      {"blocks", "a model given as a list of blocks (--blocks, --res-block; the seed pipeline's vocabulary)", std::regex("blocks"),
       [](const std::smatch&, const ModelOptions& o) { return std::make_shared<BlocksModel>(o); }},
  };
  return table;
}

}  // namespace

Variable AudioModel::frame_logits(const Variable&) {
  fail<ValueError>(type_name(), " gives one score per clip, not per frame (a frame-wise model: cnn14-sed)");
}

std::vector<std::pair<std::string, std::string>> model_names() {
  std::vector<std::pair<std::string, std::string>> names;
  for (const ModelEntry& e : model_table()) names.emplace_back(e.name, e.description);
  return names;
}

std::shared_ptr<AudioModel> build_model(const std::string& name, const ModelOptions& options) {
  std::smatch m;
  for (const ModelEntry& e : model_table())
    if (std::regex_match(name, m, e.pattern)) return e.build(m, options);
  std::string valid;
  for (const ModelEntry& e : model_table()) valid += (valid.empty() ? "" : ", ") + e.name;
  fail<ValueError>("unknown model '", name, "' (expected one of: ", valid, ")");
}

void init_panns(nn::Module& module, Generator& gen) {
  // By layer type, in registration order (so a seed gives the same weights every time).
  for (auto& [name, m] : module.named_modules()) {
    auto init_linear_like = [&](const Variable& w, const Variable& b) {
      Tensor wt = w.data();
      nn::init::xavier_uniform_(wt, 1.0, &gen);
      if (b.defined()) {
        Tensor bt = b.data();
        nn::init::zeros_(bt);
      }
    };
    if (auto c = dynamic_cast<const nn::Conv2d*>(m)) init_linear_like(c->weight, c->bias);
    else if (auto c1 = dynamic_cast<const nn::Conv1d*>(m)) init_linear_like(c1->weight, c1->bias);
    else if (auto l = dynamic_cast<const nn::Linear*>(m)) init_linear_like(l->weight, l->bias);
    else if (dynamic_cast<const nn::BatchNorm*>(m)) {
      for (auto& [pname, p] : m->named_parameters()) {
        Tensor t = p.data();
        if (pname == "weight") nn::init::ones_(t);
        else if (pname == "bias") nn::init::zeros_(t);
      }
    }
  }
}

void zero_head(AudioModel& model) {
  const std::string prefix = model.head_prefix();
  int64_t zeroed = 0;
  for (auto& [name, p] : model.named_parameters()) {
    if (name.rfind(prefix, 0) != 0) continue;
    Tensor t = p.data();
    nn::init::zeros_(t);
    ++zeroed;
  }
  if (zeroed == 0) fail<ValueError>(model.type_name(), ": zero_head found no parameters under '", prefix, "'");
}

int64_t count_macs(AudioModel& model, const Shape& input_shape) {
  bool was_training = model.is_training();
  model.eval();
  {
    NoGradGuard no_grad;
    model.forward(Variable(zeros(input_shape)));
  }
  model.train(was_training);
  int64_t macs = 0;
  for (auto& [name, m] : model.named_modules()) {
    const Shape& out = m->last_output_shape();
    if (out.empty()) continue;
    int64_t n = shape_numel(out);
    if (auto c = dynamic_cast<const nn::Conv2d*>(m)) {
      const Shape& w = c->weight.shape();  // (O, C, KH, KW): each output element is C*KH*KW MACs
      macs += n * w[1] * w[2] * w[3];
    } else if (auto c1 = dynamic_cast<const nn::Conv1d*>(m)) {
      const Shape& w = c1->weight.shape();
      macs += n * w[1] * w[2];
    } else if (auto l = dynamic_cast<const nn::Linear*>(m)) {
      macs += n * l->in_features();
    }
  }
  return macs;
}

}  // namespace ag::models
