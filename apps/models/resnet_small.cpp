// resnet_small.cpp: the small ResNet baseline (see resnet_small.hpp).
#include "apps/models/resnet_small.hpp"

namespace ag::models {

namespace {
std::shared_ptr<nn::Conv2d> conv(int64_t c_in, int64_t c_out, int64_t k, int64_t stride) {
  nn::Conv2dOptions o;
  o.stride = stride;
  o.padding = k / 2;
  o.bias = false;
  return std::make_shared<nn::Conv2d>(c_in, c_out, Size2(k, k), o);
}
}  // namespace

BasicBlock::BasicBlock(int64_t c_in, int64_t c_out, int64_t stride, const std::string& activation) : nn::Module("BasicBlock") {
  conv1_ = register_module("conv1", conv(c_in, c_out, 3, stride));
  bn1_ = register_module("bn1", std::make_shared<nn::BatchNorm2d>(c_out));
  conv2_ = register_module("conv2", conv(c_out, c_out, 3, 1));
  bn2_ = register_module("bn2", std::make_shared<nn::BatchNorm2d>(c_out));
  if (c_in != c_out || stride != 1) {
    down_conv_ = register_module("down_conv", conv(c_in, c_out, 1, stride));
    down_bn_ = register_module("down_bn", std::make_shared<nn::BatchNorm2d>(c_out));
  }
  act_ = register_module("act", nn::make_activation(activation));
}

Variable BasicBlock::forward_impl(const Variable& x) {
  Variable h = act_->forward(bn1_->forward(conv1_->forward(x)));
  h = bn2_->forward(conv2_->forward(h));
  Variable skip = down_conv_ ? down_bn_->forward(down_conv_->forward(x)) : x;
  return act_->forward(h + skip);
}

ResNetSmall::ResNetSmall(const ModelOptions& options)
    : AudioModel("ResNetSmall"), num_classes_(options.num_classes), activation_(options.activation), dropout_gen_(options.seed ^ 0xd40u) {
  if (options.num_classes < 1) fail<ValueError>("resnet-small: num_classes must be positive, got ", options.num_classes);
  bn0_ = register_module("bn0", std::make_shared<nn::BatchNorm2d>(frontend().n_mels));
  stem_ = register_module("stem", std::make_shared<nn::Sequential>());
  const int64_t c = options.base_channels > 0 ? options.base_channels : 32;
  embedding_size_ = 8 * c;
  stem_->push_back("conv", conv(1, c, 3, 1));
  stem_->push_back("bn", std::make_shared<nn::BatchNorm2d>(c));
  stem_->push_back("act", nn::make_activation(activation_));
  const int64_t in[4] = {c, c, 2 * c, 4 * c}, out[4] = {c, 2 * c, 4 * c, 8 * c}, stride[4] = {1, 2, 2, 2};  // 32 .. 256
  for (int i = 0; i < 4; ++i)
    layers_.push_back(register_module("layer" + std::to_string(i + 1), std::make_shared<BasicBlock>(in[i], out[i], stride[i], activation_)));
  fc_ = register_module("fc", std::make_shared<nn::Linear>(embedding_size_, num_classes_));
  Generator gen(options.seed);
  init_panns(*this, gen);
}

Variable ResNetSmall::embed(const Variable& x) {
  if (x.dim() != 4 || x.size(1) != 1 || x.size(3) != bn0_->num_features())
    fail<ShapeError>("resnet-small: expected a log-mel batch (B, 1, T, ", bn0_->num_features(), "), got ", shape_str(x.shape()));
  Variable h = transpose(bn0_->forward(transpose(x, 1, 3)), 1, 3);
  h = stem_->forward(h);
  for (auto& l : layers_) h = l->forward(h);
  return add(nn::global_avg_pool(h), nn::global_max_pool(h));  // (B, 256) at the published width
}

Variable ResNetSmall::forward_impl(const Variable& x) { return fc_->forward(dropout(embed(x), 0.2, is_training(), &dropout_gen_)); }

void ResNetSmall::replace_head(int64_t n, uint64_t seed) {
  if (n < 1) fail<ValueError>("resnet-small: replace_head needs n >= 1, got ", n);
  Generator gen(seed);
  auto head = std::make_shared<nn::Linear>(embedding_size_, n);
  init_panns(*head, gen);
  fc_ = replace_module("fc", head);
  num_classes_ = n;
}

}  // namespace ag::models
