// test_engine.cpp: the backward graph walk: accumulation, retain_graph, NoGradGuard, deep graphs,
// the checks on roots and on gradient shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/autograd.hpp"

namespace ag {
namespace {

Variable leaf(std::initializer_list<double> v, Shape s = {}) { return Variable(tensor(v, s, DType::Float64), true); }

TEST(Engine, ScalarChainRule) {
  Variable x = leaf({2.0}), y = leaf({3.0});
  Variable z = x * y + x;  // dz/dx = y + 1 = 4, dz/dy = x = 2
  z.backward();
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 4.0);
  EXPECT_DOUBLE_EQ(y.grad().item<double>(), 2.0);
}

TEST(Engine, AccumulatesAcrossBackwardCallsUntilZeroGrad) {
  Variable x = leaf({1.0, 2.0});
  sum(x * 3.0).backward();
  sum(x * 3.0).backward();
  EXPECT_TRUE(allclose(x.grad(), tensor({6, 6}, {}, DType::Float64)));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  sum(x).backward();
  EXPECT_TRUE(allclose(x.grad(), tensor({1, 1}, {}, DType::Float64)));
}

TEST(Engine, DiamondGraphSumsBothPaths) {
  // x feeds a and b, both feed z: the gradient must add, and x's node runs only once.
  Variable x = leaf({1.5});
  Variable a = exp(x), b = x * x;
  Variable z = a * b;  // z = e^x x^2, dz/dx = e^x x^2 + 2 x e^x
  z.backward();
  double e = std::exp(1.5);
  EXPECT_NEAR(x.grad().item<double>(), e * 1.5 * 1.5 + 2 * 1.5 * e, 1e-12);
}

TEST(Engine, SharedGradientIsNotAliasedBetweenLeaves) {
  // add passes the same gradient tensor to both inputs; accumulating into one must not change the other.
  Variable a = leaf({1.0}), b = leaf({1.0});
  sum(a + b).backward();
  sum(a * 5.0).backward();
  EXPECT_DOUBLE_EQ(a.grad().item<double>(), 6.0);
  EXPECT_DOUBLE_EQ(b.grad().item<double>(), 1.0);
}

TEST(Engine, ChainOf100000OpsNeitherOverflowsOnBackwardNorOnDestruction) {
  Variable x(ones({1}, DType::Float64), true);
  Variable y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0;
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 1.0);
  // Build another and drop it without backward: destruction is iterative too.
  {
    Variable z = x;
    for (int i = 0; i < 100000; ++i) z = z + 0.0;
  }
  SUCCEED();
}

TEST(Engine, GraphIsFreedUnlessRetained) {
  Variable x = leaf({2.0});
  Variable y = x * x;
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();  // allowed: retained the first time
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 8.0);
  try {
    y.backward();
    FAIL() << "third backward should throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("second time"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Engine, NonScalarRootNeedsAGradient) {
  Variable x = leaf({1, 2, 3, 4}, {2, 2});
  Variable y = x * 2.0;
  try {
    y.backward();
    FAIL();
  } catch (const ValueError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("(2, 2)"), std::string::npos) << m;
    EXPECT_NE(m.find("sum()"), std::string::npos) << m;  // the hint
  }
  y.backward(ones({2, 2}, DType::Float64));
  EXPECT_TRUE(allclose(x.grad(), full({2, 2}, 2.0, DType::Float64)));
  EXPECT_THROW(y.backward(ones({4}, DType::Float64)), ShapeError);
}

TEST(Engine, WrongGradientShapeFromABackwardIsCaught) {
  Variable x = leaf({1, 2, 3});
  Variable y = record("broken", x.data().clone(), {x}, [](const Tensor& g) { return TensorList{sum(g, {}, true)}; });
  try {
    sum(y).backward();
    FAIL();
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("broken"), std::string::npos) << m;
    EXPECT_NE(m.find("(3,)"), std::string::npos) << m;
  }
}

TEST(Engine, NoGradGuardRecordsNothing) {
  Variable x = leaf({1.0});
  {
    NoGradGuard guard;
    EXPECT_FALSE(grad_enabled());
    Variable y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    EXPECT_THROW(y.backward(), ValueError);
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Engine, DetachCutsTheGraph) {
  Variable x = leaf({3.0});
  Variable y = x * x;
  Variable z = y.detach() * x;  // d/dx = y = 9 (no path through y)
  z.backward();
  EXPECT_DOUBLE_EQ(x.grad().item<double>(), 9.0);
  EXPECT_TRUE(y.detach().is_leaf());
  EXPECT_TRUE(y.detach().data().shares_storage(y.data()));
}

TEST(Engine, InputsWithoutRequiresGradGetNothing) {
  Variable x = leaf({1.0, 2.0});
  Variable c(tensor({3.0, 4.0}, {}, DType::Float64));
  sum(x * c).backward();
  EXPECT_FALSE(c.grad().defined());
  EXPECT_TRUE(allclose(x.grad(), tensor({3, 4}, {}, DType::Float64)));
}

TEST(Engine, RequiresGradOnlyOnFloatingLeaves) {
  EXPECT_THROW(Variable(arange(3, DType::Int64), true), TypeError);
  Variable x = leaf({1.0});
  Variable y = x * 2.0;
  EXPECT_THROW(y.requires_grad_(false), ValueError);
}

TEST(Engine, Float32GradientsStayFloat32) {
  Variable x(ones({3}), true);
  sum(exp(x)).backward();
  EXPECT_EQ(x.grad().dtype(), DType::Float32);
  EXPECT_NEAR(x.grad().at({0}), std::exp(1.0), 1e-6);
}

}  // namespace
}  // namespace ag
