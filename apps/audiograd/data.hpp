// data.hpp: opening a data set by name, and shaping a batch for a model.
#pragma once

#include <string>
#include <vector>

#include "apps/models/model.hpp"
#include "audio/dataset.hpp"
#include "audio/loader.hpp"

namespace ag::app {

// Where ESC-50 is looked for when --data is not given, in order.
std::vector<std::string> esc50_search_path();

// The dataset `name` (esc50, esc10, esc40 = ESC-50 without ESC-10, us8k, ravdess, folder) at `root` ("" = search, for esc50/esc10).
// A folder dataset gets 5 stratified folds (each class's clips dealt round them in name order).
// ValueError for an unknown name; IoError, with how to get ESC-50, when it is not found.
audio::AudioDataset open_dataset(const std::string& name, const std::string& root, bool skip_bad);
std::vector<int> dataset_folds(const audio::AudioDataset& d);

// Pipeline options for a model: its front end, clips fitted to `clip_seconds`.
audio::PipelineOptions pipeline_for(const models::AudioModel& model, double clip_seconds);

// Fits (B, 1, T, F) log-mels to a number of frames the model accepts (a multiple of
// model.time_multiple()): crops the end, or pads with each clip's quietest value.
Tensor fit_frames(const Tensor& x, int64_t multiple);
// A random window of `frames` frames per clip (training crops), drawn from gen.
Tensor random_crop_frames(const Tensor& x, int64_t frames, Generator& gen);

// What `model` reads from a batch: its (B, L) waveforms, or its (B, 1, T, F) log-mels fitted to
// the model's time_multiple().
Tensor model_input(const audio::Batch& batch, const models::AudioModel& model);

}  // namespace ag::app
