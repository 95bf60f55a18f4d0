// dropout.cpp: inverted dropout (Srivastava et al. 2014) of elements or of whole channels.
//
// Shapes: dropout   x (any) -> y (same), one Bernoulli draw per element;
//         dropout2d x (B, C, *) -> y (same), one draw per (b, c) channel map (Tompson et al. 2015).
//
//   m ~ Bernoulli(1 - p) (kept with probability 1 - p),  y = x m / (1 - p)
//   dL/dx = g m / (1 - p)
// Scaling at training time keeps E[y] = x, so evaluation is the identity. Fused rather than a
// mul by a mask tensor so that dropout2d's mask is one number per channel, not per element.
// The draws come from the given Generator in row-major order, so a seed reproduces a run.
#include <memory>
#include <vector>

#include "autograd/nn_ops.hpp"
#include "autograd/node.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"

namespace ag {
namespace {

// y[i] = x[i] scale[i / group]: each mask entry covers `group` consecutive elements.
template <class T>
void apply_mask(const T* x, T* y, const std::vector<double>& scale, int64_t group) {
  const int64_t n = int64_t(scale.size()) * group;
  // Why parallel: independent elements; the mask was drawn serially beforehand for reproducibility.
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * T(scale[size_t(i / group)]);
}

Variable masked(const char* name, const Variable& input, double p, int64_t group, Generator* gen) {
  Generator& rng = gen ? *gen : default_generator();
  const Tensor x = input.data().contiguous();
  const double keep_scale = p >= 1.0 ? 0.0 : 1.0 / (1.0 - p);
  auto scale = std::make_shared<std::vector<double>>(size_t(x.numel() / group));
  for (double& s : *scale) s = rng.uniform() < p ? 0.0 : keep_scale;
  Tensor y(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    apply_mask<T>(x.data_ptr<T>(), y.data_ptr<T>(), *scale, group);
  });
  return record(name, y, {input}, [scale, group, name](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    Tensor dx(g.shape(), g.dtype());
    dispatch_floating(g.dtype(), name, [&](auto tag) {
      using T = decltype(tag);
      apply_mask<T>(g.data_ptr<T>(), dx.data_ptr<T>(), *scale, group);
    });
    return TensorList{dx};
  });
}

void check_p(double p, const char* op) {
  if (!(p >= 0.0 && p <= 1.0)) fail<ValueError>(op, ": probability p must be in [0, 1], got ", p);
}

}  // namespace

Variable dropout(const Variable& input, double p, bool training, Generator* gen) {
  check_defined(input.data(), "dropout");
  check_p(p, "dropout");
  if (!training || p == 0.0) return input;
  return masked("dropout", input, p, 1, gen);
}

Variable dropout2d(const Variable& input, double p, bool training, Generator* gen) {
  check_defined(input.data(), "dropout2d");
  check_p(p, "dropout2d");
  if (input.dim() < 3)
    fail<ShapeError>("dropout2d: expected an input (B, C, H, W) (or any (B, C, *) with * non-empty), got ",
                     shape_str(input.shape()));
  if (!training || p == 0.0) return input;
  int64_t group = 1;
  for (int64_t d = 2; d < input.dim(); ++d) group *= input.size(d);
  if (group == 0) return input;
  return masked("dropout2d", input, p, group, gen);
}

}  // namespace ag
