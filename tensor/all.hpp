// all.hpp: everything in tensor/ in one include — the Tensor class (tensor.hpp) and the math
// beside it. Library code includes the headers it uses; programs and the folder umbrellas
// (autograd/autograd.hpp, nn/nn.hpp, audio/audio.hpp) include this.
#pragma once

#include "tensor/elementwise.hpp"
#include "tensor/index.hpp"
#include "tensor/io.hpp"
#include "tensor/linalg.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"
#include "tensor/reduce.hpp"
#include "tensor/tensor.hpp"
