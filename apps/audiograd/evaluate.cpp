// evaluate.cpp: see evaluate.hpp.
#include "apps/audiograd/evaluate.hpp"

#include "apps/audiograd/data.hpp"
#include "nn/nn.hpp"

namespace ag::app {

EvalResult evaluate(models::AudioModel& model, const audio::AudioDataset& data, const audio::PipelineOptions& pipeline,
                    int64_t batch_size, int workers, nn::Communicator* comm) {
  const int ranks = comm ? comm->size() : 1;
  if (ranks > 1) {
    int64_t i = 0;
    const int r = comm->rank();
    audio::AudioDataset mine = data.filter([&](const audio::AudioItem&) { return i++ % ranks == r; });
    EvalResult part = evaluate(model, mine, pipeline, batch_size, workers);
    const int64_t n = model.num_classes();
    std::vector<double> sums = {part.loss * static_cast<double>(mine.size()), static_cast<double>(mine.size())};
    for (const auto& row : part.confusion)
      for (int64_t v : row) sums.push_back(static_cast<double>(v));
    comm->allreduce_sum(sums.data(), static_cast<int64_t>(sums.size()));
    int64_t correct = 0;
    for (int64_t t = 0; t < n; ++t)
      for (int64_t p = 0; p < n; ++p) {
        part.confusion[t][p] = static_cast<int64_t>(sums[static_cast<size_t>(2 + t * n + p)]);
        if (t == p) correct += part.confusion[t][p];
      }
    part.loss = sums[1] > 0 ? sums[0] / sums[1] : 0;
    part.accuracy = sums[1] > 0 ? static_cast<double>(correct) / sums[1] : 0;
    return part;
  }
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
