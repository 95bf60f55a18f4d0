// test_tag_picture.cpp: the pieces of `tag --html` (apps/audiograd/tag_picture.hpp): the bounded
// timeline's pooling, the PNG and base64 encoders (decoded back with zlib), and the page.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "apps/audiograd/svg.hpp"
#include "apps/audiograd/tag_picture.hpp"
#include "tensor/error.hpp"

namespace {

using ag::app::Timeline;

std::vector<float> column(const Timeline& t, int64_t c) { return std::vector<float>(t.column(c), t.column(c) + t.rows()); }

TEST(Timeline, MergesPairsByMeanOrMaxAndDoublesDt) {
  Timeline mean(1, Timeline::Pool::Mean, /*max_columns=*/2, /*dt=*/1.0), mx(1, Timeline::Pool::Max, 2, 1.0);
  for (int t = 0; t < 4; ++t) {
    const float v = static_cast<float>(t);
    mean.add(t, t, &v);
    mx.add(t, t, &v);
  }
  EXPECT_EQ(mean.columns(), 4);  // 2 x max_columns fit
  EXPECT_DOUBLE_EQ(mean.dt(), 1.0);
  const float v = 4;
  mean.add(4, 4, &v);  // a fifth column: pairs merge, dt doubles
  mx.add(4, 4, &v);
  EXPECT_DOUBLE_EQ(mean.dt(), 2.0);
  ASSERT_EQ(mean.columns(), 3);
  EXPECT_EQ(column(mean, 0), std::vector<float>{0.5f});
  EXPECT_EQ(column(mean, 1), std::vector<float>{2.5f});
  EXPECT_EQ(column(mean, 2), std::vector<float>{4.0f});
  EXPECT_EQ(column(mx, 0), std::vector<float>{1.0f});
  EXPECT_EQ(column(mx, 1), std::vector<float>{3.0f});
  // A column with one value and one merged from two keep their counts: 0, 1 then 2 -> (0+1+2)/3.
  const float w = 2;
  mean.add(0.5, 0.5, &w);
  EXPECT_FLOAT_EQ(column(mean, 0)[0], 1.0f);
}

TEST(Timeline, ARangeFillsEveryColumnItOverlapsAndGridTimesTheirOwn) {
  Timeline t(2, Timeline::Pool::Max, 100, 0.01);
  const float a[2] = {1, 2};
  t.add(0.005, 0.025, a);  // columns 0, 1, 2
  EXPECT_TRUE(t.filled(0) && t.filled(1) && t.filled(2));
  EXPECT_FALSE(t.filled(3));
  const float b[2] = {5, 0};
  t.add(0.03, 0.03, b);  // 0.03 / 0.01 is 2.9999...: still column 3
  EXPECT_TRUE(t.filled(3));
  EXPECT_EQ(column(t, 3), (std::vector<float>{5, 0}));
  EXPECT_EQ(column(t, 2), (std::vector<float>{1, 2}));
}

TEST(Timeline, StaysBoundedOverAnHourOf10msFrames) {
  Timeline t(3, Timeline::Pool::Mean, 1000, 0.01);
  const float v[3] = {1, 2, 3};
  for (int64_t f = 0; f < 360000; ++f) t.add(f * 0.01, f * 0.01, v);
  EXPECT_LE(t.columns(), 2000);
  EXPECT_GE(t.columns(), 1000);
  EXPECT_NEAR(t.columns() * t.dt(), 3600.0, 2 * t.dt());
  for (int64_t c = 0; c < t.columns(); c += 111) EXPECT_EQ(column(t, c), (std::vector<float>{1, 2, 3}));
}

TEST(Timeline, BadArgumentsThrow) {
  EXPECT_THROW(Timeline(0, Timeline::Pool::Mean, 10, 0.01), ag::ValueError);
  EXPECT_THROW(Timeline(1, Timeline::Pool::Mean, 0, 0.01), ag::ValueError);
  EXPECT_THROW(Timeline(1, Timeline::Pool::Mean, 10, 0), ag::ValueError);
}

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) | (uint32_t(uint8_t(s[at + 2])) << 8) | uint8_t(s[at + 3]);
}

TEST(Png, DecodesBackToThePixels) {
  const int w = 5, h = 3;
  std::vector<uint8_t> rgb(w * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 37 + 11);
  const std::string png = ag::app::png_rgb(w, h, rgb);
  ASSERT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // Chunks: length, type, data, CRC of type + data.
  size_t at = 8;
  std::string types, idat;
  while (at < png.size()) {
    const uint32_t len = be32(png, at);
    const std::string body = png.substr(at + 4, 4 + len);
    EXPECT_EQ(be32(png, at + 8 + len), static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), body.size()))) << body.substr(0, 4);
    types += body.substr(0, 4) + " ";
    if (body.substr(0, 4) == "IHDR") {
      EXPECT_EQ(be32(body, 4), static_cast<uint32_t>(w));
      EXPECT_EQ(be32(body, 8), static_cast<uint32_t>(h));
      EXPECT_EQ(body[12], 8);  // bit depth
      EXPECT_EQ(body[13], 2);  // RGB
    }
    if (body.substr(0, 4) == "IDAT") idat += body.substr(4);
    at += 12 + len;
  }
  EXPECT_EQ(types, "IHDR IDAT IEND ");
  std::vector<uint8_t> raw(h * (1 + 3 * w));
  uLongf size = raw.size();
  ASSERT_EQ(uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()), Z_OK);
  ASSERT_EQ(size, raw.size());
  for (int y = 0; y < h; ++y) {
    EXPECT_EQ(raw[y * (1 + 3 * w)], 0);  // filter: none
    for (int i = 0; i < 3 * w; ++i) EXPECT_EQ(raw[y * (1 + 3 * w) + 1 + i], rgb[y * 3 * w + i]);
  }
}

TEST(Png, WrongSizeThrows) {
  EXPECT_THROW(ag::app::png_rgb(2, 2, std::vector<uint8_t>(11)), ag::ValueError);
  EXPECT_THROW(ag::app::png_rgb(0, 2, {}), ag::ValueError);
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(ag::app::base64(""), "");
  EXPECT_EQ(ag::app::base64("f"), "Zg==");
  EXPECT_EQ(ag::app::base64("fo"), "Zm8=");
  EXPECT_EQ(ag::app::base64("foo"), "Zm9v");
  EXPECT_EQ(ag::app::base64("foob"), "Zm9vYg==");
  EXPECT_EQ(ag::app::base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(ag::app::base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(ag::app::base64(std::string("\xff\xfe", 2)), "//4=");
}

TEST(Viridis, EndsAndMiddle) {
  EXPECT_EQ(ag::app::viridis(0), (std::array<uint8_t, 3>{68, 1, 84}));
  EXPECT_EQ(ag::app::viridis(1), (std::array<uint8_t, 3>{253, 231, 37}));
  EXPECT_EQ(ag::app::viridis(-3), ag::app::viridis(0));
  EXPECT_EQ(ag::app::viridis(7), ag::app::viridis(1));
  EXPECT_EQ(ag::app::viridis(0.5), (std::array<uint8_t, 3>{35, 144, 140}));  // halfway between its 5th and 6th colours
}

TEST(TagPicture, PageHoldsTheFigureTheLegendAndTheTables) {
  ag::app::TagPicture p(4, 3);
  const float mel[4] = {-80, -40, -20, 0};
  for (int f = 0; f < 300; ++f) p.add_frame(f * 0.01, mel);
  const float sc[3] = {0.9f, 0.1f, 0.4f};
  p.add_scores(0, 3, sc);
  std::vector<std::string> classes = {"Dog <bark>", "Rain & wind", "Speech"};
  std::vector<ag::audio::SoundEvent> events(2);
  events[0].onset = 0, events[0].offset = 3, events[0].label = 0, events[0].peak = 0.9;
  events[1].onset = 1, events[1].offset = 2, events[1].label = 2, events[1].peak = 0.4;
  ag::app::TagPictureText text;
  text.title = "a<b>.wav";
  const std::string h = p.html(text, classes, {0, 2}, {0.9f, 0.1f, 0.4f}, {0.5f, 0.1f, 0.2f}, events, 3.0);
  EXPECT_NE(h.find("<title>a&lt;b&gt;.wav - audiograd tag</title>"), std::string::npos);
  EXPECT_NE(h.find("href=\"data:image/png;base64,iVBORw0KGgo"), std::string::npos);  // the PNG signature
  EXPECT_NE(h.find(">Dog &lt;bark&gt;</text>"), std::string::npos);                   // legend
  EXPECT_NE(h.find(">Speech</text>"), std::string::npos);
  EXPECT_EQ(h.find(">Rain &amp; wind</text>"), std::string::npos);  // not among the top classes drawn
  EXPECT_NE(h.find("<h3>2 events</h3>"), std::string::npos);
  EXPECT_NE(h.find("<td>Speech</td><td class=\"n\">0.4</td>"), std::string::npos);
  EXPECT_EQ(std::count(h.begin(), h.end(), '\n') > 10, true);
  // Two polylines, one per drawn class, and the score 0.9 at y = 20 + 200 + 25 + 200 (1 - 0.9).
  size_t lines = 0;
  for (size_t at = h.find("<polyline"); at != std::string::npos; at = h.find("<polyline", at + 1)) ++lines;
  EXPECT_EQ(lines, 2u);
  EXPECT_NE(h.find(",265 "), std::string::npos);
}

}  // namespace
