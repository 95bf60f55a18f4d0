// io.cpp: PyTorch-style printing and the .npy format.
#include "tensor/io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace ag {

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

namespace {

struct Format {
  bool integral = false;  // int64, or floats that are all whole numbers
  bool scientific = false;
  int precision = 4;
  int width = 1;
};

std::string format_value(double v, const Format& f, bool is_int_dtype) {
  std::ostringstream os;
  if (std::isnan(v)) os << "nan";
  else if (std::isinf(v)) os << (v > 0 ? "inf" : "-inf");
  else if (is_int_dtype) os << static_cast<int64_t>(v);
  else if (f.scientific) os << std::scientific << std::setprecision(f.precision) << v;
  else if (f.integral) os << std::fixed << std::setprecision(0) << v << '.';
  else os << std::fixed << std::setprecision(f.precision) << v;
  return os.str();
}

// Like torch: summarise long dimensions (more than 1000 elements) to their first and last 3.
constexpr int64_t kEdge = 3;

void print_rec(std::ostream& os, const Tensor& t, std::vector<int64_t>& idx, const Format& f, bool is_int, bool summarize,
               int indent) {
  int64_t d = static_cast<int64_t>(idx.size());
  if (d == t.dim()) {
    std::string s = format_value(t.at(idx), f, is_int);
    os << std::string(std::max<int>(0, f.width - static_cast<int>(s.size())), ' ') << s;
    return;
  }
  int64_t n = t.size(d);
  os << '[';
  bool last_dim = d == t.dim() - 1;
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdge && i == kEdge) {
      os << "...";
      if (last_dim) os << ", ";
      else os << ",\n" << std::string(indent + d + 1, ' ');
      i = n - kEdge - 1;
      continue;
    }
    idx.push_back(i);
    print_rec(os, t, idx, f, is_int, summarize, indent);
    idx.pop_back();
    if (i + 1 < n) {
      if (last_dim) os << ", ";
      else os << ',' << std::string(t.dim() - d - 1, '\n') << std::string(indent + d + 1, ' ');
    }
  }
  os << ']';
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  bool is_int = t.dtype() == DType::Int64;
  bool summarize = t.numel() > 1000;
  Format f;
  std::vector<double> v = t.to_vector<double>();
  double max_abs = 0, min_abs = INFINITY;
  bool all_int = true;
  for (double x : v) {
    if (!std::isfinite(x)) continue;
    max_abs = std::max(max_abs, std::abs(x));
    if (x != 0) min_abs = std::min(min_abs, std::abs(x));
    if (x != std::floor(x)) all_int = false;
  }
  f.integral = all_int;
  f.scientific = !all_int && (max_abs >= 1e8 || (min_abs < 1e-4 && min_abs > 0) || (max_abs / std::max(min_abs, 1e-300) > 1000 && max_abs > 1e3));
  for (double x : v) f.width = std::max<int>(f.width, static_cast<int>(format_value(x, f, is_int).size()));
  os << "tensor(";
  std::vector<int64_t> idx;
  if (t.dim() == 0) os << format_value(v[0], f, is_int);
  else if (t.numel() == 0) os << "[]";
  else print_rec(os, t, idx, f, is_int, summarize, 7);
  if (t.dtype() != DType::Float32) os << ", dtype=" << dtype_name(t.dtype());
  if (t.numel() == 0 && t.dim() != 1) os << ", size=" << shape_str(t.shape());
  return os << ')';
}

std::string Tensor::to_string() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

void write_file_atomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) fail<IoError>("cannot write '", tmp, "': ", std::strerror(errno));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      fail<IoError>("writing '", tmp, "' failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = std::strerror(errno);
    std::remove(tmp.c_str());
    fail<IoError>("cannot rename '", tmp, "' to '", path, "': ", err);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail<IoError>("cannot open '", path, "': ", std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------------------------------------
// .npy
// ---------------------------------------------------------------------------------------------

namespace {
const char* npy_descr(DType d) {
  switch (d) {
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
    case DType::Int64: return "<i8";
  }
  return "";
}
}  // namespace

std::string to_npy_bytes(const Tensor& t) {
  check_defined(t, "save_npy");
  Tensor c = t.contiguous();
  std::ostringstream h;
  h << "{'descr': '" << npy_descr(c.dtype()) << "', 'fortran_order': False, 'shape': (";
  for (int64_t d = 0; d < c.dim(); ++d) h << c.size(d) << (c.dim() == 1 || d + 1 < c.dim() ? "," : "") << (d + 1 < c.dim() ? " " : "");
  h << "), }";
  std::string header = h.str();
  // Pad with spaces so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  uint16_t len = static_cast<uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += header;
  out.append(static_cast<const char*>(c.storage()->data()) + c.offset() * dtype_size(c.dtype()), c.numel() * dtype_size(c.dtype()));
  return out;
}

Tensor from_npy_bytes(const std::string& bytes, const std::string& what) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    fail<IoError>(what, ": not a .npy file (missing the \\x93NUMPY magic)");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail<IoError>(what, ": truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    start = 12;
  } else {
    fail<IoError>(what, ": unsupported .npy version ", major);
  }
  if (bytes.size() < start + header_len) fail<IoError>(what, ": truncated .npy header");
  std::string header = bytes.substr(start, header_len);
  auto field = [&](const std::string& key) {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) fail<IoError>(what, ": .npy header has no '", key, "': ", header);
    size_t colon = header.find(':', k);
    return colon;
  };
  size_t dpos = field("descr");
  size_t q1 = header.find('\'', dpos), q2 = header.find('\'', q1 + 1);
  std::string descr = header.substr(q1 + 1, q2 - q1 - 1);
  DType dt;
  if (descr == "<f4") dt = DType::Float32;
  else if (descr == "<f8") dt = DType::Float64;
  else if (descr == "<i8") dt = DType::Int64;
  else fail<IoError>(what, ": unsupported .npy dtype '", descr, "' (audiograd reads <f4, <f8 and <i8; convert with .astype)");
  size_t fpos = field("fortran_order");
  bool fortran = header.compare(header.find_first_not_of(' ', fpos + 1), 4, "True") == 0;
  size_t spos = field("shape");
  size_t p1 = header.find('(', spos), p2 = header.find(')', p1);
  if (p1 == std::string::npos || p2 == std::string::npos) fail<IoError>(what, ": malformed shape in .npy header: ", header);
  Shape shape;
  std::stringstream ss(header.substr(p1 + 1, p2 - p1 - 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    shape.push_back(std::stoll(item));
  }
  // Fortran order is column-major: the data is the C-order array of the reversed shape, transposed.
  Shape stored = shape;
  if (fortran) std::reverse(stored.begin(), stored.end());
  Tensor t(stored, dt);
  size_t nbytes = static_cast<size_t>(t.numel()) * dtype_size(dt);
  size_t data_start = start + header_len;
  if (bytes.size() - data_start != nbytes)
    fail<IoError>(what, ": .npy data is ", bytes.size() - data_start, " bytes, shape ", shape_str(shape), " ", dtype_name(dt),
                  " needs ", nbytes, (bytes.size() - data_start < nbytes ? " (truncated file?)" : ""));
  std::memcpy(t.storage()->data(), bytes.data() + data_start, nbytes);
  if (fortran) {
    std::vector<int64_t> rev(shape.size());
    for (size_t i = 0; i < rev.size(); ++i) rev[i] = static_cast<int64_t>(rev.size() - 1 - i);
    return t.permute(rev).contiguous();
  }
  return t;
}

void save_npy(const Tensor& t, const std::string& path) { write_file_atomic(path, to_npy_bytes(t)); }

Tensor load_npy(const std::string& path) { return from_npy_bytes(read_file(path), path); }

}  // namespace ag
