// blocks.hpp: a model described as a list of blocks in the config file (`--model blocks`), with
// the vocabulary and semantics of the seed pipeline fabuloudy/audio_survey (utils/nn/models.py,
// utils/nn/blocks.py), on a log-mel (B, 1, T, F). Block by block, one per --blocks entry:
//
//   res c_emb c_out       ResBlock: x -> BN -> act -> conv1 (c_in -> c_emb) -> BN -> act -> conv2
//                         (-> c_out), plus conv_res (c_in -> c_out) of the activated input; with
//                         batch_first=false, act before BN. Kernels kernel_size and kernel_size_res
//                         (shared by every res block: --res-block), dilation 2 - (k mod 2) (the
//                         seed takes both axes' from the first), 'same' padding, biases on.
//   max_pool k s          max pooling along time only: kernel (k, 1), stride (s, 1)
//   drop p q bt bf        DropBlock (Ghiasi et al. 2018) applied with probability p: blocks of
//                         bt x bf (time x mel) dropped at rate q, gamma = q / ((bt + bf) / 2)^2
//   dropout r             Dropout2d (whole channels)
//   activation name       any activation of the zoo (ag::activation_names()); swiglu halves the
//                         last axis
//   pooling mode=M flat=B global pooling, M in avg | max | sum (avg + max) | mul (avg x max):
//                         flat: (B, C, T, F) -> (B, T, C F) pooled over T -> (B, C F); not flat:
//                         pooled over C and T -> (B, F) (the seed's dims [1, 2])
//   fc n                  Linear on the last axis
// and a final Linear to the classes. Each block's input size comes from a dry pass over a
// (1, 1, 256, F) input, so `fc` and `res` need no input sizes; a bad list stops with one line
// naming the block (its number and text) and why. Parameter names follow the seed's ModuleList
// (blocks.0.batchnorm_1.weight, ...), so its PyTorch state dict loads as it is.
#pragma once

#include "apps/models/model.hpp"

namespace ag::models {

class BlocksModel : public AudioModel {
 public:
  explicit BlocksModel(const ModelOptions& options);
  audio::FrontendConfig frontend() const override { return frontend_; }
  int64_t num_classes() const override { return num_classes_; }
  int64_t embedding_size() const override { return embedding_size_; }
  Variable embed(const Variable& x) override;
  void replace_head(int64_t n, uint64_t seed) override;
  std::vector<std::string> stage_names() const override;
  std::string head_prefix() const override { return "blocks." + std::to_string(body_) + "."; }
  void reseed(uint64_t seed) override { gen_->seed_(seed); }

 protected:
  Variable forward_impl(const Variable& x) override;

 private:
  audio::FrontendConfig frontend_;
  int64_t num_classes_ = 0, embedding_size_ = 0;
  size_t body_ = 0;  // blocks before the head
  std::shared_ptr<nn::Module> blocks_;              // "blocks": the seed's ModuleList, children "0", "1", ...
  std::vector<std::shared_ptr<nn::Module>> layers_;  // the same, in order; the last is the head
  std::shared_ptr<Generator> gen_;  // dropout and DropBlock draws, shared with the blocks
};

}  // namespace ag::models
