// autograd.hpp: everything in autograd/ in one include.
#pragma once

#include "autograd/gradcheck.hpp"
#include "autograd/node.hpp"
#include "autograd/ops.hpp"
#include "autograd/variable.hpp"
#if __has_include("autograd/nn_ops.hpp")
#include "autograd/nn_ops.hpp"
#endif
