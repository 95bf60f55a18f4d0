// resnet_small.hpp: a small ResNet baseline (the seed pipeline's kind of model), on the `erann`
// log-mel (B, 1, T, 128), with the activation chosen by name ("relu", "lrelu", "gelu", "silu", ...).
//
//   bn0 (over mel bins) -> stem: conv3x3 (1 -> 32) -> BN -> act
//   layer1..4: BasicBlock(32 -> 32), (32 -> 64, stride 2), (64 -> 128, stride 2), (128 -> 256, stride 2)
//   global average + max pool -> dropout 0.2 -> fc (256 -> N)
// BasicBlock(c_in, c, s): conv3x3 stride s -> BN -> act -> conv3x3 -> BN, plus a shortcut (identity,
// or conv1x1 stride s -> BN when the shape changes), then act. About 1.2 M parameters.
#pragma once

#include "apps/models/model.hpp"

namespace ag::models {

class BasicBlock : public nn::Module {
 public:
  BasicBlock(int64_t c_in, int64_t c_out, int64_t stride, const std::string& activation);

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, down_conv_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_, down_bn_;
  std::shared_ptr<nn::Module> act_;
};

class ResNetSmall : public AudioModel {
 public:
  explicit ResNetSmall(const ModelOptions& options);
  audio::FrontendConfig frontend() const override { return audio::FrontendConfig::erann(); }
  int64_t num_classes() const override { return num_classes_; }
  int64_t embedding_size() const override { return embedding_size_; }
  Variable embed(const Variable& x) override;
  void replace_head(int64_t n, uint64_t seed) override;
  std::vector<std::string> stage_names() const override { return {"bn0.", "stem.", "layer1.", "layer2.", "layer3.", "layer4."}; }
  std::string head_prefix() const override { return "fc."; }
  void reseed(uint64_t seed) override { dropout_gen_.seed_(seed); }
  std::string extra_repr() const override { return "activation=" + activation_; }

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  int64_t num_classes_;
  int64_t embedding_size_;  // 8 x the stem's channels: 256 at the published width
  std::string activation_;
  std::shared_ptr<nn::BatchNorm2d> bn0_;
  std::shared_ptr<nn::Sequential> stem_;
  std::vector<std::shared_ptr<BasicBlock>> layers_;
  std::shared_ptr<nn::Linear> fc_;
  Generator dropout_gen_;
};

}  // namespace ag::models
