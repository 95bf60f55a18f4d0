// gradcheck.cpp: the analytic Jacobian (one backward per output row) against central differences.
#include "autograd/gradcheck.hpp"
#include "tensor/random.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "autograd/node.hpp"

namespace ag {

namespace {
std::string unravel(int64_t flat, const Shape& shape) {
  Shape idx(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_str(idx);
}
}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  if (inputs.empty()) fail<ValueError>("gradcheck: no inputs");
  std::vector<Tensor> x;  // private contiguous copies we can perturb
  std::vector<bool> wants(inputs.size(), true);
  for (size_t i = 0; i < inputs.size(); ++i) {
    check_defined(inputs[i], "gradcheck");
    bool excluded = std::find(options.no_grad_inputs.begin(), options.no_grad_inputs.end(), i) != options.no_grad_inputs.end();
    wants[i] = !excluded;
    if (!excluded && inputs[i].dtype() != DType::Float64)
      fail<TypeError>("gradcheck: input ", i, " is ", dtype_name(inputs[i].dtype()),
                      "; gradcheck needs float64 inputs: a central difference in float32 has an error of about "
                      "1e-7 / eps + eps^2, so no tolerance separates a right backward from a wrong one. Use .to(DType::Float64), "
                      "or list the input in no_grad_inputs if it takes no gradient.");
    x.push_back(inputs[i].clone());
  }
  auto make_vars = [&](bool track) {
    std::vector<Variable> v;
    for (size_t i = 0; i < x.size(); ++i) v.emplace_back(x[i], track && wants[i]);
    return v;
  };

  // The output, and its one-hot (or random) projection rows.
  std::vector<Variable> vars = make_vars(true);
  Variable y = fn(vars);
  if (!y.defined()) fail<ValueError>("gradcheck: the function returned an undefined Variable");
  if (y.dtype() != DType::Float64)
    fail<TypeError>("gradcheck: the function returned ", dtype_name(y.dtype()), "; it must compute in float64");
  std::string name = options.name;
  if (name.empty()) name = y.grad_fn() ? y.grad_fn()->name() : "fn";
  const int64_t n_out = y.numel();
  const bool full = options.max_output_rows <= 0 || options.max_output_rows >= n_out;
  const int64_t rows = full ? n_out : options.max_output_rows;
  Generator gen(options.seed);
  std::vector<Tensor> projection;
  for (int64_t r = 0; r < rows; ++r) {
    Tensor v = full ? zeros(y.shape(), DType::Float64) : randn(y.shape(), DType::Float64, &gen);
    if (full) v.data_ptr<double>()[r] = 1.0;
    projection.push_back(v);
  }

  // Analytic: J_ana[r] = (v_r^T J) for every input, one backward each.
  std::vector<std::vector<std::vector<double>>> analytic(x.size());  // [input][row][element]
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : vars) v.zero_grad();
    if (y.requires_grad()) y.backward(projection[r], /*retain_graph=*/true);
    for (size_t i = 0; i < x.size(); ++i) {
      if (!wants[i]) continue;
      const Tensor& g = vars[i].grad();
      analytic[i].push_back(g.defined() ? g.to_vector<double>() : std::vector<double>(x[i].numel(), 0.0));
    }
  }

  // Numeric: perturb each element by +-eps, evaluate without recording a graph.
  GradcheckResult result;
  double worst = -1;
  NoGradGuard no_grad;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!wants[i]) continue;
    double* p = x[i].data_ptr<double>();
    for (int64_t j = 0; j < x[i].numel(); ++j) {
      const double orig = p[j];
      p[j] = orig + options.eps;
      std::vector<double> plus = fn(make_vars(false)).data().to_vector<double>();
      p[j] = orig - options.eps;
      std::vector<double> minus = fn(make_vars(false)).data().to_vector<double>();
      p[j] = orig;
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<double> v = projection[r].to_vector<double>();
        double num = 0;
        for (int64_t k = 0; k < n_out; ++k) num += v[k] * (plus[k] - minus[k]) / (2 * options.eps);
        double ana = analytic[i][r][j];
        double err = std::abs(ana - num);
        bool bad = !(err <= options.atol + options.rtol * std::abs(num));  // NaN is bad too
        result.max_abs_error = std::max(result.max_abs_error, std::isnan(err) ? INFINITY : err);
        double excess = std::isnan(err) ? INFINITY : err - (options.atol + options.rtol * std::abs(num));
        if (bad && excess > worst) {
          worst = excess;
          result.ok = false;
          std::ostringstream os;
          os.precision(10);
          os << "gradcheck(" << name << "): input " << i << " " << shape_str(x[i].shape()) << " element "
             << unravel(j, x[i].shape()) << ": analytic " << ana << " vs numeric " << num << " (|diff| " << err << ", allowed "
             << options.atol + options.rtol * std::abs(num) << ") for output "
             << (full ? "element " + unravel(r, y.shape()) : "projection " + std::to_string(r));
          result.message = os.str();
        }
      }
    }
  }
  return result;
}

}  // namespace ag
