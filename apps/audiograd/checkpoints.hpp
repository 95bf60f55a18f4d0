// checkpoints.hpp: whole-model checkpoints as the app writes and reads them. A model checkpoint is a
// safetensors state dict whose metadata names what to build before loading it:
//   format                  "audiograd"
//   audiograd.model         the build_model name ("erann-3-1", "cnn14", ...)
//   audiograd.num_classes   outputs of the head
//   audiograd.class_names   the class names, one per line
//   audiograd.activation    resnet-small's activation
//   audiograd.frontend      the front end's key (audio/frontend.hpp)
//   audiograd.clip_seconds  clip length it was trained on
//   audiograd.dataset       dataset it was trained on
//   audiograd.base_channels only for a reduced-width model (tools/convert_panns.py --width)
//   audiograd.task          classification (one class per clip: softmax; what train writes) or
//                           tagging (multi-label, a sigmoid per class: PANNs' AudioSet models, as
//                           tools/convert_panns.py writes them); absent = classification
//   audiograd.blocks, .res_block, .frontend_preset   --model blocks: its layers and options
// A training checkpoint (fold<k>/last.safetensors) adds train.epoch and train.fold.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "apps/audiograd/config.hpp"
#include "apps/models/model.hpp"
#include "nn/checkpoint.hpp"

namespace ag::app {

// The metadata above for `model`, trained with config `c` on `classes`; base_channels 0 = the
// published width (no audiograd.base_channels entry).
nn::Metadata model_metadata(const TrainConfig& c, const models::AudioModel& model, const std::vector<std::string>& classes,
                            int64_t base_channels);

// m[key], or ValueError "<what>: not an audiograd model checkpoint (no '<key>' in its metadata)".
std::string metadata_value(const nn::Metadata& m, const std::string& key, const std::string& what);

// Builds the model a checkpoint was saved from (its metadata names model, classes and options) and
// loads the weights. IoError / ValueError for a file that is not an audiograd model checkpoint.
enum class Task { Classification, Tagging };
// `metadata`, when given, receives the checkpoint's whole metadata (tag reads audiograd.clip_seconds).
std::shared_ptr<models::AudioModel> load_model(const std::string& checkpoint, std::vector<std::string>* class_names = nullptr,
                                               Task* task = nullptr, nn::Metadata* metadata = nullptr);

// audiograd.task of a checkpoint's metadata; ValueError naming the checkpoint for an unknown value.
Task checkpoint_task(const nn::Metadata& m, const std::string& checkpoint);

// --pretrained: the model in c.pretrained (which must be a c.model), at the checkpoint's width
// (stored in options.base_channels), with a fresh head of options.num_classes outputs, seeded by
// head_seed, when the classes differ or c.transfer freezes part of it (*new_head says which).
// Prints what it loaded.
std::shared_ptr<models::AudioModel> load_pretrained(const TrainConfig& c, models::ModelOptions& options, uint64_t head_seed,
                                                    bool* new_head = nullptr);

}  // namespace ag::app
