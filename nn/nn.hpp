// nn.hpp: everything in nn/ in one include (layers, losses via autograd/nn_ops.hpp, optimisers,
// schedules, checkpoints).
#pragma once

#include "autograd/autograd.hpp"
#include "nn/activation.hpp"
#include "nn/batchnorm.hpp"
#include "nn/checkpoint.hpp"
#include "nn/container.hpp"
#include "nn/distributed.hpp"
#include "nn/conv.hpp"
#include "nn/dropout.hpp"
#include "nn/ema.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/lr_scheduler.hpp"
#include "nn/module.hpp"
#include "nn/optim.hpp"
#include "nn/pooling.hpp"
