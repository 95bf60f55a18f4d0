// optim_setup.cpp: see optim_setup.hpp.
#include "apps/audiograd/optim_setup.hpp"

#include <algorithm>

#include "apps/audiograd/text.hpp"

namespace ag::app {

void apply_transfer(const std::string& mode, models::AudioModel& model) {
  if (mode == "finetune") return;
  if (mode == "freeze-base") {
    model.requires_grad_(false);
    model.requires_grad_(model.head_prefix(), true);
    return;
  }
  const std::string prefix = "freeze-first:";
  if (mode.rfind(prefix, 0) == 0) {
    int k = 0;
    try {
      k = std::stoi(mode.substr(prefix.size()));
    } catch (const std::exception&) {
      k = -1;
    }
    std::vector<std::string> stages = model.stage_names();
    if (k < 1 || k > static_cast<int>(stages.size()))
      fail<ValueError>("--transfer ", mode, ": k must be 1..", stages.size(), " (stages: ", join(stages, " "), ")");
    for (int i = 0; i < k; ++i) model.requires_grad_(stages[i], false);
    return;
  }
  fail<ValueError>("--transfer: unknown '", mode, "' (expected finetune, freeze-base or freeze-first:<k>)");
}

std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& c, models::AudioModel& model) {
  std::vector<Variable> backbone, head;
  for (auto& [name, p] : model.named_parameters()) {
    if (!p.requires_grad()) continue;
    (name.rfind(model.head_prefix(), 0) == 0 ? head : backbone).push_back(p);
  }
  std::vector<nn::ParamGroupSpec> groups;
  nn::ParamGroupSpec b, h;
  b.params = backbone;
  if (c.backbone_lr > 0) b.lr = c.backbone_lr;
  h.params = head;
  if (!backbone.empty()) groups.push_back(b);
  if (!head.empty()) groups.push_back(h);
  if (groups.empty()) fail<ValueError>("train: no trainable parameters (everything is frozen)");
  if (c.optimizer == "adam" || c.optimizer == "adamw") {
    nn::AdamOptions o;
    o.lr = c.lr;
    o.weight_decay = c.weight_decay;
    o.amsgrad = c.amsgrad;
    if (c.optimizer == "adam") return std::make_unique<nn::Adam>(groups, o);
    nn::AdamWOptions w;
    static_cast<nn::AdamOptions&>(w) = o;
    return std::make_unique<nn::AdamW>(groups, w);
  }
  if (c.optimizer == "sgd") {
    nn::SGDOptions o;
    o.lr = c.lr;
    o.momentum = c.momentum;
    o.weight_decay = c.weight_decay;
    return std::make_unique<nn::SGD>(groups, o);
  }
  fail<ValueError>("--optimizer: unknown '", c.optimizer, "' (expected adam, adamw or sgd)");
}

std::unique_ptr<nn::LRScheduler> make_schedule(const TrainConfig& c, nn::Optimizer& opt, int64_t steps_per_epoch) {
  int64_t total = std::max<int64_t>(1, steps_per_epoch * c.epochs);
  if (c.schedule == "constant") return std::make_unique<nn::ConstantLR>(opt, 1.0, 0);
  if (c.schedule == "step") return std::make_unique<nn::StepLR>(opt, std::max<int64_t>(1, c.step_epochs * steps_per_epoch), c.step_gamma);
  if (c.schedule == "cosine")
    return std::make_unique<nn::CosineWarmupLR>(
        opt, std::min<int64_t>(total - 1, static_cast<int64_t>(c.warmup_epochs * static_cast<double>(steps_per_epoch))), total);
  if (c.schedule == "onecycle") return std::make_unique<nn::OneCycleLR>(opt, c.lr, total);
  fail<ValueError>("--schedule: unknown '", c.schedule, "' (expected constant, step, cosine or onecycle)");
}

}  // namespace ag::app
