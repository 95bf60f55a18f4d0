// dropout.cpp: Dropout and Dropout2d call the fused ops; DropBlock builds a mask and multiplies.
#include "nn/dropout.hpp"

#include <algorithm>
#include <sstream>

namespace ag::nn {
namespace {
void check_p(double p, const char* who) {
  if (!(p >= 0.0 && p < 1.0)) fail<ValueError>(who, ": p must be in [0, 1), got ", p);
}
std::string p_str(double p) {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}
}  // namespace

Dropout::Dropout(double p, uint64_t seed) : Module("Dropout"), p_(p), gen_(seed) { check_p(p, "Dropout"); }
Variable Dropout::forward_impl(const Variable& x) { return dropout(x, p_, is_training(), &gen_); }
std::string Dropout::extra_repr() const { return p_str(p_); }

Dropout2d::Dropout2d(double p, uint64_t seed) : Module("Dropout2d"), p_(p), gen_(seed) { check_p(p, "Dropout2d"); }
Variable Dropout2d::forward_impl(const Variable& x) { return dropout2d(x, p_, is_training(), &gen_); }
std::string Dropout2d::extra_repr() const { return p_str(p_); }

DropBlock::DropBlock(double p, int64_t block_size, uint64_t seed)
    : Module("DropBlock"), p_(p), block_size_(block_size), gen_(seed) {
  check_p(p, "DropBlock");
  if (block_size < 1) fail<ValueError>("DropBlock: block_size must be >= 1, got ", block_size);
}

Variable DropBlock::forward_impl(const Variable& x) {
  if (x.dim() != 4) fail<ShapeError>("DropBlock: expected an input (B, C, H, W), got ", shape_str(x.shape()));
  if (!is_training() || p_ == 0.0) return x;
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t bs = std::min({block_size_, H, W});  // a block never exceeds the map
  const double gamma = p_ / double(bs * bs) * double(H * W) / double((H - bs + 1) * (W - bs + 1));
  // keep (B, C, H, W): 1, then 0 over every block whose top-left corner was drawn.
  Tensor keep = ones({B, C, H, W}, DType::Float64);
  double* k = keep.data_ptr<double>();
  for (int64_t bc = 0; bc < B * C; ++bc)
    for (int64_t i = 0; i + bs <= H; ++i)
      for (int64_t j = 0; j + bs <= W; ++j)
        if (gen_.uniform() < gamma)
          for (int64_t di = 0; di < bs; ++di) std::fill(k + (bc * H + i + di) * W + j, k + (bc * H + i + di) * W + j + bs, 0.0);
  double kept = 0;
  for (int64_t n = 0; n < keep.numel(); ++n) kept += k[n];
  // Rescale so the expected activation is unchanged: numel / kept (all dropped: zeros).
  keep.mul_(kept > 0 ? double(keep.numel()) / kept : 0.0);
  return mul(x, Variable(keep.to(x.dtype())));
}

std::string DropBlock::extra_repr() const { return p_str(p_) + ", block_size=" + std::to_string(block_size_); }

}  // namespace ag::nn
