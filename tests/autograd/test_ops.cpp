// test_ops.cpp: every differentiable op of autograd/ops.hpp, from one table (op_cases.hpp):
//   1. forward and backward against PyTorch (fixtures from tools/make_autograd_fixtures.py), and
//   2. a float64 gradcheck of the analytic backward against central differences.
#include <gtest/gtest.h>

#include <filesystem>

#include "op_cases.hpp"

namespace ag::test {
namespace {

const char* kDir = "tests/fixtures/autograd/";

std::vector<Tensor> load_inputs(const std::string& name) {
  std::vector<Tensor> in;
  for (int i = 0;; ++i) {
    std::string p = kDir + name + ".in" + std::to_string(i) + ".npy";
    if (!std::filesystem::exists(p)) break;
    in.push_back(load_npy(p));
  }
  return in;
}

class OpTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpTest, MatchesPyTorchForwardAndBackward) {
  const OpCase& c = GetParam();
  std::vector<Tensor> in = load_inputs(c.name);
  ASSERT_FALSE(in.empty()) << "no fixture for " << c.name << " (run tools/make_autograd_fixtures.py)";
  std::vector<Variable> vars;
  for (size_t i = 0; i < in.size(); ++i) {
    bool no_grad = std::find(c.no_grad_inputs.begin(), c.no_grad_inputs.end(), i) != c.no_grad_inputs.end();
    vars.emplace_back(in[i], !no_grad);
  }
  Variable out = c.fn(vars);
  Tensor expected = load_npy(kDir + c.name + ".out.npy");
  ASSERT_EQ(out.shape(), expected.shape()) << c.name;
  EXPECT_TRUE(allclose(out.data(), expected, 1e-12, 1e-12)) << c.name << "\nours " << out.data() << "\ntorch " << expected;

  Tensor w = load_npy(kDir + c.name + ".w.npy");
  sum(mul(out, Variable(w))).backward();
  for (size_t i = 0; i < in.size(); ++i) {
    std::string p = kDir + c.name + ".grad" + std::to_string(i) + ".npy";
    if (!std::filesystem::exists(p)) {
      EXPECT_FALSE(vars[i].grad().defined()) << c.name << ": input " << i << " should get no gradient";
      continue;
    }
    ASSERT_TRUE(vars[i].grad().defined()) << c.name << ": no gradient for input " << i;
    Tensor g = load_npy(p);
    EXPECT_TRUE(allclose(vars[i].grad(), g, 1e-10, 1e-12)) << c.name << " input " << i << "\nours " << vars[i].grad() << "\ntorch " << g;
  }
}

TEST_P(OpTest, GradcheckFloat64) {
  const OpCase& c = GetParam();
  GradcheckOptions opt;
  opt.no_grad_inputs = c.no_grad_inputs;
  opt.name = c.name;
  GradcheckResult r = gradcheck(c.fn, load_inputs(c.name), opt);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_LT(r.max_abs_error, 1e-6) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Ops, OpTest, ::testing::ValuesIn(op_cases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; });

}  // namespace
}  // namespace ag::test
