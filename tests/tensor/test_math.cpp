// test_math.cpp: element-wise ops, reductions and matmul against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tensor/elementwise.hpp"
#include "tensor/index.hpp"
#include "tensor/linalg.hpp"
#include "tensor/reduce.hpp"
#include "tensor/tensor.hpp"

namespace ag {
namespace {

std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }

TEST(Elementwise, BroadcastingAndPromotion) {
  Tensor a = arange(6).reshape({2, 3});
  Tensor b = tensor({10, 20, 30});
  EXPECT_EQ(vals(a + b), (std::vector<double>{10, 21, 32, 13, 24, 35}));
  Tensor col = tensor({1, 2}, {2, 1});
  EXPECT_EQ((col * b).shape(), (Shape{2, 3}));
  EXPECT_EQ(vals(col * b), (std::vector<double>{10, 20, 30, 20, 40, 60}));
  EXPECT_EQ(add(ones({2}, DType::Int64), ones({2}, DType::Float64)).dtype(), DType::Float64);
  EXPECT_EQ(add(ones({2}, DType::Int64), ones({2})).dtype(), DType::Float32);
  EXPECT_EQ(div(ones({2}, DType::Int64), full({2}, 2, DType::Int64)).dtype(), DType::Float32);  // true division
  EXPECT_EQ(vals(div(ones({2}, DType::Int64), full({2}, 2, DType::Int64))), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(mul(ones({2}, DType::Int64), 0.5).dtype(), DType::Float32);
  EXPECT_EQ(mul(ones({2}, DType::Int64), 2.0).dtype(), DType::Int64);
  EXPECT_EQ(vals(1.0 - tensor({0.25})), std::vector<double>{0.75});
  EXPECT_EQ(vals(2.0 / tensor({0.5})), std::vector<double>{4});
}

TEST(Elementwise, UnaryValues) {
  Tensor x = tensor({-2, 0, 0.5}, {}, DType::Float64);
  EXPECT_EQ(vals(abs(x)), (std::vector<double>{2, 0, 0.5}));
  EXPECT_EQ(vals(sign(x)), (std::vector<double>{-1, 0, 1}));
  EXPECT_EQ(vals(neg(x)), (std::vector<double>{2, -0, -0.5}));
  EXPECT_DOUBLE_EQ(exp(x).at({2}), std::exp(0.5));
  EXPECT_DOUBLE_EQ(sqrt(abs(x)).at({0}), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(rsqrt(tensor({4}, {}, DType::Float64)).item<double>(), 0.5);
  EXPECT_DOUBLE_EQ(sigmoid(tensor({0}, {}, DType::Float64)).item<double>(), 0.5);
  EXPECT_DOUBLE_EQ(sigmoid(tensor({-800}, {}, DType::Float64)).item<double>(), 0.0);  // no overflow
  EXPECT_DOUBLE_EQ(sigmoid(tensor({800}, {}, DType::Float64)).item<double>(), 1.0);
  EXPECT_EQ(vals(clamp(x, -1, 0.25)), (std::vector<double>{-1, 0, 0.25}));
  EXPECT_EQ(vals(pow(x, 2.0)), (std::vector<double>{4, 0, 0.25}));
  EXPECT_EQ(exp(arange(3, DType::Int64)).dtype(), DType::Float32);
  EXPECT_EQ(vals(pow(full({2}, 3, DType::Int64), 2.0)), (std::vector<double>{9, 9}));
  EXPECT_TRUE(std::isnan(log(tensor({-1})).item<double>()));
}

TEST(Elementwise, ComparisonsWhereMaximum) {
  Tensor a = tensor({1, 5, 3}), b = tensor({2, 5, 1});
  EXPECT_EQ(vals(lt(a, b)), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(vals(le(a, b)), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(vals(eq(a, b)), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(vals(ne(a, b)), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(vals(gt(a, 2.0)), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(vals(ge(a, 3.0)), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(vals(where(gt(a, b), a, b)), (std::vector<double>{2, 5, 3}));
  EXPECT_EQ(vals(maximum(a, b)), (std::vector<double>{2, 5, 3}));
  EXPECT_EQ(vals(minimum(a, b)), (std::vector<double>{1, 5, 1}));
  double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(maximum(tensor({nan}), tensor({1})).item<double>()));
  EXPECT_TRUE(has_non_finite(tensor({1, nan})));
  EXPECT_FALSE(has_non_finite(tensor({1, 2})));
}

TEST(Reduce, SumMeanVarOverDimSets) {
  Tensor a = arange(24, DType::Float64).reshape({2, 3, 4});
  EXPECT_DOUBLE_EQ(sum(a).item<double>(), 276);
  EXPECT_EQ(sum(a).dim(), 0);
  Tensor s = sum(a, {0, 2});
  EXPECT_EQ(s.shape(), (Shape{3}));
  EXPECT_EQ(vals(s), (std::vector<double>{60, 92, 124}));
  EXPECT_EQ(sum(a, {0, 2}, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(vals(sum(a, {-1})), (std::vector<double>{6, 22, 38, 54, 70, 86}));
  EXPECT_EQ(vals(mean(a, {1})), (std::vector<double>{4, 5, 6, 7, 16, 17, 18, 19}));
  // var of 0, 4, 8 is 16 (unbiased) or 32/3 (biased).
  EXPECT_DOUBLE_EQ(var(a, {1}).at({0, 0}), 16);
  EXPECT_DOUBLE_EQ(var(a, {1}, false).at({0, 0}), 32.0 / 3);
  EXPECT_EQ(sum(arange(5, DType::Int64)).dtype(), DType::Int64);
  EXPECT_EQ(mean(arange(5, DType::Int64)).dtype(), DType::Float32);
  EXPECT_EQ(sum(zeros({0, 3}), {0}).to_vector<float>(), (std::vector<float>{0, 0, 0}));
}

TEST(Reduce, Float32SumIsAccurate) {
  // 10^7 copies of 0.1f: a naive float accumulator drifts by ~1%; ours accumulates in double.
  Tensor a = full({10000000}, 0.1f);
  EXPECT_NEAR(sum(a).item<double>(), 1e6, 1.0);
}

TEST(Reduce, MaxMinArgmaxLogsumexp) {
  Tensor a = tensor({3, 9, 2, 9, 1, 4}, {2, 3});
  ValuesIndices m = max(a, 1);
  EXPECT_EQ(vals(m.values), (std::vector<double>{9, 9}));
  EXPECT_EQ(m.indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));  // first of ties
  EXPECT_EQ(m.indices.dtype(), DType::Int64);
  ValuesIndices n = min(a, 0, true);
  EXPECT_EQ(n.values.shape(), (Shape{1, 3}));
  EXPECT_EQ(vals(n.values), (std::vector<double>{3, 1, 2}));
  EXPECT_EQ(argmax(a).item<int64_t>(), 1);
  EXPECT_EQ(argmin(a, 1).to_vector<int64_t>(), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(vals(amax(a, {0})), (std::vector<double>{9, 9, 4}));
  EXPECT_EQ(vals(amin(a)), std::vector<double>{1});
  Tensor big = tensor({1000, 1000}, {}, DType::Float64);
  EXPECT_DOUBLE_EQ(logsumexp(big, {0}).item<double>(), 1000 + std::log(2.0));  // no overflow
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(logsumexp(tensor({-inf, -inf}, {}, DType::Float64), {0}).item<double>(), -inf);
}

TEST(Reduce, SumToInvertsBroadcasting) {
  Tensor g = ones({2, 3, 4});
  EXPECT_EQ(vals(sum_to(g, {3, 1})), (std::vector<double>{8, 8, 8}));
  EXPECT_EQ(sum_to(g, {3, 1}).shape(), (Shape{3, 1}));
  EXPECT_EQ(vals(sum_to(g, {})), std::vector<double>{24});
  EXPECT_THROW(sum_to(g, {5}), ShapeError);
}

TEST(Linalg, MatmulShapesAndValues) {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3}), b = tensor({7, 8, 9, 10, 11, 12}, {3, 2});
  EXPECT_EQ(vals(matmul(a, b)), (std::vector<double>{58, 64, 139, 154}));
  EXPECT_EQ(matmul(tensor({1, 2, 3}), b).shape(), (Shape{2}));
  EXPECT_EQ(vals(matmul(tensor({1, 2, 3}), tensor({4, 5, 6}))), std::vector<double>{32});
  EXPECT_EQ(matmul(zeros({5, 2, 3}), zeros({3, 4})).shape(), (Shape{5, 2, 4}));
  EXPECT_EQ(matmul(zeros({2, 1, 2, 3}), zeros({5, 3, 4})).shape(), (Shape{2, 5, 2, 4}));
  EXPECT_EQ(vals(matmul(arange(4, DType::Int64).reshape({2, 2}), eye(2, DType::Int64))), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(matmul(zeros({2, 0}), zeros({0, 3})).to_vector<float>(), std::vector<float>(6, 0));
  EXPECT_THROW(matmul(zeros({2, 3}), zeros({2, 3})), ShapeError);
}

TEST(Index, ConcatStackGatherScatter) {
  Tensor a = arange(6).reshape({2, 3}), b = arange(3).reshape({1, 3});
  Tensor c = concat({a, b}, 0);
  EXPECT_EQ(c.shape(), (Shape{3, 3}));
  EXPECT_EQ(vals(c.select(0, 2)), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(concat({a, a}, -1).shape(), (Shape{2, 6}));
  EXPECT_EQ(stack({a, a}, 1).shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(vals(stack({a, a * 2.0}, 0).select(0, 1)), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  Tensor idx = from_vector(std::vector<int64_t>{2, 0, 1, 1}, {2, 2});
  EXPECT_EQ(vals(gather(a, 1, idx)), (std::vector<double>{2, 0, 4, 4}));
  Tensor sc = scatter_add(zeros({2, 3}), 1, idx, ones({2, 2}));
  EXPECT_EQ(vals(sc), (std::vector<double>{1, 0, 1, 0, 2, 0}));
  EXPECT_EQ(vals(index_select(a, 1, from_vector(std::vector<int64_t>{2, 2}))), (std::vector<double>{2, 2, 5, 5}));
  EXPECT_EQ(vals(one_hot(from_vector(std::vector<int64_t>{1, 0}), 3)), (std::vector<double>{0, 1, 0, 1, 0, 0}));
  EXPECT_THROW(one_hot(from_vector(std::vector<int64_t>{3}), 3), IndexError);
}

}  // namespace
}  // namespace ag
