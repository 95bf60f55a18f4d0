// erann.cpp: ERANN's residual block and the network (see erann.hpp for the definition).
#include "apps/models/erann.hpp"

namespace ag::models {

namespace {
// Per-axis kernel and padding sizes for a stride z (K1, K2, P in erann.hpp, from the ERANN paper;
// docs/11_erann.md).
int64_t k1(int64_t z) { return z == 4 ? 6 : 3; }
int64_t k2(int64_t z) { return z == 4 ? 5 : 3; }
int64_t p2(int64_t z) { return z == 4 ? 2 : 1; }
}  // namespace

ResidualBlock::ResidualBlock(int64_t c_in, int64_t c_out, int64_t x, int64_t y) : nn::Module("ResidualBlock") {
  if ((x != 1 && x != 2 && x != 4) || (y != 1 && y != 2 && y != 4))
    fail<ValueError>("ResidualBlock: strides must be 1, 2 or 4, got frequency ", x, " and time ", y);
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(c_in));
  // (B, C, T, F): the first kernel axis is time (stride y), the second frequency (stride x).
  nn::Conv2dOptions o1;
  o1.stride = Size2(y, x);
  o1.padding = 1;
  o1.bias = false;
  conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(c_in, c_out, Size2(k1(y), k1(x)), o1));
  bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm2d>(c_out));
  nn::Conv2dOptions o2;
  o2.padding = Size2(p2(y), p2(x));
  o2.bias = false;
  conv2_ = register_module("conv2", std::make_shared<nn::Conv2d>(c_out, c_out, Size2(k2(y), k2(x)), o2));
  if (c_in != c_out || x != 1 || y != 1) {
    nn::Conv2dOptions os;
    os.stride = Size2(y, x);
    os.bias = false;
    shortcut_ = register_module("shortcut", std::make_shared<nn::Conv2d>(c_in, c_out, Size2(1, 1), os));
  }
}

Variable ResidualBlock::forward_impl(const Variable& x) {
  // x: (B, C_in, T, F) -> (B, C_out, T / y, F / x)
  Variable h = conv1_->forward(bn1_->forward_leaky_relu(x, 0.01));  // leaky_relu(bn1(x)) as one op
  h = conv2_->forward(bn2_->forward_leaky_relu(h, 0.01));
  Variable skip = shortcut_ ? shortcut_->forward(x) : x;  // on the raw input, before bn1
  if (h.shape() != skip.shape())
    fail<ShapeError>("ERANN block: main path gives ", shape_str(h.shape()), " but the shortcut gives ", shape_str(skip.shape()),
                     " for input ", shape_str(x.shape()), "; the number of frames must be a multiple of 4^s_m");
  return h + skip;
}

Erann::Erann(int64_t s_m, int64_t width, const ModelOptions& options)
    : AudioModel("ERANN"), s_m_(s_m), width_(width), num_classes_(options.num_classes),
      c0_(options.base_channels > 0 ? options.base_channels : 8 * width) {
  if (s_m < 0 || s_m > 3) fail<ValueError>("erann: s_m must be 0..3, got ", s_m);
  if (width < 1 || width > 6) fail<ValueError>("erann: the widening factor W must be 1..6, got ", width);
  if (options.num_classes < 1) fail<ValueError>("erann: num_classes must be positive, got ", options.num_classes);
  const int64_t mels = frontend().n_mels;
  bn0_ = register_module("bn0", std::make_shared<nn::BatchNorm2d>(mels));
  int64_t c_in = 1;
  for (int64_t stage = 0; stage <= 4; ++stage) {
    int64_t c = c0_ << stage;  // 8W, 16W, 32W, 64W, 128W
    int64_t x = stage == 0 ? 1 : 2;
    int64_t y = stage == 0 ? 1 : (stage == 4 ? 2 : (stage <= s_m ? 4 : 2));
    auto seq = std::make_shared<nn::Sequential>();
    seq->push_back(std::make_shared<ResidualBlock>(c_in, c, x, y));
    for (int i = 0; i < 3; ++i) seq->push_back(std::make_shared<ResidualBlock>(c, c, 1, 1));
    stages_.push_back(register_module("stage" + std::to_string(stage), seq));
    c_in = c;
  }
  fc1_ = register_module("fc1", std::make_shared<nn::Linear>(16 * c0_, 16 * c0_));  // 128W -> 128W
  fc2_ = register_module("fc2", std::make_shared<nn::Linear>(16 * c0_, num_classes_));
  Generator gen(options.seed);
  init_panns(*this, gen);
}

int64_t Erann::time_multiple() const {
  int64_t m = 1;
  for (int64_t i = 0; i < s_m_; ++i) m *= 4;
  return m;
}

std::string Erann::extra_repr() const {
  return "s_m=" + std::to_string(s_m_) + ", W=" + std::to_string(width_) + ", classes=" + std::to_string(num_classes_) +
         (c0_ != 8 * width_ ? ", base_channels=" + std::to_string(c0_) : "");
}

Variable Erann::embed(const Variable& x) {
  // x: (B, 1, T, F)
  if (x.dim() != 4 || x.size(1) != 1 || x.size(3) != bn0_->num_features())
    fail<ShapeError>("erann: expected a log-mel batch (B, 1, T, ", bn0_->num_features(), "), got ", shape_str(x.shape()));
  if (x.size(2) % time_multiple() != 0)
    fail<ShapeError>("erann: ", x.size(2), " frames is not a multiple of 4^s_m = ", time_multiple(),
                     " (ERANN-", s_m_, "-", width_, "'s stride-4 stages); pad or crop the log-mel to ",
                     (x.size(2) + time_multiple() - 1) / time_multiple() * time_multiple(), " frames");
  // Batch norm over mel bins: make F the channel axis, normalise, move it back.
  Variable h = transpose(bn0_->forward(transpose(x, 1, 3)), 1, 3);  // (B, 1, T, F)
  for (auto& s : stages_) h = s->forward(h);                          // (B, 128W, T4, F/16)
  Variable pooled = add(nn::global_avg_pool(h), nn::global_max_pool(h));  // (B, 128W)
  return leaky_relu(fc1_->forward(pooled), 0.01);
}

Variable Erann::forward_impl(const Variable& x) { return fc2_->forward(embed(x)); }

void Erann::replace_head(int64_t n, uint64_t seed) {
  if (n < 1) fail<ValueError>("erann: replace_head needs n >= 1, got ", n);
  Generator gen(seed);
  auto head = std::make_shared<nn::Linear>(16 * c0_, n);
  init_panns(*head, gen);
  fc2_ = replace_module("fc2", head);
  num_classes_ = n;
}

std::vector<std::string> Erann::stage_names() const { return {"bn0.", "stage0.", "stage1.", "stage2.", "stage3.", "stage4.", "fc1."}; }

}  // namespace ag::models
