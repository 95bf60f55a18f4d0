// From scores over time to events (audio/events.hpp): hysteresis, minimum duration, the median
// filter, online against all-at-once, and the options' errors.
#include <gtest/gtest.h>

#include "audio/events.hpp"
#include "tensor/error.hpp"

namespace ag::audio {
namespace {

// Steps of one second, one class; all events.
std::vector<SoundEvent> detect(const std::vector<float>& s, EventOptions o) {
  EventDetector d(1, o);
  std::vector<SoundEvent> all;
  for (size_t i = 0; i < s.size(); ++i)
    for (auto& e : d.push(double(i), double(i + 1), {s[i]})) all.push_back(e);
  for (auto& e : d.finish()) all.push_back(e);
  return all;
}

TEST(Events, ThresholdAndHysteresis) {
  const std::vector<float> s = {0.1f, 0.6f, 0.45f, 0.6f, 0.2f, 0.9f, 0.9f};
  // No hysteresis: 0.45 < 0.5 splits the first event in two; the last runs to the end.
  auto a = detect(s, {0.5, -1, 0, 1});
  ASSERT_EQ(a.size(), 3u);
  EXPECT_DOUBLE_EQ(a[0].onset, 1);
  EXPECT_DOUBLE_EQ(a[0].offset, 2);
  EXPECT_DOUBLE_EQ(a[1].onset, 3);
  EXPECT_DOUBLE_EQ(a[1].offset, 4);
  EXPECT_DOUBLE_EQ(a[2].onset, 5);
  EXPECT_DOUBLE_EQ(a[2].offset, 7);
  EXPECT_FLOAT_EQ(a[2].peak, 0.9f);
  // off 0.4: the dip to 0.45 stays inside one event of peak 0.6.
  auto b = detect(s, {0.5, 0.4, 0, 1});
  ASSERT_EQ(b.size(), 2u);
  EXPECT_DOUBLE_EQ(b[0].onset, 1);
  EXPECT_DOUBLE_EQ(b[0].offset, 4);
  EXPECT_FLOAT_EQ(b[0].peak, 0.6f);
}

TEST(Events, MinimumDurationDropsShortOnes) {
  auto a = detect({0.9f, 0.1f, 0.9f, 0.9f, 0.1f}, {0.5, -1, 1.5, 1});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_DOUBLE_EQ(a[0].onset, 2);
  EXPECT_DOUBLE_EQ(a[0].offset, 4);
}

TEST(Events, MedianFilterRemovesBlipsAndGaps) {
  // A one-step blip (step 1) and a one-step gap (step 5) vanish under a median of 3.
  const std::vector<float> s = {0.1f, 0.9f, 0.1f, 0.1f, 0.8f, 0.2f, 0.8f, 0.8f, 0.1f};
  auto a = detect(s, {0.5, -1, 0, 3});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_DOUBLE_EQ(a[0].onset, 5);
  EXPECT_DOUBLE_EQ(a[0].offset, 8);
  EXPECT_FLOAT_EQ(a[0].peak, 0.8f);  // the unfiltered peak inside the event
  // The online filter equals the all-at-once one: threshold median_filter's output by hand.
  std::vector<std::vector<float>> col;
  for (float v : s) col.push_back({v});
  auto m = median_filter(col, 3);
  std::vector<float> expect = {0.1f, 0.1f, 0.1f, 0.1f, 0.2f, 0.8f, 0.8f, 0.8f, 0.1f};
  // Past the ends the end step is repeated: step 0's window is {0.1, 0.1, 0.9}.
  for (size_t i = 0; i < s.size(); ++i) EXPECT_FLOAT_EQ(m[i][0], expect[i]) << i;
}

TEST(Events, SeveralClassesAndStreamingOrder) {
  EventDetector d(2, {0.5, -1, 0, 1});
  EXPECT_TRUE(d.push(0, 0.5, {0.9f, 0.1f}).empty());
  EXPECT_TRUE(d.push(0.5, 1.0, {0.9f, 0.7f}).empty());
  auto closed = d.push(1.0, 1.5, {0.1f, 0.7f});  // class 0 ends here, class 1 goes on
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].label, 0);
  EXPECT_DOUBLE_EQ(closed[0].offset, 1.0);
  auto rest = d.finish();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].label, 1);
  EXPECT_DOUBLE_EQ(rest[0].onset, 0.5);
  EXPECT_DOUBLE_EQ(rest[0].offset, 1.5);
}

TEST(Events, BadInput) {
  EXPECT_THROW(EventDetector(0, {}), ValueError);
  auto msg = [](EventOptions o) {
    try {
      o.validate();
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(msg({0, -1, 0, 1}).find("--on must be in (0, 1]"), std::string::npos);
  EXPECT_NE(msg({0.5, 0.7, 0, 1}).find("--off must be at most --on"), std::string::npos);
  EXPECT_NE(msg({0.5, -1, -1, 1}).find("--min-duration must be >= 0"), std::string::npos);
  EXPECT_NE(msg({0.5, -1, 0, 4}).find("--median must be an odd number"), std::string::npos);
  EventDetector d(2, {});
  EXPECT_THROW(d.push(0, 1, {0.5f}), ValueError);            // wrong class count
  d.push(0, 1, {0.5f, 0.5f});
  EXPECT_THROW(d.push(2, 3, {0.5f, 0.5f}), ValueError);      // a gap: steps must tile time
  EXPECT_THROW(d.push(1, 1, {0.5f, 0.5f}), ValueError);      // empty step
}

}  // namespace
}  // namespace ag::audio
