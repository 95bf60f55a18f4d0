// batchnorm.hpp: BatchNorm1d and BatchNorm2d over the batch_norm op (autograd/ops/batch_norm.cpp).
//
// Shapes: BatchNorm1d x (B, C) or (B, C, T); BatchNorm2d x (B, C, H, W); output as input.
// Parameters weight (gamma, ones) and bias (beta, zeros) (C) when affine; buffers running_mean
// (zeros), running_var (ones) (C) and num_batches_tracked (int64, 0-d) when track_running_stats, with
// PyTorch's names so that `bn0.running_mean` loads from a PANNs checkpoint.
// Training mode normalises with the batch statistics and moves the running ones (momentum, unbiased
// variance: PyTorch's rule); eval mode uses the running statistics.
// Synchronised (set_allreduce, or nn::sync_batchnorm in distributed.hpp): training mode normalises
// with the statistics of the global batch over every process (PyTorch's SyncBatchNorm).
#pragma once

#include "nn/module.hpp"

namespace ag::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
};

class BatchNorm : public Module {
 public:
  Variable weight;  // (C) gamma
  Variable bias;    // (C) beta
  Tensor running_mean, running_var, num_batches_tracked;
  int64_t num_features() const { return num_features_; }
  std::string extra_repr() const override;
  // Sums the batch statistics over processes with `allreduce` in training mode (nullptr: local).
  void set_allreduce(BatchNormAllreduce allreduce) { allreduce_ = std::move(allreduce); }
  bool synchronised() const { return static_cast<bool>(allreduce_); }
  // leaky_relu(forward(x), negative_slope), relu at 0, as one op (batch_norm_leaky_relu): the same
  // values, running statistics and gradients, one activation-sized tensor less kept for backward.
  Variable forward_leaky_relu(const Variable& x, double negative_slope);

 protected:
  // expected_dims: the input ranks this layer accepts (e.g. {2, 3} for BatchNorm1d).
  BatchNorm(const char* type_name, int64_t num_features, BatchNormOptions options, std::vector<int64_t> expected_dims);
  Variable forward_impl(const Variable& x) override;

 private:
  Variable normalise(const Variable& x, const double* negative_slope);  // the activation when given

  int64_t num_features_;
  BatchNormOptions options_;
  std::vector<int64_t> expected_dims_;
  BatchNormAllreduce allreduce_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {})
      : BatchNorm("BatchNorm1d", num_features, options, {2, 3}) {}
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {})
      : BatchNorm("BatchNorm2d", num_features, options, {4}) {}
};

}  // namespace ag::nn
