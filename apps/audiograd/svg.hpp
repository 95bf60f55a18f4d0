// svg.hpp: what the app's HTML pictures share (report.html's charts, tag --html's figure): text
// escaped for HTML, the line colours, and the viridis colour map for images.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>

namespace ag::app {

inline std::string html_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '<') o += "&lt;";
    else if (ch == '>') o += "&gt;";
    else if (ch == '&') o += "&amp;";
    else if (ch == '"') o += "&quot;";
    else o += ch;
  }
  return o;
}

// Line colours, matplotlib's "tab10" order.
inline const char* line_color(size_t i) {
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
  return colors[i % 10];
}

// matplotlib's viridis at v in [0, 1] (clamped), as RGB: linear between its colours at
// 0, 1/9, ..., 1.
inline std::array<uint8_t, 3> viridis(double v) {
  static const uint8_t stops[10][3] = {{68, 1, 84},    {72, 40, 120},   {62, 74, 137},   {49, 104, 142}, {38, 130, 142},
                                       {31, 158, 137}, {53, 183, 121},  {109, 205, 89},  {180, 222, 44}, {253, 231, 37}};
  if (!(v > 0)) v = 0;  // NaN too
  v = std::min(v, 1.0) * 9;
  const int i = std::min(8, static_cast<int>(v));
  const double f = v - i;
  std::array<uint8_t, 3> c{};
  for (int k = 0; k < 3; ++k) c[k] = static_cast<uint8_t>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
  return c;
}

}  // namespace ag::app
