// cnn14.cpp: CNN14 and Wavegram-Logmel-CNN14 (see cnn14.hpp; PANNs' models.py is the reference).
#include "apps/models/cnn14.hpp"

namespace ag::models {

namespace {
nn::Conv2dOptions conv3x3() {
  nn::Conv2dOptions o;
  o.padding = 1;
  o.bias = false;
  return o;
}
}  // namespace

ConvBlock::ConvBlock(int64_t c_in, int64_t c_out) : nn::Module("ConvBlock") {
  conv1_ = register_module("conv1", std::make_shared<nn::Conv2d>(c_in, c_out, Size2(3, 3), conv3x3()));
  conv2_ = register_module("conv2", std::make_shared<nn::Conv2d>(c_out, c_out, Size2(3, 3), conv3x3()));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(c_out));
  bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm2d>(c_out));
}

Variable ConvBlock::forward_pooled(const Variable& x, Size2 pool) {
  Variable h = bn1_->forward_leaky_relu(conv1_->forward(x), 0.0);  // relu(bn1(conv1(x))), one op
  h = bn2_->forward_leaky_relu(conv2_->forward(h), 0.0);
  if (pool.h == 1 && pool.w == 1) return h;
  return avg_pool2d(h, pool, pool);
}

Cnn14Base::Cnn14Base(const char* type_name, int64_t branches, const ModelOptions& options)
    : AudioModel(type_name),
      num_classes_(options.num_classes),
      c0_(options.base_channels > 0 ? options.base_channels : 64),
      dropout_gen_(options.seed ^ 0xd40u) {
  if (options.num_classes < 1) fail<ValueError>(type_name, ": num_classes must be positive, got ", options.num_classes);
  bn0_ = register_module("bn0", std::make_shared<nn::BatchNorm2d>(frontend().n_mels));
  // Published: in 1, 64 (128 with the wavegram), 128, 256, 512, 1024; out 64, 128, ..., 2048.
  for (int i = 0; i < 6; ++i) {
    const int64_t c_in = i == 0 ? 1 : (i == 1 ? branches * c0_ : c0_ << (i - 1));
    blocks_.push_back(register_module("conv_block" + std::to_string(i + 1), std::make_shared<ConvBlock>(c_in, c0_ << i)));
  }
  fc1_ = register_module("fc1", std::make_shared<nn::Linear>(32 * c0_, 32 * c0_));  // 2048 -> 2048
  head_ = register_module("fc_audioset", std::make_shared<nn::Linear>(32 * c0_, num_classes_));
}

Variable Cnn14Base::normalise_mels(const Variable& x) {
  // x: (B, 1, T, 64): BatchNorm2d over the mel axis, as PANNs' transpose(1, 3) -> bn0 -> back.
  return transpose(bn0_->forward(transpose(x, 1, 3)), 1, 3);
}

Variable Cnn14Base::trunk(const Variable& x) {
  Variable h = front(x);  // (B, C, T/2, 32), dropout applied
  for (int i = 1; i < 6; ++i) h = drop(blocks_[i]->forward_pooled(h, i < 5 ? Size2(2, 2) : Size2(1, 1)), 0.2);
  return mean(h, {3});  // (B, 2048, T')  mean over frequency
}

Variable Cnn14Base::hidden(const Variable& x) {
  Variable h = trunk(x);
  h = add(max(h, 2).values, mean(h, {2}));              // (B, 2048)      max + mean over time
  return relu(fc1_->forward(drop(h, 0.5)));             // (B, 2048)
}

Variable Cnn14Base::embed(const Variable& x) { return drop(hidden(x), 0.5); }

Variable Cnn14Base::forward_impl(const Variable& x) {
  Variable h = hidden(x);
  // fc_audioset reads h itself (PANNs' quirk); a transfer head reads the dropped-out embedding.
  return head_->forward(transfer_ ? drop(h, 0.5) : h);
}

void Cnn14Base::replace_head(int64_t n, uint64_t seed) {
  if (n < 1) fail<ValueError>(type_name(), ": replace_head needs n >= 1, got ", n);
  Generator gen(seed);
  auto head = std::make_shared<nn::Linear>(32 * c0_, n);
  init_panns(*head, gen);
  if (!transfer_) {
    // PANNs' Transfer_Cnn14: the AudioSet layer goes, fc_transfer reads the embedding.
    replace_module("fc_audioset", std::make_shared<nn::Identity>());
    head_ = register_module("fc_transfer", head);
    transfer_ = true;
  } else {
    head_ = replace_module("fc_transfer", head);
  }
  num_classes_ = n;
}

// --- CNN14 --------------------------------------------------------------------------------------

Cnn14::Cnn14(const char* type_name, const ModelOptions& options) : Cnn14Base(type_name, 1, options) {
  Generator gen(options.seed);
  init_panns(*this, gen);
}

Variable Cnn14::front(const Variable& x) {
  if (x.dim() != 4 || x.size(1) != 1 || x.size(3) != 64)
    fail<ShapeError>("cnn14: expected a log-mel batch (B, 1, T, 64) from the panns front end, got ", shape_str(x.shape()));
  return drop(blocks_[0]->forward_pooled(normalise_mels(x), Size2(2, 2)), 0.2);
}

std::vector<std::string> Cnn14::stage_names() const {
  return {"bn0.", "conv_block1.", "conv_block2.", "conv_block3.", "conv_block4.", "conv_block5.", "conv_block6.", "fc1."};
}

// --- Cnn14_DecisionLevelMax (cnn14-sed) -----------------------------------------------------------

Variable Cnn14Sed::segment_hidden(const Variable& x) {
  Variable h = trunk(x);                                                  // (B, C, T')
  h = add(max_pool1d(h, 3, 1, 1), avg_pool1d(h, 3, 1, 1));                // smoothing over neighbouring segments
  h = transpose(drop(h, 0.5), 1, 2);                                      // (B, T', C)
  return drop(relu(fc1_->forward(h)), 0.5);                               // (B, T', C)
}

Variable Cnn14Sed::segment_logits(const Variable& x) { return head_->forward(segment_hidden(x)); }

Variable Cnn14Sed::forward_impl(const Variable& x) { return max(segment_logits(x), 1).values; }

Variable Cnn14Sed::embed(const Variable& x) { return max(segment_hidden(x), 1).values; }

Variable Cnn14Sed::frame_logits(const Variable& x) {
  Variable seg = segment_logits(x);  // (B, T', N)
  const int64_t frames = x.size(2), segments = seg.size(1), ratio = 32;  // five 2x2 pools in time
  // PANNs' interpolate (nearest, x32) then pad_framewise_output (the last frame repeated).
  std::vector<int64_t> idx(static_cast<size_t>(frames));
  for (int64_t t = 0; t < frames; ++t) idx[t] = std::min(t / ratio, segments - 1);
  return index_select(seg, 1, from_vector(idx, {frames}));
}

// --- Wavegram-Logmel-CNN14 ----------------------------------------------------------------------

WavegramBlock::WavegramBlock(int64_t c_in, int64_t c_out) : nn::Module("ConvPreWavBlock") {
  nn::Conv1dOptions o1;
  o1.padding = 1;
  o1.bias = false;
  conv1_ = register_module("conv1", std::make_shared<nn::Conv1d>(c_in, c_out, 3, o1));
  nn::Conv1dOptions o2;
  o2.padding = 2;
  o2.dilation = 2;
  o2.bias = false;
  conv2_ = register_module("conv2", std::make_shared<nn::Conv1d>(c_out, c_out, 3, o2));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm1d>(c_out));
  bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm1d>(c_out));
}

Variable WavegramBlock::forward_impl(const Variable& x) {
  Variable h = bn1_->forward_leaky_relu(conv1_->forward(x), 0.0);  // relu(bn1(conv1(x))), one op
  h = bn2_->forward_leaky_relu(conv2_->forward(h), 0.0);
  return max_pool1d(h, 4, 4);
}

WavegramLogmelCnn14::WavegramLogmelCnn14(const ModelOptions& options)
    : Cnn14Base("Wavegram_Logmel_Cnn14", 2, options), logmel_(audio::FrontendConfig::panns()) {
  nn::Conv1dOptions o;
  o.stride = 5;
  o.padding = 5;
  o.bias = false;
  pre_conv0_ = register_module("pre_conv0", std::make_shared<nn::Conv1d>(1, 64, 11, o));
  pre_bn0_ = register_module("pre_bn0", std::make_shared<nn::BatchNorm1d>(64));
  pre_blocks_.push_back(register_module("pre_block1", std::make_shared<WavegramBlock>(64, 64)));
  pre_blocks_.push_back(register_module("pre_block2", std::make_shared<WavegramBlock>(64, 128)));
  pre_blocks_.push_back(register_module("pre_block3", std::make_shared<WavegramBlock>(128, 128)));
  // The wavegram's own channels (64, 128, 128) stay: 128 = 4 x 32 is reshaped to the mel layout.
  pre_block4_ = register_module("pre_block4", std::make_shared<ConvBlock>(4, c0_));
  Generator gen(options.seed);
  init_panns(*this, gen);
}

Variable WavegramLogmelCnn14::front(const Variable& wave) {
  if (wave.dim() != 2) fail<ShapeError>("wavegram-logmel-cnn14: expected waveforms (B, L) at 32 kHz, got ", shape_str(wave.shape()));
  // Wavegram branch: (B, L) -> (B, 64, L/5) -> three blocks, each /4 -> (B, 128, T')
  Variable a = relu(pre_bn0_->forward(pre_conv0_->forward(unsqueeze(wave, 1))));
  for (auto& b : pre_blocks_) a = b->forward(a);
  int64_t t = a.size(2);
  a = transpose(reshape(a, {a.size(0), 4, 32, t}), 2, 3);  // (B, 4, T', 32)
  a = pre_block4_->forward_pooled(a, Size2(2, 1));          // (B, 64, T'/2, 32)
  // Log-mel branch: a front-end computation, no gradient.
  Tensor mel = logmel_(wave.data()).unsqueeze(1);  // (B, 1, T, 64)
  Variable x = blocks_[0]->forward_pooled(normalise_mels(Variable(mel)), Size2(2, 2));  // (B, 64, T/2, 32)
  if (x.size(2) != a.size(2)) {  // PANNs crops both branches to the shorter one
    int64_t n = std::min(x.size(2), a.size(2));
    x = narrow(x, 2, 0, n);
    a = narrow(a, 2, 0, n);
  }
  return drop(concat({x, a}, 1), 0.2);  // (B, 128, T/2, 32)
}

std::vector<std::string> WavegramLogmelCnn14::stage_names() const {
  return {"pre_conv0.", "pre_bn0.", "pre_block1.", "pre_block2.", "pre_block3.", "pre_block4.", "bn0.", "conv_block1.",
          "conv_block2.", "conv_block3.", "conv_block4.", "conv_block5.", "conv_block6.", "fc1."};
}

}  // namespace ag::models
