// test_tagging_eval.cpp: multi-label evaluation. average_precision against hand-worked rankings
// (scikit-learn's definition, ties as one threshold), the tagged-CSV reader, and `audiograd eval
// --dataset tags` on the converted PANNs tagger: its mAP equals the metric computed from
// `predict --logits` on the same files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "apps/audiograd/json.hpp"
#include "apps/audiograd/results.hpp"
#include "audio/dataset.hpp"
#include "audio/decode.hpp"
#include "tensor/error.hpp"
#include "tensor/io.hpp"
#include "tests/apps/app_runner.hpp"

namespace {

using ag::app::average_precision;
namespace fs = std::filesystem;

TEST(AveragePrecision, HandWorkedRankings) {
  // Ranked: +, -, +, -: precision 1 at recall 1/2, 2/3 at recall 1 -> (1 + 2/3) / 2.
  EXPECT_NEAR(average_precision({0.9f, 0.8f, 0.7f, 0.6f}, {true, false, true, false}), (1 + 2.0 / 3) / 2, 1e-12);
  // Order of the input does not matter, only the ranking.
  EXPECT_NEAR(average_precision({0.6f, 0.7f, 0.8f, 0.9f}, {false, true, false, true}), (1 + 2.0 / 3) / 2, 1e-12);
  // A perfect ranking is 1; the positives last of four, 1/2 x (1/3 + 2/4)... (recall 1/2 at 1/3, 1 at 2/4).
  EXPECT_DOUBLE_EQ(average_precision({3, 2, 1}, {true, true, false}), 1.0);
  EXPECT_NEAR(average_precision({4, 3, 2, 1}, {false, false, true, true}), 0.5 * (1.0 / 3) + 0.5 * (2.0 / 4), 1e-12);
  // Ties are one threshold: {+, -} tied at 0.5 give precision 1/2 at recall 1/2, then 2/3 at 1.
  EXPECT_NEAR(average_precision({0.5f, 0.5f, 0.2f}, {true, false, true}), 0.5 * 0.5 + 0.5 * (2.0 / 3), 1e-12);
  EXPECT_EQ(average_precision({0.1f, 0.2f}, {false, false}), -1);  // no positives: undefined
}

TEST(AveragePrecision, MismatchedSizesThrow) {
  EXPECT_THROW(average_precision({0.1f, 0.2f}, {true}), ag::ValueError);
  EXPECT_THROW(ag::app::tagging_metrics({0.1f, 0.2f, 0.3f}, 2, {{0}, {1}}), ag::ValueError);
}

TEST(TaggingMetrics, MeanOverClassesWithClips) {
  // 3 clips x 3 classes; class 2 is held by no clip and left out of the mean.
  const std::vector<float> s = {0.9f, 0.1f, 0.5f,   // clip 0: tags {0}
                                0.2f, 0.8f, 0.5f,   // clip 1: tags {0, 1}
                                0.3f, 0.7f, 0.5f};  // clip 2: tags {1}
  const auto m = ag::app::tagging_metrics(s, 3, {{0}, {0, 1}, {1}});
  // Class 0: ranked 0.9 (+), 0.3 (-), 0.2 (+) -> (1 + 2/3) / 2. Class 1: 0.8 (+), 0.7 (+) -> 1.
  EXPECT_NEAR(m.ap[0], (1 + 2.0 / 3) / 2, 1e-12);
  EXPECT_NEAR(m.ap[1], 1.0, 1e-12);
  EXPECT_EQ(m.ap[2], -1);
  EXPECT_EQ(m.classes_with_clips, 2);
  EXPECT_NEAR(m.map, ((1 + 2.0 / 3) / 2 + 1) / 2, 1e-12);
}

std::string tmp(const std::string& name) { return ag::test::temp_path("audiograd_tags", name); }

TEST(TaggedCsv, LabelsByNameWithCommasAndFolds) {
  ag::audio::write_wav(tmp("a.wav"), std::vector<float>(1000, 0.1f), 1, 32000);
  ag::audio::write_wav(tmp("b.wav"), std::vector<float>(1000, 0.1f), 1, 32000);
  const std::vector<std::string> classes = {"Speech", "Male speech, man speaking", "Dog"};
  const std::string csv = tmp("labels.csv");
  const auto d = ag::audio::tagged_csv_from_text(
      "filename,labels,fold\n"
      "a.wav,\"Male speech, man speaking;Speech\",1\n"
      "b,Dog ; Dog,2\n",  // no extension: found as b.wav; a label twice counts once
      csv, classes);
  ASSERT_EQ(d.size(), 2);
  EXPECT_TRUE(d.multi_label());
  EXPECT_EQ(d[0].tags, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(d[0].label, 0);
  EXPECT_EQ(d[0].fold, 1);
  EXPECT_EQ(d[1].tags, (std::vector<int64_t>{2}));
  EXPECT_EQ(fs::path(d[1].path).filename(), "b.wav");
  EXPECT_EQ(d.with_folds({2}).size(), 1);
  EXPECT_EQ(d.with_folds({2})[0].tags, (std::vector<int64_t>{2}));
}

TEST(TaggedCsv, BadLinesNameTheFileLineAndLabel) {
  ag::audio::write_wav(tmp("a.wav"), std::vector<float>(1000, 0.1f), 1, 32000);
  const std::vector<std::string> classes = {"Speech", "Dog"};
  const std::string csv = tmp("labels.csv");
  auto message = [&](const std::string& text) {
    try {
      ag::audio::tagged_csv_from_text(text, csv, classes);
    } catch (const ag::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("filename,labels\na.wav,Speech\na.wav,Cat\n").find("labels.csv' line 3: label 'Cat' is not one of the model's 2 classes"),
            std::string::npos);
  EXPECT_NE(message("filename,labels\na.wav,;\n").find("line 2: no labels"), std::string::npos);
  EXPECT_NE(message("filename,tags\na.wav,Speech\n").find("has no column 'labels'"), std::string::npos);
  EXPECT_NE(message("filename,labels\nmissing.wav,Speech\n").find("missing.wav"), std::string::npos);
  EXPECT_THROW(ag::audio::tagged_csv_from_text("filename,labels\n", csv, {}), ag::ValueError);
}

const char* kTagger = "tests/fixtures/models/panns-cnn14-converted/weights.safetensors";

TEST(EvalTags, MapEqualsTheMetricOfPredictsLogits) {
  // Four 2 s clips with AudioSet labels; the converted tagger's mAP from eval must equal the one
  // computed from predict's logits for the same files (clip order, sigmoid, the metric all agree).
  std::vector<std::string> files;
  for (int k = 0; k < 4; ++k) {
    std::vector<float> x(2 * 32000);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(0.2 * std::sin(2 * M_PI * (100 + 300 * k) * i / 32000.0));
    files.push_back(tmp("clip" + std::to_string(k) + ".wav"));
    ag::audio::write_wav(files.back(), x, 1, 32000);
  }
  std::ofstream(tmp("eval.csv")) << "filename,labels\n"
                                 << "clip0.wav,Speech\n"
                                 << "clip1.wav,\"Speech;Male speech, man speaking\"\n"
                                 << "clip2.wav,Music\n"
                                 << "clip3.wav,Music;Dog\n";
  const std::string bin = AUDIOGRAD_BIN;
  auto e = ag::test::shell(bin + " eval --checkpoint " + kTagger + " --dataset tags --data " + tmp("eval.csv") +
                           " --clip-seconds 2 --threads 1 --json");
  ASSERT_EQ(e.status, 0) << e.out;
  const auto j = ag::app::Json::parse(e.out.substr(e.out.find('{')));
  EXPECT_EQ(j["clips"].get<int>(), 4);
  EXPECT_EQ(j["classes_with_clips"].get<int>(), 4);
  std::string list;
  for (const auto& f : files) list += " " + f;
  auto p = ag::test::shell(bin + " predict" + list + " --checkpoint " + kTagger + " --clip-seconds 2 --threads 1 --logits " + tmp("p.npy"));
  ASSERT_EQ(p.status, 0) << p.out;
  const std::vector<float> logits = ag::load_npy(tmp("p.npy")).to_vector<float>();
  ASSERT_EQ(logits.size(), 4u * 527u);
  std::vector<float> scores(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) scores[i] = static_cast<float>(1 / (1 + std::exp(-static_cast<double>(logits[i]))));
  // AudioSet order: Speech 0, Male speech 1, Music 137, Dog 74.
  const auto m = ag::app::tagging_metrics(scores, 527, {{0}, {0, 1}, {137}, {74, 137}});
  EXPECT_NEAR(j["mAP"].get<double>(), m.map, 1e-5);
  EXPECT_NEAR(j["per_class_ap"]["Music"].get<double>(), m.ap[137], 1e-5);
  // The text form says the same.
  auto t = ag::test::shell(bin + " eval --checkpoint " + kTagger + " --dataset tags --data " + tmp("eval.csv") + " --clip-seconds 2 --threads 1");
  ASSERT_EQ(t.status, 0) << t.out;
  EXPECT_NE(t.out.find("4 clips, mAP "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("over the 4 classes they hold"), std::string::npos) << t.out;
  // Without --data: one line naming the flag.
  auto bad = ag::test::shell(bin + " eval --checkpoint " + kTagger + " --dataset tags");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("--data names the CSV"), std::string::npos) << bad.out;
}

}  // namespace
