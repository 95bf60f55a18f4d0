// evaluate.cpp: see evaluate.hpp.
#include "apps/audiograd/evaluate.hpp"

#include "apps/audiograd/data.hpp"
#include "nn/nn.hpp"

namespace ag::app {

EvalResult evaluate(models::AudioModel& model, const audio::AudioDataset& data, const audio::PipelineOptions& pipeline,
                    int64_t batch_size, int workers) {
  audio::LoaderOptions lo;
  lo.batch_size = batch_size;
  lo.shuffle = false;
  lo.num_workers = workers;
  audio::BatchLoader loader(data, pipeline, lo);
  const int64_t n = model.num_classes();
  EvalResult r;
  r.confusion.assign(n, std::vector<int64_t>(n, 0));
  bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  loader.start_epoch(0);
  audio::Batch batch;
  std::vector<Tensor> all;
  double loss_sum = 0;
  int64_t seen = 0, correct = 0;
  while (loader.next(batch)) {
    Variable logits = model.forward(Variable(model_input(batch, model)));  // (B, N)
    int64_t b = batch.labels.size(0);
    loss_sum += cross_entropy(logits, batch.labels).item<double>() * static_cast<double>(b);
    std::vector<int64_t> pred = argmax(logits.data(), 1).to_vector<int64_t>(), truth = batch.labels.to_vector<int64_t>();
    for (int64_t i = 0; i < b; ++i) {
      if (truth[i] < n && pred[i] < n) ++r.confusion[truth[i]][pred[i]];
      correct += pred[i] == truth[i];
    }
    seen += b;
    all.push_back(logits.data());
  }
  model.train(was_training);
  r.loss = seen ? loss_sum / static_cast<double>(seen) : 0;
  r.accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0;
  r.logits = all.empty() ? Tensor(Shape{0, n}, DType::Float32) : concat(all, 0);
  return r;
}

}  // namespace ag::app
