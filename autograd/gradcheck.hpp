// gradcheck.hpp: checks an analytic backward against central finite differences, in float64.
//
// For a function f of inputs x_1..x_k (Variables) returning one Variable y, gradcheck builds the
// Jacobian of y with respect to every element of every input twice:
//   numerically   J_num[i][j] = (y_i(x + eps e_j) - y_i(x - eps e_j)) / (2 eps)
//   analytically  row i of J_ana = backward() of y with a one-hot gradient at i
// and compares them element by element: |J_ana - J_num| <= atol + rtol |J_num|. With float64
// and eps = 1e-6 the difference error is ~eps^2 |f'''| + 1e-16 / eps, i.e. ~1e-10: a missing
// factor 2, a wrong sign or a transposed kernel fails by many orders of magnitude.
//
// Large outputs: set `max_output_rows` to compare random projections v^T J (v ~ N(0,1)) instead
// of all rows, which is one backward per projection instead of one per output element.
//
// Usage (see docs/03_autograd.md and tests/autograd/):
//
//   auto r = gradcheck([](const std::vector<Variable>& x) { return mul(x[0], x[1]); },
//                      {randn({3, 4}, DType::Float64), randn({4}, DType::Float64)});
//   EXPECT_TRUE(r.ok) << r.message;
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.hpp"

namespace ag {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-5;
  // Inputs (by position) that take no gradient (e.g. labels, masks). Others all require grad.
  std::vector<size_t> no_grad_inputs = {};
  // 0 = full Jacobian; otherwise compare this many random projections of the output.
  int64_t max_output_rows = 0;
  uint64_t seed = 1234;
  // Names the function in the report (defaults to the output's grad_fn name).
  std::string name = "";
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;  // over all compared entries
  // When !ok: "gradcheck(mul): input 1 (4,) element (2,): analytic 1.5 vs numeric 3.0 (output
  // element (0, 2))" for the worst entry; empty when ok.
  std::string message;
};

using GradcheckFn = std::function<Variable(const std::vector<Variable>&)>;

// All inputs must be float64 (TypeError otherwise: float32 differences are too coarse). The
// inputs are used as the starting point; they are not modified.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace ag
