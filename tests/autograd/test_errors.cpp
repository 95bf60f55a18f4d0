// test_errors.cpp: bad input to every op family throws the right type with a message that names
// the op and shows the shapes.
#include <gtest/gtest.h>

#include "autograd/autograd.hpp"

namespace ag {
namespace {

template <class E, class F>
void expect_error(F f, std::vector<std::string> parts) {
  try {
    f();
    FAIL() << "no exception; expected one mentioning " << parts[0];
  } catch (const E& e) {
    std::string m = e.what();
    for (const auto& p : parts) EXPECT_NE(m.find(p), std::string::npos) << "message: " << m << "\nmissing: " << p;
  } catch (const std::exception& e) {
    FAIL() << "wrong exception type: " << e.what();
  }
}

Variable v(const Shape& s) { return Variable(randn(s, DType::Float64), true); }

TEST(OpErrors, BroadcastingMismatch) {
  expect_error<ShapeError>([] { add(v({3, 4}), v({5})); }, {"add", "(3, 4)", "(5,)"});
  expect_error<ShapeError>([] { mul(v({2, 3}), v({3, 2})); }, {"mul", "(2, 3)", "(3, 2)"});
  expect_error<ShapeError>([] { sub(v({2}), v({3})); }, {"sub"});
  expect_error<ShapeError>([] { div(v({2}), v({3})); }, {"div"});
  expect_error<ShapeError>([] { pow(v({2}), v({3})); }, {"pow"});
  expect_error<ShapeError>([] { maximum(v({2}), v({3})); }, {"maximum"});
  expect_error<ShapeError>([] { minimum(v({2}), v({3})); }, {"minimum"});
  expect_error<ShapeError>([] { where(ones({4}), v({2}), v({2})); }, {"where"});
}

TEST(OpErrors, Matmul) {
  expect_error<ShapeError>([] { matmul(v({8, 3}), v({4, 5})); }, {"matmul", "(8, 3)", "(4, 5)", "3 and 4"});
  expect_error<ShapeError>([] { matmul(v({}), v({4})); }, {"matmul", "at least 1 dimension"});
  expect_error<ShapeError>([] { matmul(v({2, 3, 4}), v({3, 4, 5})); }, {"matmul", "broadcast"});
}

TEST(OpErrors, ReductionsAndDims) {
  expect_error<IndexError>([] { sum(v({2, 3}), {2}); }, {"sum", "dimension 2", "2-d"});
  expect_error<ValueError>([] { sum(v({2, 3}), {1, -1}); }, {"sum", "twice"});
  expect_error<IndexError>([] { mean(v({2}), {5}); }, {"mean"});
  expect_error<IndexError>([] { max(v({2, 3}), 3); }, {"max"});
  expect_error<ValueError>([] { max(v({0, 3}), 0); }, {"max", "size 0"});
  expect_error<IndexError>([] { logsumexp(v({2}), {1}); }, {"logsumexp"});
}

TEST(OpErrors, Views) {
  expect_error<ShapeError>([] { reshape(v({2, 3}), {4, 2}); }, {"reshape", "(4, 2)", "(2, 3)"});
  expect_error<ShapeError>([] { view(transpose(v({2, 3}), 0, 1), {6}); }, {"view", "reshape"});
  expect_error<IndexError>([] { narrow(v({4, 5}), 1, 3, 3); }, {"narrow", "size 5"});
  expect_error<IndexError>([] { select(v({4, 5}), 0, 4); }, {"select", "index 4"});
  expect_error<ShapeError>([] { expand(v({3, 2}), {3, 4}); }, {"expand", "(3, 2)", "(3, 4)"});
  expect_error<ShapeError>([] { permute(v({3, 2}), {0}); }, {"permute"});
  expect_error<ValueError>([] { permute(v({3, 2}), {0, 0}); }, {"permute", "twice"});
}

TEST(OpErrors, JoinAndIndex) {
  expect_error<ShapeError>([] { concat({v({2, 3}), v({2, 4})}, 0); }, {"concat", "(2, 4)", "(2, 3)"});
  expect_error<ShapeError>([] { stack({v({2, 3}), v({3, 2})}); }, {"stack", "(3, 2)"});
  expect_error<TypeError>([] { gather(v({2, 3}), 1, zeros({2, 1})); }, {"gather", "int64"});
  expect_error<IndexError>([] { gather(v({2, 3}), 1, full({2, 1}, 7, DType::Int64)); }, {"gather", "index 7"});
  expect_error<IndexError>([] { index_select(v({2, 3}), 0, tensor({5}, {}, DType::Int64)); }, {"index_select", "5"});
}

TEST(OpErrors, UndefinedAndDtypes) {
  expect_error<ValueError>([] { add(Variable(), v({2})); }, {"undefined"});
  expect_error<ValueError>([] { Variable v{Tensor()}; (void)v; }, {"Variable", "undefined"});
  expect_error<ValueError>([] { clamp(v({2}), 1.0, -1.0); }, {"clamp", "lower bound"});
}

}  // namespace
}  // namespace ag
