// dropout.hpp: Dropout, Dropout2d and DropBlock layers (active in training mode only).
//
//   Dropout    any shape; each element zeroed with probability p, the rest scaled by 1 / (1 - p)
//   Dropout2d  (B, C, *); whole channels zeroed (one draw per (b, c))
//   DropBlock  (B, C, H, W); contiguous block_size x block_size squares zeroed per (b, c)
//              (Ghiasi et al. 2018), then rescaled by (number of elements) / (number kept)
// Each holds a Generator (seeded by the constructor) so runs are reproducible.
#pragma once

#include "nn/module.hpp"

namespace ag::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, uint64_t seed = 0xd50b);
  std::string extra_repr() const override;
  Generator& generator() { return gen_; }

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  double p_;
  Generator gen_;
};

class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5, uint64_t seed = 0xd52d);
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  double p_;
  Generator gen_;
};

// Block centres are drawn with the rate gamma = p / bs^2 * H W / ((H - bs + 1)(W - bs + 1)) over
// the positions where a whole block fits, so that about a fraction p of the map is dropped.
class DropBlock : public Module {
 public:
  DropBlock(double p, int64_t block_size, uint64_t seed = 0xdb10);
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  double p_;
  int64_t block_size_;
  Generator gen_;
};

}  // namespace ag::nn
