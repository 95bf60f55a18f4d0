// autograd.hpp: everything in autograd/ in one include.
#pragma once

#include "autograd/gradcheck.hpp"
#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "autograd/ops.hpp"
#include "autograd/variable.hpp"
#include "tensor/all.hpp"
