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
//
// batch_norm_leaky_relu: y = leaky_relu(z, s), z = the batch norm above (relu when s = 0), the
// ARB's and ConvBlock's BN -> activation in one op. Composed, batch_norm stores x and leaky_relu
// stores z, a second tensor the size of x, and each makes its own pass over memory; fused, z is
// recomputed from x in backward (z = scale_c x + shift_c, the same float expression as the forward,
// so the same sign) and the activation's gradient folded into g before the sums above:
//   g_z = g if z > 0 else s g,   then dL/dx, dL/dgamma, dL/dbeta as above with g_z for g.
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
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

void check_channel_tensor(const char* op, const Tensor& t, int64_t C, const char* what, const Shape& input_shape) {
  if (!t.defined()) return;
  if (!is_floating(t.dtype())) fail<TypeError>(op, ": ", what, " must be float32 or float64, got ", dtype_name(t.dtype()));
  if (t.dim() != 1 || t.size(0) != C)
    fail<ShapeError>(op, ": ", what, " ", shape_str(t.shape()), " should be (", C, ",) for input ",
                     shape_str(input_shape), " with ", C, " channels");
}

// sum_i f(i) over [0, n) in four interleaved double accumulators, added at the end: a fixed order
// (deterministic), and four independent chains, so the loop runs at the rate of its loads (and
// vectorises) rather than at one floating-point add latency per element as a single sum did
// (the statistics' passes were ~17 % of an ERANN-3-1 training step).
template <class F>
inline double sum4(int64_t n, F f) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += f(i);
    a1 += f(i + 1);
    a2 += f(i + 2);
    a3 += f(i + 3);
  }
  for (; i < n; ++i) a0 += f(i);
  return (a0 + a1) + (a2 + a3);
}

// Two sums of one pass, f(i) = {u_i, v_i}, each in four interleaved accumulators as in sum4: the
// backward's sum g and sum g xhat read g and x once.
template <class F>
inline std::pair<double, double> sum4_pair(int64_t n, F f) {
  double u[4] = {0, 0, 0, 0}, v[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) {
      const auto [a, b] = f(i + k);
      u[k] += a;
      v[k] += b;
    }
  for (; i < n; ++i) {
    const auto [a, b] = f(i);
    u[0] += a;
    v[0] += b;
  }
  return {(u[0] + u[1]) + (u[2] + u[3]), (v[0] + v[1]) + (v[2] + v[3])};
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
      s += sum4(g.S, [p](int64_t i) { return double(p[i]); });
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
      s += sum4(g.S, [p, mu](int64_t i) {
        const double d = double(p[i]) - mu;
        return d * d;
      });
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

// a if c else b, by masking bits rather than by a branch: where the sign of an activation decides c
// it is as good as random, and GCC emitted a branch for c ? a : b here, mispredicted half the time
// (the fused backward ran 4x slower than batch_norm's). Exact: the bits of a or of b.
template <class T>
inline T select(bool c, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  U ua, ub;
  std::memcpy(&ua, &a, sizeof a);
  std::memcpy(&ub, &b, sizeof b);
  const U mask = U(0) - U(c);
  const U r = (ua & mask) | (ub & ~mask);
  T out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}

// The activation folded into the op: none, or leaky_relu with this slope (0: relu).
struct BnAct {
  bool on = false;
  double slope = 0;
};

// y = scale_c x + shift_c, with scale = gamma r and shift = beta - mu gamma r, then the activation.
template <class T>
void normalize(const T* x, T* y, const BnGeom& g, const std::vector<double>& scale, const std::vector<double>& shift,
               BnAct act) {
  const T s = T(act.slope);
  // Why parallel over (b, c) planes: B C independent contiguous runs of S elements.
#pragma omp parallel for schedule(static) if (g.B * g.C * g.S >= kParallelGrain)
  for (int64_t bc = 0; bc < g.B * g.C; ++bc) {
    const int64_t c = bc % g.C;
    const T a = T(scale[size_t(c)]), k = T(shift[size_t(c)]);
    const T* p = x + bc * g.S;
    T* q = y + bc * g.S;
    if (act.on && act.slope == 0) {  // relu: exactly relu's z > 0 ? z : 0 (no -0 from 0 z)
      for (int64_t i = 0; i < g.S; ++i) {
        const T z = a * p[i] + k;
        q[i] = z > 0 ? z : T(0);
      }
    } else if (act.on) {
      for (int64_t i = 0; i < g.S; ++i) {
        const T z = a * p[i] + k;
        q[i] = z > 0 ? z : s * z;
      }
    } else {
      for (int64_t i = 0; i < g.S; ++i) q[i] = a * p[i] + k;
    }
  }
}

}  // namespace

namespace {

Variable batch_norm_impl(const char* op, const Variable& input, const Tensor& running_mean, const Tensor& running_var,
                         const Variable& weight, const Variable& bias, bool training, double momentum, double eps,
                         const BatchNormAllreduce& allreduce, BnAct act) {
  check_defined(input.data(), op);
  const Shape& shape = input.shape();
  if (input.dim() < 2) fail<ShapeError>(op, ": expected an input (B, C) or (B, C, *), got ", shape_str(shape));
  if (!is_floating(input.dtype())) fail<TypeError>(op, ": input must be float32 or float64, got ", dtype_name(input.dtype()));
  BnGeom g{shape[0], shape[1], 1};
  for (size_t d = 2; d < shape.size(); ++d) g.S *= shape[d];
  check_channel_tensor(op, running_mean, g.C, "running_mean", shape);
  check_channel_tensor(op, running_var, g.C, "running_var", shape);
  if (weight.defined()) check_channel_tensor(op, weight.data(), g.C, "weight", shape);
  if (bias.defined()) check_channel_tensor(op, bias.data(), g.C, "bias", shape);
  if (running_mean.defined() != running_var.defined())
    fail<ValueError>(op, ": pass both running_mean and running_var, or neither");
  if (!training && !running_mean.defined())
    fail<ValueError>(op, ": evaluation mode needs running_mean and running_var (input ", shape_str(shape), ")");
  if (allreduce && !training) fail<ValueError>(op, ": synchronised statistics (allreduce) apply in training mode only");
  if (training && !allreduce && g.B * g.S <= 1)
    fail<ValueError>(op, ": expected more than 1 value per channel when training, got input ", shape_str(shape));
  if (eps <= 0 || momentum < 0 || momentum > 1)
    fail<ValueError>(op, ": eps (", eps, ") must be > 0 and momentum (", momentum, ") in [0, 1]");
  if (act.on && !(act.slope >= 0 && act.slope < 1))
    fail<ValueError>(op, ": negative_slope (", act.slope, ") must be in [0, 1)");

  const Tensor x = input.data().contiguous();
  std::vector<double> mean(size_t(g.C)), var(size_t(g.C));
  double n = double(g.B * g.S);
  if (training) {
    dispatch_floating(x.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      n = channel_stats<T>(x.data_ptr<T>(), g, mean, var, allreduce);
    });
    if (n <= 1)
      fail<ValueError>(op, ": expected more than 1 value per channel when training, got ", n,
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
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    normalize<T>(x.data_ptr<T>(), y.data_ptr<T>(), g, scale, shift, act);
  });

  std::vector<Variable> inputs = {input};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  const bool need_x = input.requires_grad();
  const bool need_w = weight.defined() && weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  const bool has_w = weight.defined(), has_b = bias.defined();
  const DType param_dtype = weight.defined() ? weight.dtype() : (bias.defined() ? bias.dtype() : x.dtype());
  return record(op, y, inputs,
                [x, g, n, mean, rstd, gamma, scale, shift, act, training, need_x, need_w, need_b, has_w, has_b, param_dtype,
                 allreduce](const Tensor& grad) {
    const Tensor gy = grad.contiguous();
    Tensor dx = need_x ? Tensor::uninitialized(x.shape(), x.dtype()) : Tensor();  // every element written below
    std::vector<double> sum_g(size_t(g.C)), sum_gx(size_t(g.C));
    dispatch_floating(x.dtype(), "batch_norm backward", [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data_ptr<T>();
      const T* pg = gy.data_ptr<T>();
      // g_z = g m, m = 1 if z > 0 else the slope, z recomputed exactly as the forward computed it;
      // without an activation the "slope" is 1, so g_z = g exactly.
      const T low = act.on ? T(act.slope) : T(1);
      // Why parallel over channels: the two sums, and then the dx formula, of a channel touch only it.
#pragma omp parallel for schedule(static) if (g.B * g.C * g.S >= kParallelGrain)
      for (int64_t c = 0; c < g.C; ++c) {
        const double mu = mean[size_t(c)], r = rstd[size_t(c)];
        const T za = T(scale[size_t(c)]), zk = T(shift[size_t(c)]);
        double sg = 0, sgx = 0;
        for (int64_t b = 0; b < g.B; ++b) {
          const T* xp = px + (b * g.C + c) * g.S;
          const T* gp = pg + (b * g.C + c) * g.S;
          const auto [s1, s2] = sum4_pair(g.S, [&](int64_t i) {
            const double gz = double(gp[i] * select(za * xp[i] + zk > 0, T(1), low));
            return std::pair<double, double>{gz, gz * (double(xp[i]) - mu) * r};
          });
          sg += s1;
          sgx += s2;
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
        const T za = T(scale[size_t(c)]), zk = T(shift[size_t(c)]);
        for (int64_t b = 0; b < g.B; ++b) {
          const T* xp = px + (b * g.C + c) * g.S;
          const T* gp = pg + (b * g.C + c) * g.S;
          T* dp = pdx + (b * g.C + c) * g.S;
          for (int64_t i = 0; i < g.S; ++i) {
            const double xhat = (double(xp[i]) - mu) * r;
            const T z = za * xp[i] + zk;
            const T gz = gp[i] * select(z > 0, T(1), low);
            dp[i] = T(k * (double(gz) - a - xhat * bcoef));
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

}  // namespace

Variable batch_norm(const Variable& input, const Tensor& running_mean, const Tensor& running_var, const Variable& weight,
                    const Variable& bias, bool training, double momentum, double eps, const BatchNormAllreduce& allreduce) {
  return batch_norm_impl("batch_norm", input, running_mean, running_var, weight, bias, training, momentum, eps, allreduce,
                         BnAct{});
}

Variable batch_norm_leaky_relu(const Variable& input, const Tensor& running_mean, const Tensor& running_var,
                               const Variable& weight, const Variable& bias, bool training, double momentum, double eps,
                               double negative_slope, const BatchNormAllreduce& allreduce) {
  return batch_norm_impl("batch_norm_leaky_relu", input, running_mean, running_var, weight, bias, training, momentum, eps,
                         allreduce, BnAct{true, negative_slope});
}

}  // namespace ag
