// minmax.cpp: maximum, minimum and where (element-wise selection), with broadcasting.
//
//   out = maximum(a, b)   da = g * ([a > b] + [a == b] / 2)   db = g * ([b > a] + [a == b] / 2)
//   out = minimum(a, b)   the same with < (a tie splits the gradient in half, as torch does)
//   out = where(c, a, b)  da = g * [c != 0]                   db = g * [c == 0]
#include "autograd/ops.hpp"
#include "tensor/elementwise.hpp"
#include "tensor/reduce.hpp"

namespace ag {

namespace {
Variable extremum(const char* name, const Variable& a, const Variable& b, bool is_max) {
  Tensor out = is_max ? maximum(a.data(), b.data()) : minimum(a.data(), b.data());
  return record(name, out, {a, b}, [ad = a.data(), bd = b.data(), is_max](const Tensor& g) {
    Tensor a_wins = is_max ? gt(ad, bd) : lt(ad, bd);
    Tensor b_wins = is_max ? gt(bd, ad) : lt(bd, ad);
    Tensor tie = mul(eq(ad, bd), 0.5);
    return TensorList{sum_to(mul(g, add(a_wins, tie)), ad.shape()), sum_to(mul(g, add(b_wins, tie)), bd.shape())};
  });
}
}  // namespace

Variable maximum(const Variable& a, const Variable& b) { return extremum("maximum", a, b, true); }
Variable minimum(const Variable& a, const Variable& b) { return extremum("minimum", a, b, false); }

Variable where(const Tensor& cond, const Variable& a, const Variable& b) {
  return record("where", where(cond, a.data(), b.data()), {a, b}, [cond, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    Tensor zero = zeros({}, g.dtype());
    return TensorList{sum_to(where(cond, g, zero), sa), sum_to(where(cond, zero, g), sb)};
  });
}

}  // namespace ag
