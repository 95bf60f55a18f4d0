// model.hpp: what the audiograd app needs from every audio classifier, and the registry that builds
// one from its name ("erann-2-2", "cnn14", "wavegram-logmel-cnn14", "resnet-small").
//
// A model is an nn::Module whose forward maps a batch of inputs to logits (B, N):
//   - log-mel models (ERANN, CNN14, ResNet) read (B, 1, T, F) log-mels made by the audio front end
//     named by frontend() ("erann" or "panns" preset, audio/frontend.hpp);
//   - waveform models (Wavegram-Logmel-CNN14) read (B, L) waveforms and make their log-mel inside.
// embed(x) returns the penultimate-layer embedding (B, E) that the head reads; replace_head(n)
// swaps the classifier for a fresh one with n outputs (transfer learning), keeping the backbone.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "audio/frontend.hpp"
#include "nn/nn.hpp"

namespace ag::models {

enum class InputKind { LogMel, Waveform };

class AudioModel : public nn::Module {
 public:
  using nn::Module::Module;
  virtual InputKind input_kind() const { return InputKind::LogMel; }
  // The audio front end this model's inputs come from (sample rate, mels, hop, ...).
  virtual audio::FrontendConfig frontend() const = 0;
  virtual int64_t num_classes() const = 0;
  virtual int64_t embedding_size() const = 0;
  // (B, E): what the classifier head reads.
  virtual Variable embed(const Variable& x) = 0;
  // A new, freshly initialised head with `n` outputs; the old head's parameters are removed.
  virtual void replace_head(int64_t n, uint64_t seed) = 0;
  // Names (dotted prefixes) of the model's stages, input to output, for --transfer freeze-first:<k>.
  virtual std::vector<std::string> stage_names() const = 0;
  // Prefix of the head's parameters ("fc2.", "fc_audioset."...): never frozen by freeze-base.
  virtual std::string head_prefix() const = 0;
  // Reseeds the model's own randomness (dropout masks), so a resumed run repeats an uninterrupted one.
  virtual void reseed(uint64_t seed) {}
  // Frames of the log-mel must be a multiple of this (ERANN's stride-4 stages need 4^s_m).
  virtual int64_t time_multiple() const { return 1; }
  // Frame-wise models (cnn14-sed) also give logits per input frame, (B, T, N), whose sigmoid is the
  // frame-wise score; their forward's (B, N) is the maximum of those over time. Others: false, and
  // frame_logits throws ValueError.
  virtual bool framewise() const { return false; }
  virtual Variable frame_logits(const Variable& x);
};

struct ModelOptions {
  int64_t num_classes = 50;
  uint64_t seed = 0;                // initialisation
  std::string activation = "relu";  // resnet-small only
  // Channels of the first stage, doubling per stage as in the published model. 0 = the published
  // width (CNN14 64 -> 2048, ERANN 8W -> 128W, resnet-small 32 -> 256); smaller values make the
  // reduced-width instances whose weights and gradients are committed as conformance fixtures
  // (tools/make_model_fixtures.py, tests/apps/test_conformance.cpp).
  int64_t base_channels = 0;
  // --model blocks (blocks.hpp): its layers, one block per entry ("res 32 32", "max_pool 2 2",
  // ...), the options its res blocks share, and its front end preset ("" = survey).
  std::vector<std::string> blocks;
  std::string res_block;
  std::string frontend;
};

// Both come from one table in model.cpp (name or pattern, description, factory): a new model is
// one row there.
// Builds a model by name, or throws ValueError listing the valid names.
std::shared_ptr<AudioModel> build_model(const std::string& name, const ModelOptions& options);
// The names build_model accepts ("erann-<s_m>-<W>" stands for a pattern), with a one-line
// description each, in the table's order.
std::vector<std::pair<std::string, std::string>> model_names();

// Multiply-adds of one forward pass for an input of the given shape, counted over every conv and
// linear layer (the figure papers quote as "GMACs"). Runs a forward in eval mode without gradients.
int64_t count_macs(AudioModel& model, const Shape& input_shape);

// PANNs' initialisation: Xavier-uniform conv and linear weights, zero biases, BN weight 1, bias 0.
void init_panns(nn::Module& module, Generator& gen);

// Sets every parameter of the classifier head (head_prefix()) to zero, so that the logits start at
// 0 and the first loss is the chance loss ln(N) (PANNs' init gives ~3x that on ESC-50: large
// logits that the first epochs spend shrinking). The backbone still learns from the first step:
// the head's weight gradient is embedding x error, non-zero; its input gradient is zero only until
// the head's first update.
void zero_head(AudioModel& model);

}  // namespace ag::models
