// test_mpi.cpp: data-parallel training over MPI, run by CTest as `mpirun -np 2 test_mpi` (every
// rank runs every test; the collectives pair up because the ranks run the same code).
//
// The central check: K optimiser steps on 2 ranks x half the batch, with the gradients summed by
// allreduce_gradients, give the parameters of K steps of one process on the whole batch, to
// round-off; each rank computes that one-process reference itself. With batch norm this needs
// synchronised statistics (sync_batchnorm); without it each rank normalises its own half, which
// is checked against one process normalising the two halves separately.
#include <gtest/gtest.h>
#include <mpi.h>

#include "nn/mpi_communicator.hpp"
#include "nn/nn.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace ag {
namespace {

using test::tensors_close;

std::shared_ptr<nn::Communicator> comm;

int rank() { return comm->rank(); }

TEST(Mpi, TwoRanks) { ASSERT_EQ(comm->size(), 2) << "run with mpirun -np 2"; }

TEST(Mpi, AllreduceOfOddSizesInManyBuckets) {
  // Parameters of awkward sizes, float32 and float64; small integers, so the sums are exact.
  std::vector<Variable> params;
  for (int64_t n : {1, 7, 1000, 3, 65}) params.emplace_back(zeros({n}), true);
  params.emplace_back(zeros({5, 3}, DType::Float64), true);
  params.push_back(params[1]);  // listed twice: reduced once
  for (int64_t bucket : {8, 12, 100, 4096, 25 << 20}) {
    for (size_t i = 0; i + 1 < params.size(); ++i) {
      std::vector<double> v(static_cast<size_t>(params[i].numel()));
      for (size_t j = 0; j < v.size(); ++j) v[j] = static_cast<double>((rank() + 1) * (j % 13) + i);
      params[i].set_grad(from_vector(v, params[i].shape()).to(params[i].dtype()));
    }
    const int64_t calls = nn::allreduce_gradients(params, *comm, {bucket});
    for (size_t i = 0; i + 1 < params.size(); ++i) {
      std::vector<double> got = params[i].grad().to_vector<double>();
      for (size_t j = 0; j < got.size(); ++j) ASSERT_EQ(got[j], 3.0 * static_cast<double>(j % 13) + 2.0 * static_cast<double>(i)) << i << " " << j;
    }
    // 1076 float32 values and 15 float64 ones, packed densely: one call per full bucket of each.
    const int64_t f32 = 1076, f64 = 15, c32 = bucket / 4, c64 = bucket / 8;
    EXPECT_EQ(calls, (f32 + c32 - 1) / c32 + (f64 + c64 - 1) / c64) << "bucket " << bucket;
  }
}

TEST(Mpi, UndefinedGradients) {
  Variable only_rank1(zeros({4}), true), nowhere(zeros({2}), true), frozen(ones({3}), false);
  if (rank() == 1) only_rank1.set_grad(full({4}, 2.5));
  nn::allreduce_gradients({only_rank1, nowhere, frozen}, *comm, {});
  ASSERT_TRUE(only_rank1.grad().defined());  // zeros were sent for rank 0
  EXPECT_TRUE(allclose(only_rank1.grad(), full({4}, 2.5), 0, 0));
  EXPECT_FALSE(nowhere.grad().defined());  // unused on every rank: the optimiser skips it
  EXPECT_FALSE(frozen.grad().defined());
}

TEST(Mpi, BroadcastModuleAndString) {
  nn::Linear a(3, 2);
  nn::BatchNorm1d bn(2);
  if (rank() == 1) {
    Tensor w = a.weight.data();
    w.fill_(7.0);
    bn.running_mean.fill_(3.0);
  }
  Tensor w0 = a.weight.data().clone();
  nn::broadcast_module(a, *comm);
  nn::broadcast_buffers(bn, *comm);
  std::vector<double> w = a.weight.data().to_vector<double>(), sums(w);
  comm->allreduce_sum(sums.data(), static_cast<int64_t>(sums.size()));
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(sums[i], 2 * w[i]);  // equal on both ranks
  if (rank() == 0) EXPECT_TRUE(allclose(a.weight.data(), w0, 0, 0));  // rank 0's
  EXPECT_TRUE(allclose(bn.running_mean, zeros({2}), 0, 0));
  std::string s = rank() == 0 ? std::string(100003, 'x') + "end" : "other";
  nn::broadcast_string(s, *comm);
  EXPECT_EQ(s.size(), 100006u);
  EXPECT_EQ(s.substr(s.size() - 3), "end");
}

// A network, its inputs and targets for one test: every rank builds the same (same seeds).
struct Problem {
  std::shared_ptr<nn::Sequential> net;
  Tensor x, y;  // the whole batch (16, ...) and its class labels
};

Problem mlp() {
  Generator gen(42);
  Problem p;
  p.net = std::make_shared<nn::Sequential>();
  p.net->push_back(std::make_shared<nn::Linear>(6, 8, true, &gen));
  p.net->push_back(std::make_shared<nn::ReLU>());
  p.net->push_back(std::make_shared<nn::Linear>(8, 3, true, &gen));
  p.x = randn({16, 6}, DType::Float32, &gen);
  p.y = from_vector(std::vector<int64_t>{0, 1, 2, 0, 2, 1, 1, 0, 2, 2, 0, 1, 0, 0, 1, 2}, {16});
  return p;
}

Problem conv_bn() {
  Generator gen(43);
  Problem p;
  p.net = std::make_shared<nn::Sequential>();
  // No bias before batch norm (as in ERANN and CNN14): BN removes it, so its gradient is round-off,
  // which Adam would blow up to full steps of either sign.
  nn::Conv2dOptions same, valid;
  same.padding = 1;
  same.bias = valid.bias = false;
  p.net->push_back(std::make_shared<nn::Conv2d>(1, 4, 3, same, &gen));
  p.net->push_back(std::make_shared<nn::BatchNorm2d>(4));
  p.net->push_back(std::make_shared<nn::ReLU>());
  p.net->push_back(std::make_shared<nn::Conv2d>(4, 3, 3, valid, &gen));
  p.net->push_back(std::make_shared<nn::BatchNorm2d>(3));
  p.net->push_back(std::make_shared<nn::GlobalAvgPool>());
  p.x = randn({8, 1, 6, 5}, DType::Float32, &gen);
  p.y = from_vector(std::vector<int64_t>{0, 1, 2, 0, 2, 1, 1, 0}, {8});
  return p;
}

nn::AdamOptions adam() {
  nn::AdamOptions o;
  o.lr = 1e-2;
  return o;
}

// K Adam steps on rows [begin, end) of the batch, the loss scaled by (end - begin) / B and the
// gradients summed over the ranks when `distributed`. BN buffers are averaged nowhere: rank 0's
// are what DDP would keep.
void train(Problem& p, int64_t begin, int64_t end, bool distributed, int steps) {
  nn::Adam opt(p.net->parameters(), adam());
  const int64_t B = p.x.size(0);
  Tensor xs = p.x.slice(0, begin, end).contiguous(), ys = p.y.slice(0, begin, end).contiguous();
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    Variable loss = cross_entropy(p.net->forward(Variable(xs)), ys);
    mul(loss, static_cast<double>(end - begin) / static_cast<double>(B)).backward();
    if (distributed) nn::allreduce_gradients(p.net->parameters(), *comm, {64});
    opt.step();
  }
}

void expect_same_parameters(const Problem& a, const Problem& b, double tol, const char* what) {
  auto pa = a.net->named_parameters(), pb = b.net->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  double worst = 0;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(tensors_close(pa[i].second.data(), pb[i].second.data(), tol, tol)) << pa[i].first;
    std::vector<double> u = pa[i].second.data().to_vector<double>(), v = pb[i].second.data().to_vector<double>();
    for (size_t j = 0; j < u.size(); ++j) worst = std::max(worst, std::abs(u[j] - v[j]) / (1 + std::abs(v[j])));
  }
  if (rank() == 0) std::printf("%s: largest parameter difference from one process %.3g\n", what, worst);
}

TEST(Mpi, TwoRanksOfHalfTheBatchMatchOneProcessOnTheWholeBatch) {
  Problem one = mlp(), dist = mlp();
  train(one, 0, 16, false, 4);
  train(dist, rank() * 8, rank() * 8 + 8, true, 4);
  expect_same_parameters(dist, one, 2e-6, "MLP, 2 x 8 vs 1 x 16");  // float32 round-off: the batch's sums are split differently
}

TEST(Mpi, SyncBatchNormMatchesOneProcessOnTheWholeBatch) {
  {
    Problem one = conv_bn(), dist = conv_bn();
    EXPECT_EQ(nn::sync_batchnorm(*dist.net, comm), 2);
    // Forward alone: each rank's rows of the output and the running statistics.
    {
      Problem a = conv_bn(), b = conv_bn();
      nn::sync_batchnorm(*b.net, comm);
      Tensor ya = a.net->forward(Variable(a.x)).data();
      Tensor yb = b.net->forward(Variable(b.x.slice(0, rank() * 4, rank() * 4 + 4).contiguous())).data();
      const double tol = 1e-5;
      EXPECT_TRUE(tensors_close(yb, ya.slice(0, rank() * 4, rank() * 4 + 4), tol, tol));
      auto ba = a.net->named_buffers(), bb = b.net->named_buffers();
      for (size_t i = 0; i < ba.size(); ++i) EXPECT_TRUE(tensors_close(bb[i].second, ba[i].second, tol, tol)) << ba[i].first;
    }
    train(one, 0, 8, false, 3);
    train(dist, rank() * 4, rank() * 4 + 4, true, 3);
    expect_same_parameters(dist, one, 2e-5, "conv + sync BN, 2 x 4 vs 1 x 8");
  }
}

TEST(Mpi, PerRankBatchNormNormalisesEachRanksOwnHalf) {
  // Without --sync-bn (DDP's default) the global step is that of the two halves normalised apart.
  Problem dist = conv_bn(), one = conv_bn();
  nn::Adam opt(one.net->parameters(), adam());
  for (int s = 0; s < 3; ++s) {
    opt.zero_grad();
    for (int64_t h = 0; h < 2; ++h) {
      Variable loss = cross_entropy(one.net->forward(Variable(one.x.slice(0, 4 * h, 4 * h + 4).contiguous())),
                                    one.y.slice(0, 4 * h, 4 * h + 4).contiguous());
      mul(loss, 0.5).backward();
    }
    opt.step();
  }
  train(dist, rank() * 4, rank() * 4 + 4, true, 3);
  expect_same_parameters(dist, one, 2e-5, "conv + per-rank BN, 2 x 4 vs two halves of 4");
}

}  // namespace
}  // namespace ag

int main(int argc, char** argv) {
  ag::comm = ag::nn::mpi_communicator(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  int any = failed;
  MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any ? 1 : 0;
}
