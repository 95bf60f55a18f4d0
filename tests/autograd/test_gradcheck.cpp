// test_gradcheck.cpp: gradcheck itself must catch wrong backwards and say where.
#include <gtest/gtest.h>

#include "autograd/autograd.hpp"

namespace ag {
namespace {

// x^2 with a backward that forgets the factor 2.
Variable square_missing_factor(const Variable& x) {
  return record("bad_square", mul(x.data(), x.data()), {x}, [xd = x.data()](const Tensor& g) { return TensorList{mul(g, xd)}; });
}

// a @ b with a backward that forgets to transpose b.
Variable matmul_untransposed(const Variable& a, const Variable& b) {
  return record("bad_matmul", matmul(a.data(), b.data()), {a, b}, [ad = a.data(), bd = b.data()](const Tensor& g) {
    return TensorList{matmul(g, bd.reshape({bd.size(1), bd.size(0)})), matmul(ad.t(), g)};
  });
}

TEST(Gradcheck, PassesACorrectBackward) {
  auto r = gradcheck([](const std::vector<Variable>& x) { return pow(x[0], 2.0); }, {randn({3, 2}, DType::Float64)});
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_LT(r.max_abs_error, 1e-8);
}

TEST(Gradcheck, CatchesAMissingFactorOf2AndNamesTheElement) {
  auto r = gradcheck([](const std::vector<Variable>& x) { return square_missing_factor(x[0]); },
                     {tensor({1.0, -2.0, 3.0}, {}, DType::Float64)});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("bad_square"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("input 0 (3,)"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("element (2,)"), std::string::npos) << r.message;  // the worst: 3 vs 6
}

TEST(Gradcheck, CatchesATransposedKernel) {
  auto r = gradcheck([](const std::vector<Variable>& x) { return matmul_untransposed(x[0], x[1]); },
                     {randn({2, 3}, DType::Float64), randn({3, 4}, DType::Float64)});
  EXPECT_FALSE(r.ok) << "a reshape instead of a transpose must fail";
}

TEST(Gradcheck, RandomProjectionsAlsoCatchErrors) {
  GradcheckOptions opt;
  opt.max_output_rows = 3;
  auto good = gradcheck([](const std::vector<Variable>& x) { return tanh(x[0]); }, {randn({5, 6}, DType::Float64)}, opt);
  EXPECT_TRUE(good.ok) << good.message;
  auto bad = gradcheck([](const std::vector<Variable>& x) { return square_missing_factor(x[0]); }, {randn({5, 6}, DType::Float64)}, opt);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.message.find("projection"), std::string::npos) << bad.message;
}

TEST(Gradcheck, RefusesFloat32WithAnExplanation) {
  try {
    gradcheck([](const std::vector<Variable>& x) { return x[0] * 2.0; }, {randn({3})});
    FAIL();
  } catch (const TypeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("float32"), std::string::npos) << m;
    EXPECT_NE(m.find("Float64"), std::string::npos) << m;
  }
}

TEST(Gradcheck, LeavesItsInputsUntouched) {
  Tensor x = randn({4}, DType::Float64);
  Tensor before = x.clone();
  gradcheck([](const std::vector<Variable>& v) { return exp(v[0]); }, {x});
  EXPECT_TRUE(allclose(x, before, 0, 0));
}

}  // namespace
}  // namespace ag
