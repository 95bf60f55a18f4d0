// docs/examples/ch14_transfer.cpp
#include <filesystem>
#include <iostream>

#include "apps/models/model.hpp"
#include "check.hpp"

using namespace ag;
namespace fs = std::filesystem;

// What `audiograd train --pretrained P --transfer freeze-first:3` does to a model, step by step.
int main() {
  // A "pretrained" ERANN-3-1 with 40 classes, saved as the app saves its models.
  models::ModelOptions opt;
  opt.num_classes = 40;
  auto pretrained = models::build_model("erann-3-1", opt);
  std::string path = (fs::temp_directory_path() / "ch14_pretrained.safetensors").string();
  nn::save_checkpoint(path, *pretrained, nullptr, {{"audiograd.model", "erann-3-1"}, {"audiograd.num_classes", "40"}});

  // 1. Build the same architecture with the checkpoint's classes and load it: every name matches.
  auto model = models::build_model("erann-3-1", opt);
  nn::CheckpointInfo info = nn::load_checkpoint(path, *model);
  CHECK(info.report.ok());

  // 2. A new head for the new task (10 classes); the backbone keeps its weights.
  model->replace_head(10, /*seed=*/1);
  CHECK(model->num_classes() == 10);
  CHECK(allclose(model->state_dict().at("stage2.0.conv1.weight"), pretrained->state_dict().at("stage2.0.conv1.weight"), 0, 0));

  // 3. Freeze the first three stages (bn0, stage0, stage1): they get no gradient and the
  //    optimiser never sees them.
  std::vector<std::string> stages = model->stage_names();
  for (int i = 0; i < 3; ++i) model->requires_grad_(stages[i], false);
  std::cout << "trainable: " << model->num_parameters(true) << " of " << model->num_parameters() << " parameters\n";
  CHECK(model->num_parameters(true) < model->num_parameters());

  // 4. Train: frozen parameters get no gradient.
  Variable loss = cross_entropy(model->forward(Variable(randn({4, 1, 128, 128}))), tensor({0, 1, 2, 3}, {}, DType::Int64));
  loss.backward();
  for (auto& [name, p] : model->named_parameters()) {
    bool frozen = name.rfind("bn0.", 0) == 0 || name.rfind("stage0.", 0) == 0 || name.rfind("stage1.", 0) == 0;
    CHECK(frozen == !p.grad().defined());
  }
  fs::remove(path);
}
