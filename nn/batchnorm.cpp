// batchnorm.cpp: BatchNorm layers: parameters, buffers and the train/eval switch.
#include "nn/batchnorm.hpp"

#include <algorithm>

namespace ag::nn {

BatchNorm::BatchNorm(const char* type_name, int64_t num_features, BatchNormOptions options, std::vector<int64_t> expected_dims)
    : Module(type_name), num_features_(num_features), options_(options), expected_dims_(std::move(expected_dims)) {
  if (num_features < 1) fail<ValueError>(type_name, ": num_features must be >= 1, got ", num_features);
  if (options.affine) {
    weight = register_parameter("weight", ones({num_features}));
    bias = register_parameter("bias", zeros({num_features}));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::Int64));
  }
}

Variable BatchNorm::forward_impl(const Variable& x) { return normalise(x, nullptr); }

Variable BatchNorm::forward_leaky_relu(const Variable& x, double negative_slope) {
  Variable y = normalise(x, &negative_slope);
  set_last_output_shape(y.shape());
  return y;
}

Variable BatchNorm::normalise(const Variable& x, const double* negative_slope) {
  if (std::find(expected_dims_.begin(), expected_dims_.end(), x.dim()) == expected_dims_.end()) {
    std::string dims;
    for (int64_t d : expected_dims_) dims += (dims.empty() ? "" : " or ") + std::to_string(d) + "-d";
    fail<ShapeError>(type_name(), ": expected a ", dims, " input, got ", shape_str(x.shape()));
  }
  if (x.size(1) != num_features_)
    fail<ShapeError>(type_name(), ": input ", shape_str(x.shape()), " has ", x.size(1), " channels, the layer expects ",
                     num_features_);
  const bool track = options_.track_running_stats;
  if (is_training() && track) num_batches_tracked.fill_(num_batches_tracked.item<int64_t>() + 1);
  // Without running statistics, evaluation also uses the batch's (PyTorch's rule).
  const bool use_batch_stats = is_training() || !track;
  const Tensor rm = track ? running_mean : Tensor(), rv = track ? running_var : Tensor();
  const BatchNormAllreduce sync = is_training() ? allreduce_ : nullptr;
  if (negative_slope)
    return batch_norm_leaky_relu(x, rm, rv, weight, bias, use_batch_stats, options_.momentum, options_.eps,
                                 *negative_slope, sync);
  return batch_norm(x, rm, rv, weight, bias, use_batch_stats, options_.momentum, options_.eps, sync);
}

std::string BatchNorm::extra_repr() const {
  std::string s = std::to_string(num_features_);
  if (options_.eps != 1e-5) s += ", eps=" + std::to_string(options_.eps);
  if (options_.momentum != 0.1) s += ", momentum=" + std::to_string(options_.momentum);
  if (!options_.affine) s += ", affine=false";
  if (!options_.track_running_stats) s += ", track_running_stats=false";
  if (allreduce_) s += ", synchronised";
  return s;
}

}  // namespace ag::nn
