// op_cases.hpp: the table of differentiable op cases, shared by the PyTorch conformance test and
// the gradcheck test. Each name matches a case in tools/make_autograd_fixtures.py, which wrote the
// inputs, PyTorch's output and PyTorch's gradients to tests/fixtures/autograd/<name>.*.npy.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "autograd/autograd.hpp"

namespace ag::test {

struct OpCase {
  std::string name;
  std::function<Variable(const std::vector<Variable>&)> fn;
  std::vector<size_t> no_grad_inputs = {};
};
// GoogleTest prints a parameter with this (instead of its bytes).
inline void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

inline Variable weighted(const Variable& v, int64_t n) {
  // Multiplies by 0, 1, 2, ... so that a view op that puts elements in the wrong place fails.
  return mul(v, Variable(arange(0, static_cast<double>(n), 1, DType::Float64).reshape(v.shape())));
}

inline std::vector<OpCase> op_cases() {
  using V = const std::vector<Variable>&;
  return {
      {"add_broadcast", [](V x) { return x[0] + x[1]; }},
      {"add_scalar", [](V x) { return x[0] + 2.5; }},
      {"sub_broadcast", [](V x) { return x[0] - x[1]; }},
      {"mul_outer", [](V x) { return x[0] * x[1]; }},
      {"mul_reused", [](V x) { return x[0] * x[0] + x[0]; }},
      {"mul_scalar", [](V x) { return x[0] * -1.5; }},
      {"div_broadcast", [](V x) { return x[0] / x[1]; }},
      {"div_scalar", [](V x) { return x[0] / 4.0; }},
      {"pow_tensor", [](V x) { return pow(x[0], x[1]); }},
      {"pow_cube", [](V x) { return pow(x[0], 3.0); }},
      {"pow_half", [](V x) { return pow(x[0], 0.5); }},
      {"neg", [](V x) { return -x[0]; }},
      {"exp", [](V x) { return exp(x[0]); }},
      {"log", [](V x) { return log(x[0]); }},
      {"sqrt", [](V x) { return sqrt(x[0]); }},
      {"rsqrt", [](V x) { return rsqrt(x[0]); }},
      {"abs", [](V x) { return abs(x[0]); }},
      {"sign", [](V x) { return sign(x[0]); }},
      {"sin", [](V x) { return sin(x[0]); }},
      {"cos", [](V x) { return cos(x[0]); }},
      {"tanh", [](V x) { return tanh(x[0]); }},
      {"sigmoid", [](V x) { return sigmoid(x[0]); }},
      {"clamp", [](V x) { return clamp(x[0], -0.93, 0.81); }},
      {"maximum", [](V x) { return maximum(x[0], x[1]); }},
      {"minimum", [](V x) { return minimum(x[0], x[1]); }},
      {"where", [](V x) { return where(x[0].data(), x[1], x[2]); }, {0}},
      {"sum_all", [](V x) { return sum(x[0]); }},
      {"sum_dims_keepdim", [](V x) { return sum(x[0], {0, 2}, true); }},
      {"mean_dim", [](V x) { return mean(x[0], {1}); }},
      {"var_unbiased", [](V x) { return var(x[0], {1}, true); }},
      {"var_biased_all", [](V x) { return var(x[0], {}, false); }},
      {"logsumexp", [](V x) { return logsumexp(x[0], {1}); }},
      {"max_dim", [](V x) { return max(x[0], 1).values; }},
      {"min_dim_keepdim", [](V x) { return min(x[0], 0, true).values; }},
      {"amax", [](V x) { return amax(x[0], {0, 2}); }},
      {"amin_all", [](V x) { return amin(x[0]); }},
      {"matmul_2d", [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_batched", [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_broadcast", [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_vec_mat", [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_mat_vec", [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_dot", [](V x) { return matmul(x[0], x[1]); }},
      {"matmul_transposed", [](V x) { return matmul(transpose(x[0], 0, 1), transpose(x[1], 0, 1)); }},
      {"reshape", [](V x) { return weighted(reshape(x[0], {3, 4}), 12); }},
      {"transpose", [](V x) { return weighted(transpose(x[0], 0, 2), 24); }},
      {"permute", [](V x) { return weighted(permute(x[0], {2, 0, 1}), 24); }},
      {"narrow", [](V x) { return narrow(x[0], 1, 1, 3); }},
      {"slice_step", [](V x) { return slice(x[0], 0, 1, 7, 2); }},
      {"select", [](V x) { return select(x[0], 0, 2); }},
      {"expand", [](V x) { return weighted(expand(x[0], {2, 3, 4}), 24); }},
      {"squeeze_unsqueeze", [](V x) { return unsqueeze(squeeze(x[0], 1), 0); }},
      {"flatten", [](V x) { return flatten(x[0], 1); }},
      {"noncontiguous_mul", [](V x) { return transpose(x[0], 0, 1) * x[1]; }},
      {"concat", [](V x) { return concat({x[0], x[1]}, 0); }},
      {"stack", [](V x) { return stack({x[0], x[1]}, 1); }},
      {"gather", [](V x) { return gather(x[0], 1, x[1].data()); }, {1}},
      {"index_select_repeat", [](V x) { return index_select(x[0], 0, x[1].data()); }, {1}},
      {"softmax_composite", [](V x) { return exp(x[0] - logsumexp(x[0], {1}, true)); }},
  };
}

}  // namespace ag::test
