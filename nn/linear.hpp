// linear.hpp: the fully connected layer y = x W^T + b.
//
// Shapes: x (..., in) -> y (..., out); weight (out, in) as in PyTorch (so fc1.weight loads as is),
// bias (out). Default init as PyTorch: W and b ~ U(-1/sqrt(in), 1/sqrt(in)).
// A composition of matmul, transpose and add: no backward of its own.
#pragma once

#include "nn/module.hpp"

namespace ag::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, Generator* gen = nullptr);
  Variable weight;  // (out, in)
  Variable bias;    // (out), undefined without bias
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  int64_t in_, out_;
};

}  // namespace ag::nn
