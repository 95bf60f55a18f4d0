// test_local.cpp: the parts of data-parallel training that one process can check (the MPI
// runs are in tests/dist/): synchronised batch norm against plain batch norm and by gradcheck, the
// one-rank communicator, bad input, and the batch loader's split of global batches over ranks.
#include <gtest/gtest.h>

#include "audio/loader.hpp"
#include "nn/nn.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace ag {
namespace {

using test::tensors_close;
using test::throws_with;

// A stand-in for R ranks that all hold the same data: the sum over ranks is R times the value.
BatchNormAllreduce replicas(double r) {
  return [r](double* data, int64_t n) {
    for (int64_t i = 0; i < n; ++i) data[i] *= r;
  };
}

TEST(SyncBatchNorm, WithIdenticalReplicasMatchesBatchNormOverTheRepeatedBatch) {
  // Two ranks holding the same x form the global batch [x; x]: same mean and variance as x alone,
  // but N doubles, which changes the running variance's unbiasing, N / (N - 1).
  Generator gen(5);
  Tensor x = randn({3, 2, 4, 1}, DType::Float64, &gen);
  Tensor rm_sync = zeros({2}, DType::Float64), rv_sync = ones({2}, DType::Float64);
  Tensor rm_ref = zeros({2}, DType::Float64), rv_ref = ones({2}, DType::Float64);
  Variable y = batch_norm(Variable(x), rm_sync, rv_sync, Variable(), Variable(), true, 0.1, 1e-5, replicas(2));
  Variable ref = batch_norm(Variable(concat({x, x}, 0)), rm_ref, rv_ref, Variable(), Variable(), true, 0.1, 1e-5);
  EXPECT_TRUE(tensors_close(y.data(), ref.data().slice(0, 0, 3), 1e-12, 1e-12));
  EXPECT_TRUE(tensors_close(rm_sync, rm_ref, 1e-12, 1e-12));
  EXPECT_TRUE(tensors_close(rv_sync, rv_ref, 1e-12, 1e-12));
}

TEST(SyncBatchNorm, GradcheckWithReplicas) {
  // d/dx of rank a's output with the other replica moving alike equals, by symmetry, what the
  // synchronised backward computes (rank a's loss and the other rank's, through the global sums).
  auto f = [](const std::vector<Variable>& v) {
    return batch_norm(v[0], Tensor(), Tensor(), v[1], v[2], true, 0.1, 1e-3, replicas(2));
  };
  Generator gen(7);
  GradcheckResult r = gradcheck(f, {randn({2, 3, 2, 2}, DType::Float64, &gen), randn({3}, DType::Float64, &gen),
                                    randn({3}, DType::Float64, &gen)});
  EXPECT_TRUE(r.ok) << r.message;
  // One rank (the sum over ranks is the value): plain batch norm, gradient and all.
  auto one = [](const std::vector<Variable>& v) { return batch_norm(v[0], Tensor(), Tensor(), v[1], v[2], true, 0.1, 1e-3, replicas(1)); };
  r = gradcheck(one, {randn({3, 2, 5}, DType::Float64, &gen), randn({2}, DType::Float64, &gen), randn({2}, DType::Float64, &gen)});
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(SyncBatchNorm, BadInput) {
  Tensor x = randn({2, 3, 4});
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { batch_norm(Variable(x), zeros({3}), ones({3}), Variable(), Variable(), false, 0.1, 1e-5, replicas(2)); },
      "batch_norm: synchronised statistics (allreduce) apply in training mode only"));
  // One value per channel over every process is still too few.
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { batch_norm(Variable(randn({1, 3})), Tensor(), Tensor(), Variable(), Variable(), true, 0.1, 1e-5, replicas(1)); },
      "expected more than 1 value per channel when training, got 1 over every process"));
  nn::BatchNorm2d bn(3);
  EXPECT_TRUE(throws_with<ValueError>([&] { nn::sync_batchnorm(bn, nullptr); }, "sync_batchnorm: no communicator"));
  EXPECT_TRUE(throws_with<ValueError>([&] { nn::allreduce_gradients(bn.parameters(), *nn::local_communicator(), {4}); },
                                      "allreduce_gradients: bucket_bytes must be >= 8, got 4"));
}

TEST(Distributed, OneRankCommunicatorChangesNothing) {
  auto comm = nn::local_communicator();
  EXPECT_EQ(comm->rank(), 0);
  EXPECT_EQ(comm->size(), 1);
  nn::Sequential net;
  net.push_back(std::make_shared<nn::Conv2d>(1, 2, 3));
  net.push_back(std::make_shared<nn::BatchNorm2d>(2));
  EXPECT_EQ(nn::sync_batchnorm(net, comm), 0);  // nothing to synchronise with
  Variable loss = sum(net.forward(Variable(randn({2, 1, 5, 5}))));
  loss.backward();
  std::vector<Tensor> before;
  for (const Variable& p : net.parameters()) before.push_back(p.grad().clone());
  EXPECT_EQ(nn::allreduce_gradients(net.parameters(), *comm), 0);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(allclose(net.parameters()[i].grad(), before[i], 0, 0));
}

// The loader's split: rank r of R loads slice [r m / R, (r + 1) m / R) of every global batch of m.
TEST(Distributed, LoaderRanksTogetherLoadTheOneProcessBatches) {
  std::vector<audio::AudioItem> items;
  for (int i = 0; i < 23; ++i) items.push_back({"clip" + std::to_string(i) + ".wav", i % 3, 1, {}});
  audio::AudioDataset data("toy", {"a", "b", "c"}, items);
  audio::LoaderOptions one;
  one.batch_size = 6;
  one.seed = 11;
  one.num_workers = 0;
  audio::PipelineOptions po;
  audio::BatchLoader whole(data, po, one);
  for (int world : {2, 3}) {
    std::vector<std::unique_ptr<audio::BatchLoader>> ranks;
    for (int r = 0; r < world; ++r) {
      audio::LoaderOptions lo = one;
      lo.rank = r;
      lo.world = world;
      ranks.push_back(std::make_unique<audio::BatchLoader>(data, po, lo));
      EXPECT_EQ(ranks.back()->batches_per_epoch(), whole.batches_per_epoch());  // 23 = 3 x 6 + 5: the last has 5 >= R
    }
    const std::vector<int64_t> order = whole.epoch_order(2);
    for (int r = 0; r < world; ++r) EXPECT_EQ(ranks[static_cast<size_t>(r)]->epoch_order(2), order);
    for (int64_t k = 0; k < whole.batches_per_epoch(); ++k) {
      const int64_t m = std::min<int64_t>(6, 23 - 6 * k);
      std::vector<int64_t> joined;
      for (int r = 0; r < world; ++r) {
        auto [b, e] = ranks[static_cast<size_t>(r)]->shard(m);
        EXPECT_EQ(b, r * m / world);
        EXPECT_EQ(e, (r + 1) * m / world);
        joined.insert(joined.end(), order.begin() + 6 * k + b, order.begin() + 6 * k + e);
      }
      EXPECT_EQ(joined, std::vector<int64_t>(order.begin() + 6 * k, order.begin() + 6 * k + m)) << "batch " << k;
    }
  }
  // A last batch too small for every rank to get a clip is left out (and counted so).
  audio::LoaderOptions lo = one;
  lo.world = 6;
  lo.batch_size = 6;
  EXPECT_EQ(audio::BatchLoader(data, po, lo).batches_per_epoch(), 3);  // 5 clips left < 6 ranks
  lo.rank = 6;
  EXPECT_TRUE(throws_with<ValueError>([&] { audio::BatchLoader(data, po, lo); }, "BatchLoader: rank 6 of world 6"));
  lo.rank = 0;
  lo.batch_size = 4;
  EXPECT_TRUE(throws_with<ValueError>([&] { audio::BatchLoader(data, po, lo); }, "batch_size 4 cannot be split over 6 ranks"));
}

}  // namespace
}  // namespace ag
