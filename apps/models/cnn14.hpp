// cnn14.hpp: PANNs CNN14 (Kong et al., "PANNs: Large-scale pretrained audio neural networks for
// audio pattern recognition", IEEE/ACM TASLP 2020) and Wavegram-Logmel-CNN14, as in the paper and
// its released models.py (docs/12_cnn14.md explains both), with the parameter names of the released checkpoints so that a
// converted PANNs state dict loads 1:1 (tools/convert_panns.py).
//
// Cnn14, input (B, 1, T, 64) log-mel (`panns` preset):
//   bn0                         BatchNorm over the 64 mel bins
//   conv_block1..6              ConvBlock(1, 64) ... ConvBlock(1024, 2048); blocks 1-5 end with a 2x2
//                               average pool, each block is followed by dropout 0.2
//   mean over frequency, then max over time + mean over time                      -> (B, 2048)
//   dropout 0.5 -> fc1 (2048 -> 2048, bias) -> ReLU = h
//   fc_audioset(h)              the classifier (N = 527 for AudioSet; any N here)
// The embedding is dropout(h, 0.5); a transfer head (replace_head) reads it, while fc_audioset
// reads h itself — the released code's quirk, which only matters in training.
//
// ConvBlock(c_in, c_out): conv3x3 (pad 1, no bias) -> BN -> ReLU -> conv3x3 -> BN -> ReLU -> pool.
#pragma once

#include "apps/models/model.hpp"

namespace ag::models {

class ConvBlock : public nn::Module {
 public:
  ConvBlock(int64_t c_in, int64_t c_out);
  // x (B, C_in, T, F) -> (B, C_out, T / pool.h, F / pool.w); pool (1, 1) means none.
  Variable forward_pooled(const Variable& x, Size2 pool);

 protected:
  Variable forward_impl(const Variable& x) override { return forward_pooled(x, Size2(2, 2)); }

 private:
  std::shared_ptr<nn::Conv2d> conv1_, conv2_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_;
};

// The trunk shared by both models from conv_block2 on: blocks 2..6, pooling, fc1.
class Cnn14Base : public AudioModel {
 public:
  // branches: how many conv_block1-sized branches conv_block2 reads (1 for CNN14; 2 when the
  // wavegram is concatenated: 64 + 64 channels). Channels are c0 * 2^i for blocks i = 0..5, with
  // c0 = options.base_channels or 64 (the published 64 ... 2048).
  Cnn14Base(const char* type_name, int64_t branches, const ModelOptions& options);
  void reseed(uint64_t seed) override { dropout_gen_.seed_(seed); }
  audio::FrontendConfig frontend() const override { return audio::FrontendConfig::panns(); }
  int64_t num_classes() const override { return num_classes_; }
  int64_t embedding_size() const override { return 32 * c0_; }  // 2048
  void replace_head(int64_t n, uint64_t seed) override;
  std::string head_prefix() const override { return transfer_ ? "fc_transfer." : "fc_audioset."; }

 protected:
  Variable forward_impl(const Variable& x) override;
  // (B, 1, T, 64) log-mel after bn0 ... up to the input of conv_block2: model specific.
  virtual Variable front(const Variable& x) = 0;
  // The convolutional trunk: front, conv_block2..6, mean over frequency -> (B, 2048, T').
  Variable trunk(const Variable& x);
  // h = relu(fc1(...)), (B, 2048), before the embedding's dropout.
  Variable hidden(const Variable& x);
  Variable normalise_mels(const Variable& x);  // bn0 over mel bins
  Variable drop(const Variable& x, double p) { return dropout(x, p, is_training(), &dropout_gen_); }

 public:
  Variable embed(const Variable& x) override;

 protected:

  int64_t num_classes_;
  int64_t c0_;  // conv_block1's channels: 64 unless ModelOptions::base_channels says otherwise
  bool transfer_ = false;
  std::shared_ptr<nn::BatchNorm2d> bn0_;
  std::vector<std::shared_ptr<ConvBlock>> blocks_;  // conv_block1..6
  std::shared_ptr<nn::Linear> fc1_, head_;
  Generator dropout_gen_;
};

class Cnn14 : public Cnn14Base {
 public:
  explicit Cnn14(const ModelOptions& options) : Cnn14("Cnn14", options) {}
  std::vector<std::string> stage_names() const override;

 protected:
  Cnn14(const char* type_name, const ModelOptions& options);
  Variable front(const Variable& x) override;
};

// PANNs' Cnn14_DecisionLevelMax (models.md section 5; `Cnn14_DecisionLevelMax_mAP=0.385.pth`): CNN14's
// parameters and names, a head applied per time segment instead of after pooling.
//   trunk as CNN14                               -> (B, 2048, T'), T' = frames / 32 (floor at each pool)
//   max_pool1d(k 3, s 1, pad 1) + avg_pool1d(k 3, s 1, pad 1, zeros counted) over time, dropout 0.5
//   per segment: relu(fc1) -> dropout 0.5 -> fc_audioset      -> segment logits (B, T', N)
//   clip: their maximum over time (forward, (B, N)): sigmoid of it is PANNs' clipwise_output, the
//         maximum of the segment sigmoids
//   frames: each segment repeated 32 times, the last one again up to the input's T -> (B, T, N)
class Cnn14Sed : public Cnn14 {
 public:
  explicit Cnn14Sed(const ModelOptions& options) : Cnn14("Cnn14_DecisionLevelMax", options) {}
  bool framewise() const override { return true; }
  Variable frame_logits(const Variable& x) override;  // (B, 1, T, 64) -> (B, T, N)
  Variable segment_logits(const Variable& x);         // (B, 1, T, 64) -> (B, T', N)
  // Max over time of the per-segment hidden layer (after its dropout), (B, 2048).
  Variable embed(const Variable& x) override;

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  Variable segment_hidden(const Variable& x);  // (B, T', 2048), dropout applied
};

// Wavegram-Logmel-CNN14: a learned waveform front end concatenated with the log-mel branch after
// conv_block1. Input (B, L) waveforms at 32 kHz; the log-mel is computed inside (no gradient).
//   pre_conv0 (conv1d 1->64, k 11, stride 5, pad 5) -> pre_bn0 -> ReLU
//   pre_block1..3: [conv1d k3 -> BN -> ReLU -> conv1d k3 dilation 2 -> BN -> ReLU -> max-pool 4],
//                  channels 64, 128, 128
//   (B, 128, T') -> (B, 4, T', 32) -> pre_block4 = ConvBlock(4, 64) with avg-pool (2, 1)
//   concat with conv_block1's output (64 + 64 channels) -> dropout -> conv_block2 (128 -> 128) ...
class WavegramBlock : public nn::Module {  // PANNs' ConvPreWavBlock
 public:
  WavegramBlock(int64_t c_in, int64_t c_out);

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  std::shared_ptr<nn::Conv1d> conv1_, conv2_;
  std::shared_ptr<nn::BatchNorm1d> bn1_, bn2_;
};

class WavegramLogmelCnn14 : public Cnn14Base {
 public:
  explicit WavegramLogmelCnn14(const ModelOptions& options);
  InputKind input_kind() const override { return InputKind::Waveform; }
  std::vector<std::string> stage_names() const override;

 protected:
  Variable front(const Variable& x) override;

 private:
  std::shared_ptr<nn::Conv1d> pre_conv0_;
  std::shared_ptr<nn::BatchNorm1d> pre_bn0_;
  std::vector<std::shared_ptr<WavegramBlock>> pre_blocks_;
  std::shared_ptr<ConvBlock> pre_block4_;
  audio::LogMel logmel_;
};

}  // namespace ag::models
