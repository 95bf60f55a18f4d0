// checkpoints.cpp: see checkpoints.hpp.
#include "apps/audiograd/checkpoints.hpp"

#include <cstdio>

#include "apps/audiograd/distributed.hpp"
#include "apps/audiograd/text.hpp"

namespace ag::app {

namespace {

// What a checkpoint's metadata says about the model it holds: classes, activation and, for
// reduced-width models, the base channel count; the rest of `o` is kept.
models::ModelOptions checkpoint_model_options(const nn::Metadata& m, const std::string& checkpoint, models::ModelOptions o) {
  o.num_classes = std::stoll(metadata_value(m, "audiograd.num_classes", checkpoint));
  auto act = m.find("audiograd.activation");
  if (act != m.end()) o.activation = act->second;
  auto blocks = m.find("audiograd.blocks");  // --model blocks: its layers, one per line
  if (blocks != m.end()) {
    o.blocks = split(blocks->second, '\n');
    o.res_block = metadata_value(m, "audiograd.res_block", checkpoint);
    o.frontend = metadata_value(m, "audiograd.frontend_preset", checkpoint);
  }
  auto bc = m.find("audiograd.base_channels");
  if (bc != m.end()) {
    try {
      o.base_channels = std::stoll(bc->second);
    } catch (const std::exception&) {
      fail<ValueError>(checkpoint, ": audiograd.base_channels is '", bc->second, "', not a number");
    }
  }
  return o;
}

// The model `name` built with `o`, loaded (non-strict) from st. A checkpoint saved after a head
// replacement holds fc_transfer.*, so that head is made before loading.
std::shared_ptr<models::AudioModel> build_and_load(const std::string& name, const models::ModelOptions& o, const nn::SafeTensors& st,
                                                   nn::LoadReport* report) {
  auto model = models::build_model(name, o);
  if (st.tensors.contains("fc_transfer.weight")) model->replace_head(o.num_classes, 0);
  *report = model->load_state_dict(st.tensors, /*strict=*/false);
  return model;
}

}  // namespace

nn::Metadata model_metadata(const TrainConfig& c, const models::AudioModel& model, const std::vector<std::string>& classes,
                            int64_t base_channels) {
  nn::Metadata m{{"format", "audiograd"},
                 {"audiograd.model", c.model},
                 {"audiograd.num_classes", std::to_string(model.num_classes())},
                 {"audiograd.class_names", join(classes, "\n")},
                 {"audiograd.activation", c.activation},
                 {"audiograd.frontend", model.frontend().key()},
                 {"audiograd.clip_seconds", std::to_string(c.clip_seconds)},
                 {"audiograd.dataset", c.dataset},
                 {"audiograd.task", "classification"}};  // trained with a softmax cross-entropy
  if (c.ema > 0) m["audiograd.weights"] = "exponential moving average, decay " + std::to_string(c.ema);  // --ema
  if (base_channels > 0) m["audiograd.base_channels"] = std::to_string(base_channels);  // a reduced-width model
  if (!c.blocks.empty()) {  // --model blocks: what rebuilds it
    m["audiograd.blocks"] = join(c.blocks, "\n");
    m["audiograd.res_block"] = c.res_block;
    m["audiograd.frontend_preset"] = c.frontend;
  }
  return m;
}

std::string metadata_value(const nn::Metadata& m, const std::string& key, const std::string& what) {
  auto it = m.find(key);
  if (it == m.end()) fail<ValueError>(what, ": not an audiograd model checkpoint (no '", key, "' in its metadata)");
  return it->second;
}

Task checkpoint_task(const nn::Metadata& m, const std::string& checkpoint) {
  auto it = m.find("audiograd.task");
  if (it == m.end() || it->second == "classification") return Task::Classification;
  if (it->second == "tagging") return Task::Tagging;
  fail<ValueError>(checkpoint, ": audiograd.task is '", it->second, "', expected classification or tagging");
}

std::shared_ptr<models::AudioModel> load_model(const std::string& checkpoint, std::vector<std::string>* class_names, Task* task,
                                               nn::Metadata* metadata) {
  nn::SafeTensors st = nn::load_safetensors(checkpoint);
  if (task) *task = checkpoint_task(st.metadata, checkpoint);
  if (metadata) *metadata = st.metadata;
  std::string name = metadata_value(st.metadata, "audiograd.model", checkpoint);
  models::ModelOptions o = checkpoint_model_options(st.metadata, checkpoint, {});
  nn::LoadReport rep;
  auto model = build_and_load(name, o, st, &rep);
  if (!rep.ok()) fail<ValueError>(checkpoint, ": does not match model ", name, ": ", rep.to_string());
  if (class_names) {
    auto cn = st.metadata.find("audiograd.class_names");
    *class_names = cn == st.metadata.end() ? std::vector<std::string>{} : split(cn->second, '\n');
    while (static_cast<int64_t>(class_names->size()) < o.num_classes) class_names->push_back("class" + std::to_string(class_names->size()));
  }
  return model;
}

std::shared_ptr<models::AudioModel> load_pretrained(const TrainConfig& c, models::ModelOptions& options, uint64_t head_seed,
                                                    bool* new_head) {
  nn::SafeTensors st = nn::load_safetensors(c.pretrained);
  std::string pm = metadata_value(st.metadata, "audiograd.model", c.pretrained);
  if (pm != c.model) fail<ValueError>("--pretrained ", c.pretrained, " holds a ", pm, " model, but --model is ", c.model);
  models::ModelOptions po = checkpoint_model_options(st.metadata, c.pretrained, options);
  options.base_channels = po.base_channels;
  nn::LoadReport rep;
  auto model = build_and_load(c.model, po, st, &rep);
  if (is_main_rank())
    std::fprintf(stderr, "pretrained: loaded %zu tensors from %s%s%s\n", rep.loaded.size(), c.pretrained.c_str(), rep.ok() ? "" : "; ",
                 rep.ok() ? "" : rep.to_string().c_str());
  if (rep.loaded.empty()) fail<ValueError>("--pretrained ", c.pretrained, ": no tensor matched the model");
  const bool replace = po.num_classes != options.num_classes || c.transfer != "finetune";
  if (new_head) *new_head = replace;
  if (replace) {
    model->replace_head(options.num_classes, head_seed);
    if (is_main_rank())
      std::fprintf(stderr, "pretrained: new head %s with %ld classes\n", model->head_prefix().c_str(), static_cast<long>(options.num_classes));
  }
  return model;
}

}  // namespace ag::app
