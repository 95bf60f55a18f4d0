// blocks.cpp: the model described as a list of blocks (see blocks.hpp).
#include "apps/models/blocks.hpp"

#include <sstream>

namespace ag::models {

namespace {

// "res 32 32" -> {"res", "32", "32"}; "pooling mode=avg flat=true" -> {"pooling", "mode=avg", ...}.
std::vector<std::string> words(const std::string& text) {
  std::istringstream is(text);
  std::vector<std::string> w;
  for (std::string s; is >> s;) w.push_back(s);
  return w;
}

// The options every res block shares (--res-block "activation=gelu batch_first=true
// kernel_size=5,5 kernel_size_res=2,2", the seed's model.res_block).
struct ResOptions {
  std::string activation = "gelu";
  bool batch_first = true;
  Size2 kernel{5, 5}, kernel_res{2, 2};
};

Size2 parse_pair(const std::string& key, const std::string& v) {
  const size_t comma = v.find_first_of(",x");
  try {
    if (comma == std::string::npos) return Size2(std::stoll(v), std::stoll(v));
    return Size2(std::stoll(v.substr(0, comma)), std::stoll(v.substr(comma + 1)));
  } catch (const std::exception&) {
    fail<ValueError>("--res-block: ", key, "=", v, " is not a kernel size such as 5,5");
  }
}

ResOptions parse_res_options(const std::string& text) {
  ResOptions o;
  for (const std::string& kv : words(text)) {
    const size_t eq = kv.find('=');
    const std::string key = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (key == "activation") o.activation = v;
    else if (key == "batch_first" && (v == "true" || v == "false")) o.batch_first = v == "true";
    else if (key == "kernel_size") o.kernel = parse_pair(key, v);
    else if (key == "kernel_size_res") o.kernel_res = parse_pair(key, v);
    else
      fail<ValueError>("--res-block: cannot read '", kv,
                       "' (expected activation=NAME, batch_first=true|false, kernel_size=KT,KF, kernel_size_res=KT,KF)");
  }
  try {
    nn::make_activation(o.activation);  // an unknown name fails here, listing the known ones
  } catch (const ValueError& e) {
    fail<ValueError>("--res-block: ", e.what());
  }
  return o;
}

// The seed's 'same' convolution: dilation 2 - (k mod 2) on both axes, from the first axis's kernel
// (utils/nn/blocks.py), and PyTorch's padding='same'. Even total padding only (symmetric).
std::shared_ptr<nn::Conv2d> same_conv(int64_t c_in, int64_t c_out, Size2 k, Generator& gen) {
  const int64_t d = 2 - k.h % 2;
  const int64_t th = d * (k.h - 1), tw = d * (k.w - 1);
  if (th % 2 || tw % 2)
    fail<ValueError>("res: kernel (", k.h, ", ", k.w, ") with dilation ", d, " needs asymmetric 'same' padding, which is not supported");
  nn::Conv2dOptions o;
  o.dilation = d;
  o.padding = Size2(th / 2, tw / 2);
  return std::make_shared<nn::Conv2d>(c_in, c_out, k, o, &gen);
}

class ResBlock : public nn::Module {
 public:
  ResBlock(int64_t c_in, int64_t c_emb, int64_t c_out, const ResOptions& o, Generator& gen)
      : nn::Module("ResBlock"), batch_first_(o.batch_first) {
    bn1_ = register_module("batchnorm_1", std::make_shared<nn::BatchNorm2d>(c_in));
    bn2_ = register_module("batchnorm_2", std::make_shared<nn::BatchNorm2d>(c_emb));
    conv1_ = register_module("conv1", same_conv(c_in, c_emb, o.kernel, gen));
    conv2_ = register_module("conv2", same_conv(c_emb, c_out, o.kernel, gen));
    res_ = register_module("conv_res", same_conv(c_in, c_out, o.kernel_res, gen));
    act_ = register_module("act", nn::make_activation(o.activation));
  }

 protected:
  Variable forward_impl(const Variable& x) override {
    Variable h = batch_first_ ? act_->forward(bn1_->forward(x)) : bn1_->forward(act_->forward(x));
    Variable res = res_->forward(h);
    h = conv1_->forward(h);
    h = batch_first_ ? act_->forward(bn2_->forward(h)) : bn2_->forward(act_->forward(h));
    return add(conv2_->forward(h), res);
  }

 private:
  bool batch_first_;
  std::shared_ptr<nn::BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<nn::Conv2d> conv1_, conv2_, res_;
  std::shared_ptr<nn::Module> act_;
};

// DropBlock on (B, C, T, F), the seed's spec.DropBlock2D: with probability p, a mask (B, T, F) of
// Bernoulli(gamma) seeds grown to bt x bf blocks (max pooling), the same for every channel, and
// the kept values scaled by numel / kept. (The seed crops even block sizes on swapped axes; here
// each axis is cropped by its own size. An all-dropped mask leaves zeros rather than NaN.)
class DropBlock : public nn::Module {
 public:
  DropBlock(double p, double rate, Size2 block, std::shared_ptr<Generator> gen)
      : nn::Module("DropBlock2D"), p_(p), rate_(rate), block_(block), gen_(std::move(gen)) {}
  std::string extra_repr() const override {
    return "p=" + std::to_string(p_) + ", drop_prob=" + std::to_string(rate_) + ", block=(" + std::to_string(block_.h) + ", " +
           std::to_string(block_.w) + ")";
  }

 protected:
  Variable forward_impl(const Variable& x) override {
    if (x.dim() != 4) fail<ShapeError>("drop: expected (B, C, T, F), got ", shape_str(x.shape()));
    if (!is_training() || gen_->uniform() > p_ || rate_ == 0) return x;
    const int64_t B = x.size(0), T = x.size(2), F = x.size(3);
    const double gamma = rate_ / ((block_.h + block_.w) / 2.0 * (block_.h + block_.w) / 2.0);
    Tensor seeds = lt(rand({B, 1, T, F}, DType::Float32, gen_.get()), gamma).to(DType::Float32);
    Tensor grown = max_pool2d(Variable(seeds), block_, Size2(1, 1), Size2(block_.h / 2, block_.w / 2)).data();
    grown = grown.narrow(2, 0, T).narrow(3, 0, F);  // even sizes give one extra row / column
    Tensor keep = 1.0 - grown;                        // (B, 1, T, F)
    const double kept = ag::sum(keep).item<double>();
    const double scale = kept > 0 ? static_cast<double>(keep.numel()) / kept : 0.0;
    return mul(x, Variable(keep.to(x.dtype()) * scale));
  }

 private:
  double p_, rate_;
  Size2 block_;
  std::shared_ptr<Generator> gen_;
};

class ChannelDropout : public nn::Module {
 public:
  ChannelDropout(double r, std::shared_ptr<Generator> gen) : nn::Module("Dropout2d"), r_(r), gen_(std::move(gen)) {}
  std::string extra_repr() const override { return "p=" + std::to_string(r_); }

 protected:
  Variable forward_impl(const Variable& x) override { return dropout2d(x, r_, is_training(), gen_.get()); }

 private:
  double r_;
  std::shared_ptr<Generator> gen_;
};

// The seed's GlobalPooling (utils/nn/blocks.py).
class GlobalPooling : public nn::Module {
 public:
  GlobalPooling(std::string mode, bool flat) : nn::Module("GlobalPooling"), mode_(std::move(mode)), flat_(flat) {}
  std::string extra_repr() const override { return "mode=" + mode_ + ", flat=" + (flat_ ? "true" : "false"); }

 protected:
  Variable forward_impl(const Variable& input) override {
    Variable x = input;
    if (flat_) {
      if (x.dim() != 4) fail<ShapeError>("pooling flat=true: expected (B, C, T, F), got ", shape_str(x.shape()));
      const int64_t B = x.size(0), C = x.size(1), T = x.size(2), F = x.size(3);
      x = transpose(reshape(transpose(x, 2, 3), {B, C * F, T}), 1, 2);  // (B, T, C F), index c F + f
    }
    if (x.dim() != 3 && x.dim() != 4) fail<ShapeError>("pooling: expected a 3-d or 4-d input, got ", shape_str(x.shape()));
    auto avg = [&] { return x.dim() == 4 ? mean(x, {1, 2}) : mean(x, {1}); };
    auto mx = [&] { return x.dim() == 4 ? max(max(x, 1).values, 1).values : max(x, 1).values; };
    if (mode_ == "avg") return avg();
    if (mode_ == "max") return mx();
    if (mode_ == "sum") return add(avg(), mx());
    return mul(avg(), mx());  // "mul"
  }

 private:
  std::string mode_;
  bool flat_;
};

// Every parameter of a block: numbers, or key=value for pooling.
double number(const std::vector<std::string>& w, size_t i, const std::string& block) {
  try {
    size_t used = 0;
    const double v = std::stod(w.at(i), &used);
    if (used != w[i].size()) throw std::invalid_argument(w[i]);
    return v;
  } catch (const std::exception&) {
    fail<ValueError>("'", block, "': argument ", i, " must be a number");
  }
}

int64_t count(const std::vector<std::string>& w, size_t i, const std::string& block) {
  const double v = number(w, i, block);
  if (v < 1 || v != static_cast<double>(static_cast<int64_t>(v))) fail<ValueError>("'", block, "': argument ", i, " must be a positive integer");
  return static_cast<int64_t>(v);
}

double probability(const std::vector<std::string>& w, size_t i, const std::string& block) {
  const double v = number(w, i, block);
  if (v < 0 || v > 1) fail<ValueError>("'", block, "': argument ", i, " must be a probability in [0, 1]");
  return v;
}

// One block from its words; `shape` is its input's shape from the dry pass.
std::shared_ptr<nn::Module> make_block(const std::vector<std::string>& w, const std::string& text, const Shape& shape,
                                       const ResOptions& res, Generator& init, const std::shared_ptr<Generator>& gen) {
  const std::string& kind = w[0];
  auto expect_args = [&](size_t n, const char* usage) {
    if (w.size() != n + 1) fail<ValueError>("'", text, "': expected ", usage);
  };
  if (kind == "res") {
    expect_args(2, "res C_EMB C_OUT");
    if (shape.size() != 4) fail<ValueError>("'", text, "': a res block needs a (B, C, T, F) input, here ", shape_str(shape));
    return std::make_shared<ResBlock>(shape[1], count(w, 1, text), count(w, 2, text), res, init);
  }
  if (kind == "max_pool") {
    expect_args(2, "max_pool KERNEL STRIDE (along time)");
    const int64_t k = count(w, 1, text), s = count(w, 2, text);
    if (shape.size() != 4 || shape[2] < k) fail<ValueError>("'", text, "': needs a (B, C, T, F) input with T >= ", k, ", here ", shape_str(shape));
    return std::make_shared<nn::MaxPool2d>(Size2(k, 1), Size2(s, 1));
  }
  if (kind == "drop") {
    expect_args(4, "drop P DROP_PROB BLOCK_T BLOCK_F");
    if (shape.size() != 4) fail<ValueError>("'", text, "': DropBlock needs a (B, C, T, F) input, here ", shape_str(shape));
    return std::make_shared<DropBlock>(probability(w, 1, text), probability(w, 2, text), Size2(count(w, 3, text), count(w, 4, text)), gen);
  }
  if (kind == "dropout") {
    expect_args(1, "dropout RATE");
    if (shape.size() < 3) fail<ValueError>("'", text, "': Dropout2d needs a (B, C, *) input, here ", shape_str(shape));
    return std::make_shared<ChannelDropout>(probability(w, 1, text), gen);
  }
  if (kind == "activation") {
    expect_args(1, "activation NAME");
    if (w[1] == "swiglu" && shape.back() % 2) fail<ValueError>("'", text, "': swiglu halves the last axis, here odd: ", shape_str(shape));
    return nn::make_activation(w[1]);
  }
  if (kind == "pooling") {
    std::string mode = "avg";
    bool flat = false;
    for (size_t i = 1; i < w.size(); ++i) {
      const size_t eq = w[i].find('=');
      const std::string key = w[i].substr(0, eq), v = eq == std::string::npos ? "" : w[i].substr(eq + 1);
      if (key == "mode" && (v == "avg" || v == "max" || v == "sum" || v == "mul")) mode = v;
      else if (key == "flat" && (v == "true" || v == "false")) flat = v == "true";
      else fail<ValueError>("'", text, "': cannot read '", w[i], "' (expected mode=avg|max|sum|mul, flat=true|false)");
    }
    return std::make_shared<GlobalPooling>(mode, flat);
  }
  if (kind == "fc") {
    expect_args(1, "fc OUT_FEATURES");
    return std::make_shared<nn::Linear>(shape.back(), count(w, 1, text), true, &init);
  }
  fail<ValueError>("'", text, "': unknown block '", kind, "' (expected res, max_pool, drop, dropout, activation, pooling or fc)");
}

}  // namespace

BlocksModel::BlocksModel(const ModelOptions& options)
    : AudioModel("BlocksModel"),
      frontend_(audio::FrontendConfig::preset(options.frontend.empty() ? "survey" : options.frontend)),
      num_classes_(options.num_classes),
      gen_(std::make_shared<Generator>(options.seed ^ 0xb10c5u)) {
  if (options.num_classes < 1) fail<ValueError>("blocks: num_classes must be positive, got ", options.num_classes);
  if (options.blocks.empty()) fail<ValueError>("--model blocks needs its layers: --blocks 'res 32 32' 'max_pool 2 2' ... (see docs/16_blocks.md)");
  const ResOptions res = parse_res_options(options.res_block);
  blocks_ = register_module("blocks", std::make_shared<nn::Module>("ModuleList"));
  Generator init(options.seed);
  // The dry pass: each block is built for, then run on, the previous one's output shape.
  NoGradGuard no_grad;
  Variable probe(zeros({1, 1, 256, frontend_.n_mels}));
  for (size_t i = 0; i < options.blocks.size(); ++i) {
    const std::string& text = options.blocks[i];
    const std::vector<std::string> w = words(text);
    std::shared_ptr<nn::Module> block;
    try {
      if (w.empty()) fail<ValueError>("an empty block");
      block = make_block(w, text, probe.shape(), res, init, gen_);
      block->eval();
      probe = block->forward(probe);
    } catch (const Error& e) {
      fail<ValueError>("--blocks: block ", i + 1, " ", e.what());
    }
    blocks_->register_module(std::to_string(i), block);
    layers_.push_back(block);
  }
  body_ = options.blocks.size();
  if (probe.dim() != 2)
    fail<ValueError>("--blocks: the last block gives ", shape_str(probe.shape()), "; end with a pooling (or fc) block that gives (B, E)");
  embedding_size_ = probe.size(1);
  layers_.push_back(blocks_->register_module(std::to_string(body_), std::make_shared<nn::Linear>(embedding_size_, num_classes_, true, &init)));
  train();
}

Variable BlocksModel::embed(const Variable& x) {
  if (x.dim() != 4 || x.size(1) != 1 || x.size(3) != frontend_.n_mels)
    fail<ShapeError>("blocks: expected a log-mel batch (B, 1, T, ", frontend_.n_mels, "), got ", shape_str(x.shape()));
  Variable h = x;
  for (size_t i = 0; i < body_; ++i) h = layers_[i]->forward(h);
  return h;
}

Variable BlocksModel::forward_impl(const Variable& x) { return layers_[body_]->forward(embed(x)); }

void BlocksModel::replace_head(int64_t n, uint64_t seed) {
  if (n < 1) fail<ValueError>("blocks: replace_head needs n >= 1, got ", n);
  Generator gen(seed);
  layers_[body_] = blocks_->replace_module(std::to_string(body_), std::make_shared<nn::Linear>(embedding_size_, n, true, &gen));
  num_classes_ = n;
}

std::vector<std::string> BlocksModel::stage_names() const {
  std::vector<std::string> s;
  for (size_t i = 0; i < body_; ++i) s.push_back("blocks." + std::to_string(i) + ".");
  return s;
}

}  // namespace ag::models
