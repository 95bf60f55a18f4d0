// erann.hpp: ERANN-s_m-W (Verbitskiy, Berikov & Vyshegorodtsev, "ERANNs: Efficient residual audio
// neural networks for audio pattern recognition", Pattern Recognition Letters 2022), exactly as the
// paper's architecture table gives it (docs/11_erann.md walks through it). Input (B, 1, T, F = 128) log-mel, `erann` preset.
//
//   bn0                 BatchNorm over the 128 mel bins (mel bins act as channels)
//   stage 0             ARB(1, 1, 8W) x 4
//   stage i = 1..3      ARB(2, s_i, 2^(i+3) W), then ARB(1, 1, .) x 3     s_i = 4 if i <= s_m else 2
//   stage 4             ARB(2, 2, 128W), then ARB(1, 1, 128W) x 3
//   pool                global average + global max over (T, F), summed          -> (B, 128W)
//   fc1 + LeakyReLU     128W -> 128W
//   fc2                 128W -> N (logits; softmax in the loss for classification)
//
// ARB(x, y, c): pre-activation residual block, x = frequency stride, y = time stride:
//   BN(c_in) -> LReLU(0.01) -> conv K1(y) x K1(x), stride (y, x), padding 1
//   -> BN(c) -> LReLU(0.01) -> conv K2(y) x K2(x), stride 1, padding (P(y), P(x))
//   + shortcut: identity if c_in == c and x = y = 1, else 1x1 conv with stride (y, x) on the raw input.
// K1(1) = K1(2) = 3, K1(4) = 6; K2(1) = K2(2) = 3, K2(4) = 5; P(1) = P(2) = 1, P(4) = 2.
// (B, C, T, F) layout: PyTorch kernel (time, freq). Convolutions have no bias. No dropout.
#pragma once

#include "apps/models/model.hpp"

namespace ag::models {

class ResidualBlock : public nn::Module {  // ARB
 public:
  ResidualBlock(int64_t c_in, int64_t c_out, int64_t freq_stride, int64_t time_stride);

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, shortcut_;  // shortcut_ null for identity
};

class Erann : public AudioModel {
 public:
  Erann(int64_t s_m, int64_t width, const ModelOptions& options);
  audio::FrontendConfig frontend() const override { return audio::FrontendConfig::erann(); }
  int64_t num_classes() const override { return num_classes_; }
  int64_t embedding_size() const override { return 16 * c0_; }
  Variable embed(const Variable& x) override;
  void replace_head(int64_t n, uint64_t seed) override;
  std::vector<std::string> stage_names() const override;
  std::string head_prefix() const override { return "fc2."; }
  int64_t time_multiple() const override;
  std::string extra_repr() const override;

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  int64_t s_m_, width_, num_classes_;
  int64_t c0_;  // stage 0 channels: 8W unless ModelOptions::base_channels says otherwise
  std::shared_ptr<nn::BatchNorm2d> bn0_;
  std::vector<std::shared_ptr<nn::Sequential>> stages_;
  std::shared_ptr<nn::Linear> fc1_, fc2_;
};

}  // namespace ag::models
