// batch_norm.cpp: batch normalisation (Ioffe & Szegedy 2015), fused forward and backward.
//
// Shapes: x (B, C) or (B, C, *) viewed as (B, C, S), S = product of the trailing sizes; gamma, beta,
// running_mean, running_var (C). Each channel c is normalised over its N = B S values.
//
// Forward:
//   training:  mu_c = mean(x[:, c, :]),  var_c = mean((x - mu_c)^2)      (biased)
//              running_mean = (1 - m) running_mean + m mu_c
//              running_var  = (1 - m) running_var  + m var_c N / (N - 1)  (unbiased, as PyTorch)
//   eval:      mu_c = running_mean[c],  var_c = running_var[c]
//   r_c = 1 / sqrt(var_c + eps),  xhat = (x - mu_c) r_c,  y = gamma_c xhat + beta_c
//
// Backward, with g = dL/dy and sums over a channel's N values:
//   dL/dbeta_c  = sum g
//   dL/dgamma_c = sum g xhat
//   eval (mu, var are constants):  dL/dx = g gamma_c r_c
//   training (mu and var depend on every x of the channel): differentiating xhat = (x - mu) r with
//     dmu/dx_i = 1/N and dvar/dx_i = 2 (x_i - mu) / N gives
//     dL/dx_i = gamma_c r_c / N (N g_i - sum g - xhat_i sum g xhat)
//
// Synchronised (an allreduce given, training only): the sums above run over the global batch of
// every process, N = the global count. Forward allreduces (sum x, count) per channel, then
// sum (x - mu)^2 (the same two passes, so no cancellation); backward allreduces (sum g, sum g xhat)
// and uses them in dx. dL/dgamma and dL/dbeta keep the local sums: the data-parallel gradient
// average (nn/distributed.hpp) then gives the global batch's gradient, as in PyTorch's
// SyncBatchNorm under DDP.
//
// Fused (rather than composed from mean/var/sub/mul) for speed and memory: the composite would
// store five intermediate tensors the size of x; this stores x and two numbers per channel.
#include <omp.h>

#include <cmath>
#include <vector>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "tensor/parallel.hpp"

namespace ag {
namespace {

struct BnGeom {
  int64_t B, C, S;
};

// Reads a per-channel float tensor (running stat, any float dtype) as doubles.
std::vector<double> to_doubles(const Tensor& t) {
  const Tensor d = t.contiguous().to(DType::Float64);
  const double* p = d.data_ptr<double>();
  return std::vector<double>(p, p + d.numel());
}

void check_channel_tensor(const Tensor& t, int64_t C, const char* what, const Shape& input_shape) {
  if (!t.defined()) return;
  if (!is_floating(t.dtype())) fail<TypeError>("batch_norm: ", what, " must be float32 or float64, got ", dtype_name(t.dtype()));
  if (t.dim() != 1 || t.size(0) != C)
    fail<ShapeError>("batch_norm: ", what, " ", shape_str(t.shape()), " should be (", C, ",) for input ",
                     shape_str(input_shape), " with ", C, " channels");
}

// Per channel: the sum of x over the batch.
template <class T>
void channel_sums(const T* x, const BnGeom& g, std::vector<double>& sum) {
  // Why parallel over channels: each channel's pass is independent; C >= 16 in the models.
#pragma omp parallel for schedule(static) if (g.B * g.C * g.S >= kParallelGrain)
  for (int64_t c = 0; c < g.C; ++c) {
    double s = 0;
    for (int64_t b = 0; b < g.B; ++b) {
      const T* p = x + (b * g.C + c) * g.S;
      for (int64_t i = 0; i < g.S; ++i) s += p[i];
    }
    sum[size_t(c)] = s;
  }
}

// Per channel: the sum of (x - mean)^2, a second pass with no cancellation, unlike E[x^2] - mu^2.
template <class T>
void channel_squares(const T* x, const BnGeom& g, const std::vector<double>& mean, std::vector<double>& ss) {
#pragma omp parallel for schedule(static) if (g.B * g.C * g.S >= kParallelGrain)
  for (int64_t c = 0; c < g.C; ++c) {
    const double mu = mean[size_t(c)];
    double s = 0;
    for (int64_t b = 0; b < g.B; ++b) {
      const T* p = x + (b * g.C + c) * g.S;
      for (int64_t i = 0; i < g.S; ++i) {
        const double d = double(p[i]) - mu;
        s += d * d;
      }
    }
    ss[size_t(c)] = s;
  }
}

// Per channel: the batch mean and biased variance, over every process when `allreduce` is given.
// Returns N, the number of values per channel (global when synchronised).
template <class T>
double channel_stats(const T* x, const BnGeom& g, std::vector<double>& mean, std::vector<double>& var,
                     const BatchNormAllreduce& allreduce) {
  std::vector<double> sums(size_t(g.C) + 1);  // per-channel sums, then the count
  channel_sums<T>(x, g, sums);
  sums[size_t(g.C)] = double(g.B * g.S);
  if (allreduce) allreduce(sums.data(), g.C + 1);
  const double n = sums[size_t(g.C)];
  for (size_t c = 0; c < size_t(g.C); ++c) mean[c] = sums[c] / n;
  channel_squares<T>(x, g, mean, var);
  if (allreduce) allreduce(var.data(), g.C);
  for (double& v : var) v /= n;
  return n;
}

// y = scale_c x + shift_c, with scale = gamma r and shift = beta - mu gamma r.
template <class T>
void normalize(const T* x, T* y, const BnGeom& g, const std::vector<double>& scale, const std::vector<double>& shift) {
  // Why parallel over (b, c) planes: B C independent contiguous runs of S elements.
#pragma omp parallel for schedule(static) if (g.B * g.C * g.S >= kParallelGrain)
  for (int64_t bc = 0; bc < g.B * g.C; ++bc) {
    const int64_t c = bc % g.C;
    const T a = T(scale[size_t(c)]), k = T(shift[size_t(c)]);
    const T* p = x + bc * g.S;
    T* q = y + bc * g.S;
    for (int64_t i = 0; i < g.S; ++i) q[i] = a * p[i] + k;
  }
}

}  // namespace

Variable batch_norm(const Variable& input, const Tensor& running_mean, const Tensor& running_var, const Variable& weight,
                    const Variable& bias, bool training, double momentum, double eps, const BatchNormAllreduce& allreduce) {
  check_defined(input.data(), "batch_norm");
  const Shape& shape = input.shape();
  if (input.dim() < 2) fail<ShapeError>("batch_norm: expected an input (B, C) or (B, C, *), got ", shape_str(shape));
  if (!is_floating(input.dtype())) fail<TypeError>("batch_norm: input must be float32 or float64, got ", dtype_name(input.dtype()));
  BnGeom g{shape[0], shape[1], 1};
  for (size_t d = 2; d < shape.size(); ++d) g.S *= shape[d];
  check_channel_tensor(running_mean, g.C, "running_mean", shape);
  check_channel_tensor(running_var, g.C, "running_var", shape);
  if (weight.defined()) check_channel_tensor(weight.data(), g.C, "weight", shape);
  if (bias.defined()) check_channel_tensor(bias.data(), g.C, "bias", shape);
  if (running_mean.defined() != running_var.defined())
    fail<ValueError>("batch_norm: pass both running_mean and running_var, or neither");
  if (!training && !running_mean.defined())
    fail<ValueError>("batch_norm: evaluation mode needs running_mean and running_var (input ", shape_str(shape), ")");
  if (allreduce && !training) fail<ValueError>("batch_norm: synchronised statistics (allreduce) apply in training mode only");
  if (training && !allreduce && g.B * g.S <= 1)
    fail<ValueError>("batch_norm: expected more than 1 value per channel when training, got input ", shape_str(shape));
  if (eps <= 0 || momentum < 0 || momentum > 1)
    fail<ValueError>("batch_norm: eps (", eps, ") must be > 0 and momentum (", momentum, ") in [0, 1]");

  const Tensor x = input.data().contiguous();
  std::vector<double> mean(size_t(g.C)), var(size_t(g.C));
  double n = double(g.B * g.S);
  if (training) {
    dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
      using T = decltype(tag);
      n = channel_stats<T>(x.data_ptr<T>(), g, mean, var, allreduce);
    });
    if (n <= 1)
      fail<ValueError>("batch_norm: expected more than 1 value per channel when training, got ", n,
                       " over every process (input here ", shape_str(shape), ")");
    if (running_mean.defined()) {
      // In place, through the caller's handles (the module's buffers share this storage).
      std::vector<double> rm = to_doubles(running_mean), rv = to_doubles(running_var);
      for (size_t c = 0; c < size_t(g.C); ++c) {
        rm[c] = (1 - momentum) * rm[c] + momentum * mean[c];
        rv[c] = (1 - momentum) * rv[c] + momentum * var[c] * n / (n - 1);
      }
      Tensor rm_h = running_mean, rv_h = running_var;
      rm_h.copy_(from_vector(rm));
      rv_h.copy_(from_vector(rv));
    }
  } else {
    mean = to_doubles(running_mean);
    var = to_doubles(running_var);
  }
  const std::vector<double> gamma = weight.defined() ? to_doubles(weight.data()) : std::vector<double>(size_t(g.C), 1.0);
  const std::vector<double> beta = bias.defined() ? to_doubles(bias.data()) : std::vector<double>(size_t(g.C), 0.0);
  std::vector<double> rstd(size_t(g.C)), scale(size_t(g.C)), shift(size_t(g.C));
  for (size_t c = 0; c < size_t(g.C); ++c) {
    rstd[c] = 1.0 / std::sqrt(var[c] + eps);
    scale[c] = gamma[c] * rstd[c];
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  Tensor y = Tensor::uninitialized(shape, x.dtype());  // normalize writes every element
  dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    normalize<T>(x.data_ptr<T>(), y.data_ptr<T>(), g, scale, shift);
  });

  std::vector<Variable> inputs = {input};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  const bool need_x = input.requires_grad();
  const bool need_w = weight.defined() && weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  const bool has_w = weight.defined(), has_b = bias.defined();
  const DType param_dtype = weight.defined() ? weight.dtype() : (bias.defined() ? bias.dtype() : x.dtype());
  return record("batch_norm", y, inputs,
                [x, g, n, mean, rstd, gamma, training, need_x, need_w, need_b, has_w, has_b, param_dtype, allreduce](const Tensor& grad) {
    const Tensor gy = grad.contiguous();
    Tensor dx = need_x ? Tensor::uninitialized(x.shape(), x.dtype()) : Tensor();  // every element written below
    std::vector<double> sum_g(size_t(g.C)), sum_gx(size_t(g.C));
    dispatch_floating(x.dtype(), "batch_norm backward", [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data_ptr<T>();
      const T* pg = gy.data_ptr<T>();
      // Why parallel over channels: the two sums, and then the dx formula, of a channel touch only it.
#pragma omp parallel for schedule(static) if (g.B * g.C * g.S >= kParallelGrain)
      for (int64_t c = 0; c < g.C; ++c) {
        const double mu = mean[size_t(c)], r = rstd[size_t(c)];
        double sg = 0, sgx = 0;
        for (int64_t b = 0; b < g.B; ++b) {
          const T* xp = px + (b * g.C + c) * g.S;
          const T* gp = pg + (b * g.C + c) * g.S;
          for (int64_t i = 0; i < g.S; ++i) {
            sg += gp[i];
            sgx += double(gp[i]) * (double(xp[i]) - mu) * r;
          }
        }
        sum_g[size_t(c)] = sg;
        sum_gx[size_t(c)] = sgx;
      }
      // Synchronised: dx needs the global batch's sums; gamma's and beta's gradients keep the local ones.
      std::vector<double> global;
      if (allreduce) {
        global = sum_g;
        global.insert(global.end(), sum_gx.begin(), sum_gx.end());
        allreduce(global.data(), 2 * g.C);
      }
      if (!need_x) return;
      T* pdx = dx.data_ptr<T>();
#pragma omp parallel for schedule(static) if (g.B * g.C * g.S >= kParallelGrain)
      for (int64_t c = 0; c < g.C; ++c) {
        const double mu = mean[size_t(c)], r = rstd[size_t(c)];
        const double sg = allreduce ? global[size_t(c)] : sum_g[size_t(c)];
        const double sgx = allreduce ? global[size_t(g.C + c)] : sum_gx[size_t(c)];
        const double k = gamma[size_t(c)] * r;
        // training: dx = k (g - sum g / N - xhat sum(g xhat) / N); eval: dx = k g
        const double a = training ? sg / n : 0.0, bcoef = training ? sgx / n : 0.0;
        for (int64_t b = 0; b < g.B; ++b) {
          const T* xp = px + (b * g.C + c) * g.S;
          const T* gp = pg + (b * g.C + c) * g.S;
          T* dp = pdx + (b * g.C + c) * g.S;
          for (int64_t i = 0; i < g.S; ++i) {
            const double xhat = (double(xp[i]) - mu) * r;
            dp[i] = T(k * (double(gp[i]) - a - xhat * bcoef));
          }
        }
      }
    });
    TensorList grads = {dx};
    if (has_w) grads.push_back(need_w ? from_vector(sum_gx).to(param_dtype) : Tensor());
    if (has_b) grads.push_back(need_b ? from_vector(sum_g).to(param_dtype) : Tensor());
    return grads;
  });
}

}  // namespace ag
