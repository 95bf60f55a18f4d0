// ops.hpp: the differentiable versions of the tensor ops, with PyTorch's names and argument order.
//
// Each op lives in autograd/ops/<name>.cpp with its forward and its backward side by side, and a
// header comment giving the math, the shapes and each input's gradient formula. Ops that are
// compositions of others (sub, softmax, var, ...) need no backward of their own.
//
// Layers (nn/) add the fused ops they need (conv2d, batch_norm, pooling, losses, activations) in
// autograd/nn_ops.hpp, implemented in autograd/ops/ the same way.
#pragma once

#include <vector>

#include "autograd/node.hpp"
#include "autograd/variable.hpp"
#include "tensor/tensor.hpp"

namespace ag {

using Dims = std::vector<int64_t>;

// --- element-wise, broadcasting (autograd/ops/arithmetic.cpp, unary.cpp, minmax.cpp) -----------
Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable pow(const Variable& a, const Variable& b);  // d/db = a^b log a (defined for a > 0)
Variable pow(const Variable& a, double exponent);
Variable add(const Variable& a, double b);
Variable sub(const Variable& a, double b);
Variable mul(const Variable& a, double b);
Variable div(const Variable& a, double b);
Variable neg(const Variable& a);
Variable exp(const Variable& a);
Variable log(const Variable& a);
Variable sqrt(const Variable& a);
Variable rsqrt(const Variable& a);
Variable abs(const Variable& a);   // gradient sign(a), 0 at 0 (as torch)
Variable sign(const Variable& a);  // gradient 0
Variable sin(const Variable& a);
Variable cos(const Variable& a);
Variable tanh(const Variable& a);
Variable sigmoid(const Variable& a);
// Gradient passes where lo <= a <= hi (boundaries included, as torch).
Variable clamp(const Variable& a, double lo, double hi);
// Gradient to the larger (smaller) operand; a tie splits it in half (as torch).
Variable maximum(const Variable& a, const Variable& b);
Variable minimum(const Variable& a, const Variable& b);
// cond is data (no gradient); gradient flows to a where cond is true and to b elsewhere.
Variable where(const Tensor& cond, const Variable& a, const Variable& b);

// --- reductions (autograd/ops/reduce.cpp) -----------------------------------------------------
Variable sum(const Variable& a, const Dims& dims = {}, bool keepdim = false);
Variable mean(const Variable& a, const Dims& dims = {}, bool keepdim = false);
Variable var(const Variable& a, const Dims& dims = {}, bool unbiased = true, bool keepdim = false);
Variable logsumexp(const Variable& a, const Dims& dims, bool keepdim = false);
// Max / min along dim; the gradient goes to the (first) arg-extreme element.
struct VariableIndices {
  Variable values;
  Tensor indices;
};
VariableIndices max(const Variable& a, int64_t dim, bool keepdim = false);
VariableIndices min(const Variable& a, int64_t dim, bool keepdim = false);
// Max / min over several dims (torch.amax); ties share the gradient evenly (as torch).
Variable amax(const Variable& a, const Dims& dims = {}, bool keepdim = false);
Variable amin(const Variable& a, const Dims& dims = {}, bool keepdim = false);

// --- linear algebra (autograd/ops/matmul.cpp) --------------------------------------------------
Variable matmul(const Variable& a, const Variable& b);

// --- shape and views (autograd/ops/view.cpp); results share storage with the input -----------
Variable reshape(const Variable& a, const Shape& shape);
Variable view(const Variable& a, const Shape& shape);
Variable transpose(const Variable& a, int64_t d0, int64_t d1);
Variable permute(const Variable& a, const std::vector<int64_t>& dims);
Variable narrow(const Variable& a, int64_t dim, int64_t start, int64_t length);
Variable slice(const Variable& a, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Variable select(const Variable& a, int64_t dim, int64_t index);
Variable expand(const Variable& a, const Shape& shape);
Variable squeeze(const Variable& a);
Variable squeeze(const Variable& a, int64_t dim);
Variable unsqueeze(const Variable& a, int64_t dim);
Variable flatten(const Variable& a, int64_t start_dim = 0, int64_t end_dim = -1);
Variable contiguous(const Variable& a);

// --- joining and indexing (autograd/ops/join.cpp, gather.cpp) ----------------------------------
Variable concat(const std::vector<Variable>& xs, int64_t dim = 0);
Variable stack(const std::vector<Variable>& xs, int64_t dim = 0);
Variable gather(const Variable& a, int64_t dim, const Tensor& index);
Variable index_select(const Variable& a, int64_t dim, const Tensor& index);

// --- operators ----------------------------------------------------------------------------------
inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
inline Variable operator-(const Variable& a) { return neg(a); }
inline Variable operator+(const Variable& a, double b) { return add(a, b); }
inline Variable operator-(const Variable& a, double b) { return sub(a, b); }
inline Variable operator*(const Variable& a, double b) { return mul(a, b); }
inline Variable operator/(const Variable& a, double b) { return div(a, b); }
inline Variable operator*(double a, const Variable& b) { return mul(b, a); }
inline Variable operator+(double a, const Variable& b) { return add(b, a); }
inline Variable operator-(double a, const Variable& b) { return add(neg(b), a); }

}  // namespace ag
