// test_optim.cpp: optimisers against PyTorch (20 steps on a small model), parameter groups, state
// save / restore, schedules, clipping and gradient accumulation.
#include <cmath>

#include "nn_test_util.hpp"

namespace ag::test {
namespace {

using namespace ag::nn;

// Linear(6, 5) -> ReLU -> Linear(5, 3) with PyTorch's initial weights from the fixture.
std::shared_ptr<Sequential> small_model() {
  auto m = std::make_shared<Sequential>();
  m->push_back(std::make_shared<Linear>(6, 5)).push_back(std::make_shared<ReLU>()).push_back(std::make_shared<Linear>(5, 3));
  StateDict sd;
  for (const std::string k : {"0.weight", "0.bias", "2.weight", "2.bias"}) {
    std::string file = "init_" + k;
    file[file.find('.')] = '_';
    sd.insert(k, fixture("optim", file));
  }
  m->load_state_dict(sd);
  return m;
}

void train_20_steps(Module& model, Optimizer& opt) {
  const Tensor X = fixture("optim", "X"), Y = fixture("optim", "Y");
  for (int step = 0; step < 20; ++step) {
    opt.zero_grad();
    cross_entropy(model.forward(Variable(X)), Y).backward();
    opt.step();
  }
}

void expect_matches_pytorch(const Module& model, const std::string& prefix) {
  for (const auto& [name, t] : model.state_dict().items()) {
    std::string file = prefix + "_" + name;
    file[file.find('.')] = '_';
    EXPECT_TRUE(tensors_close(t, fixture("optim", file), 1e-5, 1e-6)) << prefix << " " << name;
  }
}

TEST(Optim, TwentyStepsMatchPyTorch) {
  {
    auto m = small_model();
    SGD opt(m->parameters(), SGDOptions{0.05, 0.9, 0.0, 1e-2, true});
    train_20_steps(*m, opt);
    expect_matches_pytorch(*m, "sgd");
  }
  {
    auto m = small_model();
    SGD opt(m->parameters(), SGDOptions{0.1});
    train_20_steps(*m, opt);
    expect_matches_pytorch(*m, "sgd_plain");
  }
  {
    auto m = small_model();
    AdamOptions o;
    o.lr = 1e-2, o.weight_decay = 1e-3, o.amsgrad = true;
    Adam opt(m->parameters(), o);
    train_20_steps(*m, opt);
    expect_matches_pytorch(*m, "adam");
  }
  {
    auto m = small_model();
    AdamWOptions o;
    o.lr = 1e-2, o.weight_decay = 0.1;
    AdamW opt(m->parameters(), o);
    train_20_steps(*m, opt);
    expect_matches_pytorch(*m, "adamw");
  }
}

// The test above has teeth: a different weight decay drifts measurably from PyTorch's result.
TEST(Optim, ConformanceDetectsADifferentRule) {
  auto m = small_model();
  AdamWOptions o;
  o.lr = 1e-2, o.weight_decay = 0.2;
  AdamW opt(m->parameters(), o);
  train_20_steps(*m, opt);
  EXPECT_FALSE(tensors_close(m->state_dict().at("0.weight"), fixture("optim", "adamw_0_weight"), 1e-5, 1e-6));
}

TEST(Optim, ParamGroupsHaveTheirOwnLearningRate) {
  Variable a(ones({2}), true), b(ones({3}), true);
  SGD opt(std::vector<ParamGroupSpec>{{{a}, 0.1}, {{b}}}, SGDOptions{0.01});
  sum(add(mul(a, 2.0), 0.0)).backward();
  sum(mul(b, 3.0)).backward();
  opt.step();
  EXPECT_NEAR(a.data().at({0}), 1 - 0.1 * 2, 1e-7);
  EXPECT_NEAR(b.data().at({0}), 1 - 0.01 * 3, 1e-7);
  EXPECT_TRUE(throws_with<ValueError>([&] { opt.add_param_group({{a}}); }, "appears in two groups"));
  EXPECT_TRUE(throws_with<ValueError>([&] { SGD(std::vector<Variable>{a}, SGDOptions{0.1, 0.0, 0.0, 0.0, true}); },
                                      "Nesterov momentum requires"));
}

TEST(Optim, StateSaveRestoreContinuesIdentically) {
  const Tensor X = fixture("optim", "X"), Y = fixture("optim", "Y");
  auto step = [&](Module& m, Optimizer& o) {
    o.zero_grad();
    cross_entropy(m.forward(Variable(X)), Y).backward();
    o.step();
  };
  auto m1 = small_model();
  AdamOptions ao;
  ao.amsgrad = true;
  Adam o1(m1->parameters(), ao);
  for (int i = 0; i < 5; ++i) step(*m1, o1);
  auto m2 = small_model();
  m2->load_state_dict(m1->state_dict());
  Adam o2(m2->parameters(), AdamOptions{});  // different settings: restored from the state
  o2.load_state_dict(o1.state_dict());
  EXPECT_TRUE(o2.param_groups()[0].amsgrad);
  for (int i = 0; i < 5; ++i) step(*m1, o1), step(*m2, o2);
  EXPECT_TRUE(tensors_close(m1->state_dict().at("2.weight"), m2->state_dict().at("2.weight"), 0, 0));
  // A state from another parameter layout is refused.
  Variable lone(ones({4}), true);
  Adam other(std::vector<Variable>{lone});
  EXPECT_TRUE(throws_with<ValueError>([&] { other.load_state_dict(o1.state_dict()); }, "group 0 has 1 parameters, the saved state 4"));
}

TEST(Schedules, MatchPyTorch) {
  Variable p(zeros({1}), true);
  Adam opt(std::vector<Variable>{p}, AdamOptions{});
  OneCycleLR sched(opt, 0.01, 30);
  const Tensor lrs = fixture("schedules", "onecycle_lr"), betas = fixture("schedules", "onecycle_beta1");
  for (int64_t t = 0; t < 30; ++t) {
    EXPECT_NEAR(opt.param_groups()[0].lr, lrs.at({t}), 1e-12) << "step " << t;
    EXPECT_NEAR(opt.param_groups()[0].beta1, betas.at({t}), 1e-12) << "step " << t;
    sched.step();
  }
  SGD sgd(std::vector<Variable>{p}, SGDOptions{0.5});
  StepLR step_sched(sgd, 4, 0.3);
  const Tensor step_lrs = fixture("schedules", "step_lr");
  for (int64_t t = 0; t < 12; ++t) {
    EXPECT_NEAR(sgd.param_groups()[0].lr, step_lrs.at({t}), 1e-12);
    step_sched.step();
  }
}

TEST(Schedules, CosineWarmupAndConstantByHand) {
  Variable p(zeros({1}), true);
  SGD opt(std::vector<Variable>{p}, SGDOptions{1.0});
  CosineWarmupLR s(opt, 2, 6, 0.1);
  std::vector<double> got;
  for (int t = 0; t <= 7; ++t) got.push_back(opt.param_groups()[0].lr), s.step();
  const std::vector<double> want = {0.0, 0.5, 1.0, 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI / 4)), 0.55,
                                    0.1 + 0.9 * 0.5 * (1 + std::cos(3 * M_PI / 4)), 0.1, 0.1};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << i;
  SGD opt2(std::vector<Variable>{p}, SGDOptions{2e-4});
  ConstantLR c(opt2);
  for (int t = 0; t < 3; ++t) c.step();
  EXPECT_EQ(opt2.param_groups()[0].lr, 2e-4);
}

TEST(Clip, ByNormAndByValue) {
  Variable a(zeros({2}), true);
  a.set_grad(tensor({3, 4}));
  EXPECT_NEAR(clip_grad_norm_({a}, 1.0), 5.0, 1e-6);
  EXPECT_TRUE(tensors_close(a.grad(), tensor({0.6, 0.8}), 1e-5, 1e-6));
  EXPECT_NEAR(clip_grad_norm_({a}, 10.0), 1.0, 1e-5);  // below the limit: unchanged
  EXPECT_TRUE(tensors_close(a.grad(), tensor({0.6, 0.8}), 1e-5, 1e-6));
  a.set_grad(tensor({-3, 4}));
  EXPECT_NEAR(clip_grad_norm_({a}, 2.0, INFINITY), 4.0, 1e-6);
  EXPECT_TRUE(tensors_close(a.grad(), tensor({-1.5, 2.0}), 1e-5, 1e-6));
  a.set_grad(tensor({-3, 0.5}));
  clip_grad_value_({a}, 1.0);
  EXPECT_TRUE(tensors_close(a.grad(), tensor({-1, 0.5}), 0, 0));
}

// Two half-batches with the loss halved accumulate the full batch's gradient (backward adds into
// .grad), which is how a large effective batch fits in memory.
TEST(GradAccumulation, MicroBatchesSumToTheFullBatch) {
  const Tensor X = fixture("optim", "X"), Y = fixture("optim", "Y");
  auto m = small_model();
  cross_entropy(m->forward(Variable(X)), Y).backward();
  const Tensor full = m->parameters()[0].grad().clone();
  m->zero_grad();
  for (int half = 0; half < 2; ++half) {
    const Tensor xs = X.narrow(0, half * 8, 8), ys = Y.narrow(0, half * 8, 8);
    mul(cross_entropy(m->forward(Variable(xs)), ys), 0.5).backward();
  }
  EXPECT_TRUE(tensors_close(m->parameters()[0].grad(), full, 1e-5, 1e-7));
}

}  // namespace
}  // namespace ag::test
