// checkpoint.hpp: state dicts in the safetensors format, and training checkpoints built on it.
//
// safetensors (https://github.com/huggingface/safetensors), readable with
// `safetensors.torch.load_file` or a few lines of NumPy:
//   8 bytes     N, the header length, unsigned little-endian
//   N bytes     a JSON object: {"name": {"dtype": "F32", "shape": [64, 1, 3, 3],
//               "data_offsets": [begin, end]}, ..., "__metadata__": {"key": "value", ...}}
//   the rest    the raw little-endian tensor bytes; offsets are relative to the end of the header
// Supported dtypes: F32, F64, I64 (audiograd's three). Files are written to a temporary name and
// renamed (ag::write_file_atomic), so an interrupted save never leaves a half-written file.
//
// A training checkpoint is two files: the model's state dict in `path` (a plain safetensors state
// dict: PyTorch users load it as is) with the training metadata in its __metadata__, and the
// optimiser's state in the sidecar `optimizer_path(path)` ("model.safetensors" ->
// "model.optim.safetensors").
#pragma once

#include <map>
#include <string>

#include "nn/module.hpp"
#include "nn/optim.hpp"

namespace ag::nn {

using Metadata = std::map<std::string, std::string>;

struct SafeTensors {
  StateDict tensors;
  Metadata metadata;
};

std::string to_safetensors_bytes(const StateDict& tensors, const Metadata& metadata = {});
// `what` names the source in errors (a file name). Throws IoError for anything truncated, corrupt
// (malformed JSON, or JSON that is not a safetensors header) or unsupported, naming the offending
// tensor and its header entry.
SafeTensors from_safetensors_bytes(const std::string& bytes, const std::string& what = "safetensors data");
void save_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata = {});
SafeTensors load_safetensors(const std::string& path);

// "x.safetensors" -> "x.optim.safetensors"; any other name gets ".optim.safetensors" appended.
std::string optimizer_path(const std::string& path);

// Saves module.state_dict() (+ metadata) to path and, if optimizer is given, its state to the
// sidecar (with "optimizer" = its name in the sidecar's metadata).
void save_checkpoint(const std::string& path, const Module& module, const Optimizer* optimizer = nullptr,
                     const Metadata& metadata = {});

struct CheckpointInfo {
  LoadReport report;  // what load_state_dict matched or skipped (non-strict)
  Metadata metadata;
};
// Loads the model (strictly or not, see Module::load_state_dict) and, if optimizer is given, its
// sidecar (which must then exist and come from the same kind of optimiser).
CheckpointInfo load_checkpoint(const std::string& path, Module& module, Optimizer* optimizer = nullptr,
                               bool strict = true);

}  // namespace ag::nn
