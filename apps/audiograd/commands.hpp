// commands.hpp: the subcommands of `audiograd` other than train.
#pragma once

#include <string>
#include <vector>

namespace ag::app {

struct EvalOptions {
  std::string checkpoint, dataset = "esc50", data, folds = "all";
  double clip_seconds = 0;  // 0: the checkpoint's audiograd.clip_seconds, else 5
  int batch_size = 32, threads = 2, workers = 1;
  bool json = false;
};
int run_eval(const EvalOptions& o);

struct PredictOptions {
  std::string checkpoint;
  std::vector<std::string> files;
  int top_k = 5, threads = 2;
  double threshold = 0;  // show only classes scoring at least this (a tagger's sigmoid, a classifier's probability)
  bool json = false;
  std::string logits_npy;
  double clip_seconds = 5.0;
};
int run_predict(const PredictOptions& o);

struct FeaturesOptions {
  std::vector<std::string> files;
  std::string frontend = "erann", dataset, data, out = "features";
  double clip_seconds = 5.0;
  int threads = 2;
};
int run_features(const FeaturesOptions& o);

struct EmbedOptions {
  std::string checkpoint, dataset = "esc50", data, out = "embeddings";
  double clip_seconds = 5.0;
  int batch_size = 32, threads = 2, workers = 1;
};
int run_embed(const EmbedOptions& o);

struct SummaryOptions {
  std::string model = "erann-2-2", activation = "relu";
  std::vector<std::string> blocks;  // --model blocks
  std::string res_block = "activation=gelu batch_first=true kernel_size=5,5 kernel_size_res=2,2", frontend = "survey";
  int64_t classes = 50;
  double seconds = 5.0;
};
int run_summary(const SummaryOptions& o);

struct ProbeOptions {
  std::string embeddings;  // directory written by `audiograd embed`
  std::string classifier = "linear";  // linear | mlp
  int epochs = 100, hidden = 256;
  double lr = 1e-3, weight_decay = 1e-4;
  std::string folds = "all";
  uint64_t seed = 0;
  int threads = 2;
  bool json = false;
};
int run_probe(const ProbeOptions& o);

}  // namespace ag::app
