// error.hpp: the exception types every audiograd library throws.
//
// Library code never exits and never prints: it throws one of these, with a message that names the
// op (or file) and shows shapes in PyTorch notation, e.g.
//   "matmul: cannot multiply (8, 3) by (4, 5): inner dimensions 3 and 4 differ"
// Apps catch `ag::Error`, print `e.what()` on one line and exit non-zero.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ag {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Shapes that do not fit together (broadcasting, matmul, conv channels, ...).
struct ShapeError : Error {
  using Error::Error;
};
// A value out of its allowed range (negative size, unknown name, probability > 1, ...).
struct ValueError : Error {
  using Error::Error;
};
// Wrong element type (float32 where float64 is required, int64 labels expected, ...).
struct TypeError : Error {
  using Error::Error;
};
// An index or dimension out of range.
struct IndexError : Error {
  using Error::Error;
};
// A file that is missing, truncated, corrupt or cannot be written.
struct IoError : Error {
  using Error::Error;
};

// "(8, 3, 640, 128)", like torch.Size; a 0-d shape prints as "()".
inline std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  if (shape.size() == 1) os << ',';
  os << ')';
  return os.str();
}

// Builds a message from any streamable pieces: fail<ShapeError>("add: ", a, " vs ", b).
template <class E = Error, class... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  throw E(os.str());
}

}  // namespace ag
