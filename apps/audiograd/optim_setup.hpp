// optim_setup.hpp: what a TrainConfig asks of the optimisation: which parameters train
// (--transfer), the optimiser over them (--optimizer, --lr, --backbone-lr, ...) and the learning
// rate schedule (--schedule). Unknown names throw ValueError listing the valid ones.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "apps/audiograd/config.hpp"
#include "apps/models/model.hpp"
#include "nn/lr_scheduler.hpp"
#include "nn/optim.hpp"

namespace ag::app {

// --transfer: finetune (everything trains), freeze-base (only the head) or freeze-first:<k> (the
// first k of model.stage_names() are frozen).
void apply_transfer(const std::string& mode, models::AudioModel& model);

// The optimiser named in the config, over two param groups: the backbone at --backbone-lr (if set)
// and the head (model.head_prefix()) at --lr. Frozen parameters are left out.
std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& c, models::AudioModel& model);

// The schedule named in the config, stepped once per optimiser step.
std::unique_ptr<nn::LRScheduler> make_schedule(const TrainConfig& c, nn::Optimizer& opt, int64_t steps_per_epoch);

}  // namespace ag::app
