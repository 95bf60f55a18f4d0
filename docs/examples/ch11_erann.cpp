// docs/examples/ch11_erann.cpp
#include <iostream>

#include "apps/models/erann.hpp"
#include "check.hpp"

using namespace ag;

int main() {
  models::ModelOptions opt;
  opt.num_classes = 50;
  models::Erann erann(/*s_m=*/2, /*W=*/1, opt);            // ERANN-2-1

  // Stage 1 and 2 use stride-4 blocks along time (s_m = 2): the frames must be a multiple of 16.
  CHECK(erann.time_multiple() == 16);
  Variable x(randn({2, 1, 640, 128}));                      // two 5 s clips of 128-bin log-mel
  Variable logits = erann.forward(x);
  CHECK(logits.shape() == Shape({2, 50}));

  // The stride-4 block of stage 1: a 6 x 3 kernel (time x frequency), stride (4, 2), and a 1 x 1
  // shortcut with the same strides, so both paths give 640 / 4 = 160 frames and 128 / 2 = 64 bins.
  auto conv1 = erann.submodule("stage1.0.conv1");
  std::cout << conv1->type_name() << "(" << conv1->extra_repr() << ")\n";
  CHECK(erann.state_dict().at("stage1.0.conv1.weight").shape() == Shape({16, 8, 6, 3}));
  CHECK(erann.state_dict().at("stage1.0.shortcut.weight").shape() == Shape({16, 8, 1, 1}));

  // Size and cost, as in the paper's table (1.5 M parameters; 0.82 GMACs for s_m = 2, W = 1).
  std::cout << erann.num_parameters() << " parameters, "
            << static_cast<double>(models::count_macs(erann, {1, 1, 640, 128})) / 1e9 << " GMACs per clip\n";
  CHECK(erann.num_parameters() > 1500000 && erann.num_parameters() < 1600000);

  // A length that does not fit is an error that says what would.
  try {
    erann.forward(Variable(randn({1, 1, 650, 128})));
    return 1;
  } catch (const ShapeError& e) {
    std::cout << e.what() << "\n";
  }
}
