// evaluate.hpp: a model's loss, accuracy and confusion matrix on a data set, in eval mode and
// without gradients (`audiograd eval`, and the test fold during training).
#pragma once

#include <cstdint>

#include "apps/audiograd/results.hpp"
#include "apps/models/model.hpp"
#include "audio/dataset.hpp"
#include "audio/loader.hpp"
#include "nn/distributed.hpp"

namespace ag::app {

// Evaluates `model` on `data`, batch by batch in data order; the model's train/eval mode is
// restored afterwards. EvalResult::logits holds every clip's logits, (clips, N).
// With a communicator of R > 1 ranks (training under mpirun), rank r evaluates clips r, r + R, ...
// and the loss, accuracy and confusion matrix are summed over the ranks (every rank gets the
// whole result); logits then holds only this rank's clips.
EvalResult evaluate(models::AudioModel& model, const audio::AudioDataset& data, const audio::PipelineOptions& pipeline,
                    int64_t batch_size, int workers, nn::Communicator* comm = nullptr);

}  // namespace ag::app
