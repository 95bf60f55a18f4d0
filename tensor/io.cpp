// io.cpp: PyTorch-style printing and the .npy format.
#include "tensor/io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "tensor/fault.hpp"

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

namespace {

// write(2) all of `n` bytes, retrying short writes and EINTR; false with errno set on failure.
bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// fsync of the directory holding `path`, so the rename itself is on disk. Errors are ignored:
// some file systems cannot fsync a directory, and the file's data is already safe.
void sync_parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  // The temporary sits beside the target (rename is only atomic within one file system), and is
  // unique per process; a crash leaves at most a stray "<path>.tmp.<pid>", never a partial <path>.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  crash_point("write_file_atomic:begin", path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail<IoError>("cannot write '", path, "': cannot create '", tmp, "': ", std::strerror(errno));
  const size_t half = bytes.size() / 2;
  int err = 0;
  if (!write_all(fd, bytes.data(), half)) err = errno;
  if (!err) crash_point("write_file_atomic:half-written", path);
  if (!err && !write_all(fd, bytes.data() + half, bytes.size() - half)) err = errno;
  if (!err) crash_point("write_file_atomic:written", path);
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (err) {
    ::unlink(tmp.c_str());
    fail<IoError>("cannot write '", path, "': writing its temporary '", tmp, "' failed: ", std::strerror(err),
                  " (the previous '", path, "', if any, is unchanged)");
  }
  crash_point("write_file_atomic:synced", path);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    fail<IoError>("cannot rename '", tmp, "' to '", path, "': ", why);
  }
  crash_point("write_file_atomic:renamed", path);
  sync_parent_dir(path);
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
  const auto bad_header = [&](const char* why) {
    std::string h = header.size() > 120 ? header.substr(0, 117) + "..." : header;
    for (char& ch : h)
      if (static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126) ch = '?';
    fail<IoError>(what, ": malformed .npy header (", why, "): ", h);
  };
  // The position just after "'key':" (spaces allowed before the colon).
  auto field = [&](const std::string& key) {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) fail<IoError>(what, ": .npy header has no '", key, "'");
    size_t colon = header.find_first_not_of(' ', k + key.size() + 2);
    if (colon == std::string::npos || header[colon] != ':') bad_header("no ':' after a key");
    size_t v = header.find_first_not_of(' ', colon + 1);
    if (v == std::string::npos) bad_header("a key without a value");
    return v;
  };
  size_t dpos = field("descr");
  if (header[dpos] != '\'') bad_header("descr is not a quoted string");
  size_t q2 = header.find('\'', dpos + 1);
  if (q2 == std::string::npos) bad_header("descr is not a quoted string");
  std::string descr = header.substr(dpos + 1, q2 - dpos - 1);
  DType dt;
  if (descr == "<f4") dt = DType::Float32;
  else if (descr == "<f8") dt = DType::Float64;
  else if (descr == "<i8") dt = DType::Int64;
  else fail<IoError>(what, ": unsupported .npy dtype '", descr.substr(0, 20), "' (audiograd reads <f4, <f8 and <i8; convert with .astype)");
  size_t fpos = field("fortran_order");
  bool fortran = header.compare(fpos, 4, "True") == 0;
  if (!fortran && header.compare(fpos, 5, "False") != 0) bad_header("fortran_order is neither True nor False");
  size_t p1 = field("shape");
  if (header[p1] != '(') bad_header("shape is not a tuple");
  size_t p2 = header.find(')', p1);
  if (p2 == std::string::npos) bad_header("shape is not a tuple");
  // Sizes are non-negative integers; their product (checked for overflow) must match the data.
  const size_t data_start = start + header_len;
  const size_t data_bytes = bytes.size() - data_start;
  Shape shape;
  size_t numel = 1, extent = 1;  // extent: the product of max(size, 1), which strides must hold too
  bool overflow = false;
  std::stringstream ss(header.substr(p1 + 1, p2 - p1 - 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    const size_t e = item.find_last_not_of(' ');
    const std::string digits = item.substr(b, e - b + 1);
    if (digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
      bad_header("a shape entry is not a non-negative integer");
    const int64_t d = std::stoll(digits);
    shape.push_back(d);
    const size_t ext = std::max<size_t>(static_cast<size_t>(d), 1);
    if (extent > (size_t{1} << 62) / ext) overflow = true;
    else extent *= ext, numel *= static_cast<size_t>(d);
  }
  const size_t nbytes = numel * dtype_size(dt);
  if (overflow || numel > (size_t{1} << 62) / dtype_size(dt) || data_bytes != nbytes)
    fail<IoError>(what, ": .npy data is ", data_bytes, " bytes, shape ", shape_str(shape), " ", dtype_name(dt),
                  " needs ", overflow ? std::string("more than 2^62") : std::to_string(nbytes),
                  (overflow || data_bytes < nbytes ? " (truncated file?)" : ""));
  // Fortran order is column-major: the data is the C-order array of the reversed shape, transposed.
  Shape stored = shape;
  if (fortran) std::reverse(stored.begin(), stored.end());
  Tensor t(stored, dt);
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
