// text.hpp: the app's small string helpers, in one place: joining and splitting lists (class names
// in checkpoint metadata, lists in error messages) and numbers with a chosen count of significant
// digits (metrics.csv, report.html).
#pragma once

#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

namespace ag::app {

// "a, b, c" for join({"a", "b", "c"}, ", ").
inline std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? sep : "") + items[i];
  return s;
}

// The pieces between the separators; "" gives no pieces, a trailing separator no empty last piece.
inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

// v with `digits` significant digits, as std::setprecision prints it ("0.25", "1e-05").
inline std::string num(double v, int digits = 6) {
  std::ostringstream os;
  os << std::setprecision(digits) << v;
  return os.str();
}

}  // namespace ag::app
