// checkpoint.cpp: the safetensors reader and writer (with the small JSON subset its header needs)
// and training checkpoints.
#include "nn/checkpoint.hpp"

#include <cstring>
#include <sstream>

namespace ag::nn {
namespace {

// --- JSON: just what a safetensors header holds (objects, arrays, strings, integers) -------------

struct Json {
  enum Kind { Null, Object, Array, String, Number } kind = Null;
  std::vector<std::pair<std::string, Json>> object;
  std::vector<Json> array;
  std::string str;
  double number = 0;
  const Json* find(const std::string& key) const {
    for (const auto& kv : object)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
};

class JsonParser {
 public:
  JsonParser(const std::string& s, const std::string& what) : s_(s), what_(what) {}
  Json parse() {
    Json v = value();
    ws();
    if (i_ != s_.size()) error("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void error(const char* msg) const {
    fail<IoError>(what_, ": corrupt safetensors header (", msg, " at byte ", i_, " of the ", s_.size(), "-byte JSON header)");
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  char peek() {
    ws();
    if (i_ >= s_.size()) error("unexpected end");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) error((std::string("expected '") + c + "'").c_str());
    ++i_;
  }
  Json value() {
    const char c = peek();
    Json v;
    if (c == '{') {
      v.kind = Json::Object;
      ++i_;
      if (peek() == '}') return ++i_, v;
      for (;;) {
        std::string key = string();
        expect(':');
        v.object.emplace_back(std::move(key), value());
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::Array;
      ++i_;
      if (peek() == ']') return ++i_, v;
      for (;;) {
        v.array.push_back(value());
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.str = string();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = i_;
      while (end < s_.size() && std::strchr("+-0123456789.eE", s_[end])) ++end;
      v.kind = Json::Number;
      try {
        v.number = std::stod(s_.substr(i_, end - i_));
      } catch (...) {
        error("bad number");
      }
      i_ = end;
      return v;
    }
    for (const char* word : {"true", "false", "null"})
      if (s_.compare(i_, std::strlen(word), word) == 0) {
        i_ += std::strlen(word);
        return v;
      }
    error("unexpected character");
  }
  std::string string() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) error("unterminated escape");
      c = s_[i_++];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) error("short \\u escape");
          const unsigned cp = unsigned(std::stoul(s_.substr(i_, 4), nullptr, 16));
          i_ += 4;
          // UTF-8 of a code point in the basic plane (names are ASCII in practice).
          if (cp < 0x80) out += char(cp);
          else if (cp < 0x800) out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
          else out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
          break;
        }
        default: out += c;  // \" \\ \/
      }
    }
    if (i_ >= s_.size()) error("unterminated string");
    ++i_;
    return out;
  }
  const std::string& s_;
  const std::string& what_;
  size_t i_ = 0;
};

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += c;
  }
  return out + "\"";
}

const char* st_dtype(DType d) {
  switch (d) {
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
    case DType::Int64: return "I64";
  }
  return "?";
}

}  // namespace

std::string to_safetensors_bytes(const StateDict& tensors, const Metadata& metadata) {
  std::ostringstream header;
  header << '{';
  bool first = true;
  if (!metadata.empty()) {
    header << "\"__metadata__\":{";
    for (auto it = metadata.begin(); it != metadata.end(); ++it)
      header << (it == metadata.begin() ? "" : ",") << json_string(it->first) << ':' << json_string(it->second);
    header << '}';
    first = false;
  }
  std::vector<Tensor> data;
  size_t offset = 0;
  for (const auto& [name, t] : tensors.items()) {
    if (name == "__metadata__") fail<ValueError>("save_safetensors: \"__metadata__\" is reserved and cannot name a tensor");
    check_defined(t, "save_safetensors");
    const Tensor c = t.contiguous();
    const size_t nbytes = size_t(c.numel()) * dtype_size(c.dtype());
    header << (first ? "" : ",") << json_string(name) << ":{\"dtype\":\"" << st_dtype(c.dtype()) << "\",\"shape\":[";
    for (int64_t d = 0; d < c.dim(); ++d) header << (d ? "," : "") << c.size(d);
    header << "],\"data_offsets\":[" << offset << ',' << offset + nbytes << "]}";
    first = false;
    offset += nbytes;
    data.push_back(c);
  }
  header << '}';
  std::string h = header.str();
  while ((8 + h.size()) % 8 != 0) h += ' ';  // the data starts 8-byte aligned (as the reference writer does)
  std::string out(8, '\0');
  const uint64_t n = h.size();
  for (int b = 0; b < 8; ++b) out[size_t(b)] = char((n >> (8 * b)) & 0xFF);  // little-endian
  out += h;
  out.reserve(out.size() + offset);
  for (const Tensor& c : data) {
    const char* p = static_cast<const char*>(c.storage()->data()) + c.offset() * int64_t(dtype_size(c.dtype()));
    out.append(p, size_t(c.numel()) * dtype_size(c.dtype()));
  }
  return out;
}

SafeTensors from_safetensors_bytes(const std::string& bytes, const std::string& what) {
  if (bytes.size() < 8)
    fail<IoError>(what, ": truncated: ", bytes.size(), " bytes, but a safetensors file starts with an 8-byte header length");
  uint64_t n = 0;
  for (int b = 7; b >= 0; --b) n = (n << 8) | static_cast<unsigned char>(bytes[size_t(b)]);
  if (n > bytes.size() - 8)
    fail<IoError>(what, ": truncated or not safetensors: the header claims ", n, " bytes but only ", bytes.size() - 8, " follow");
  const std::string header = bytes.substr(8, size_t(n));
  const Json root = JsonParser(header, what).parse();
  if (root.kind != Json::Object) fail<IoError>(what, ": corrupt safetensors header (not a JSON object)");
  const size_t data_begin = 8 + size_t(n), data_size = bytes.size() - data_begin;
  SafeTensors out;
  for (const auto& [name, entry] : root.object) {
    if (name == "__metadata__") {
      for (const auto& [k, v] : entry.object)
        if (v.kind == Json::String) out.metadata[k] = v.str;
      continue;
    }
    const Json* dt = entry.find("dtype");
    const Json* sh = entry.find("shape");
    const Json* off = entry.find("data_offsets");
    if (!dt || !sh || !off || dt->kind != Json::String || sh->kind != Json::Array || off->kind != Json::Array || off->array.size() != 2)
      fail<IoError>(what, ": corrupt safetensors header: entry \"", name, "\" needs dtype, shape and data_offsets [begin, end]");
    DType dtype;
    if (dt->str == "F32") dtype = DType::Float32;
    else if (dt->str == "F64") dtype = DType::Float64;
    else if (dt->str == "I64") dtype = DType::Int64;
    else fail<IoError>(what, ": tensor \"", name, "\" has dtype ", dt->str, "; audiograd reads F32, F64 and I64 (convert with .float() first)");
    Shape shape;
    for (const Json& d : sh->array) {
      if (d.kind != Json::Number || d.number < 0) fail<IoError>(what, ": tensor \"", name, "\" has a bad shape entry");
      shape.push_back(int64_t(d.number));
    }
    const uint64_t begin = uint64_t(off->array[0].number), end = uint64_t(off->array[1].number);
    const uint64_t need = uint64_t(shape_numel(shape)) * dtype_size(dtype);
    if (end < begin || end - begin != need)
      fail<IoError>(what, ": tensor \"", name, "\" ", shape_str(shape), " ", dt->str, " needs ", need, " bytes but its data_offsets [",
                    begin, ", ", end, "] span ", end - begin);
    if (end > data_size)
      fail<IoError>(what, ": truncated: tensor \"", name, "\" ", shape_str(shape), " ", dt->str, " needs bytes [", begin, ", ", end,
                    ") of the data but the file has only ", data_size);
    Tensor t(shape, dtype);
    if (need) std::memcpy(t.storage()->data(), bytes.data() + data_begin + begin, size_t(need));
    if (out.tensors.contains(name)) fail<IoError>(what, ": tensor \"", name, "\" appears twice in the header");
    out.tensors.insert(name, t);
  }
  return out;
}

void save_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata) {
  write_file_atomic(path, to_safetensors_bytes(tensors, metadata));
}

SafeTensors load_safetensors(const std::string& path) { return from_safetensors_bytes(read_file(path), path); }

std::string optimizer_path(const std::string& path) {
  const std::string ext = ".safetensors";
  if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
    return path.substr(0, path.size() - ext.size()) + ".optim" + ext;
  return path + ".optim" + ext;
}

void save_checkpoint(const std::string& path, const Module& module, const Optimizer* optimizer, const Metadata& metadata) {
  // The optimiser first: a crash between the two writes leaves the old model file beside a newer
  // optimiser state rather than a new model without its optimiser (the model file is what users load).
  if (optimizer) save_safetensors(optimizer_path(path), optimizer->state_dict(), {{"optimizer", optimizer->name()}});
  save_safetensors(path, module.state_dict(), metadata);
}

CheckpointInfo load_checkpoint(const std::string& path, Module& module, Optimizer* optimizer, bool strict) {
  SafeTensors model = load_safetensors(path);
  CheckpointInfo info;
  try {
    info.report = module.load_state_dict(model.tensors, strict);
  } catch (const ValueError& e) {
    fail<ValueError>(path, ": ", e.what());
  }
  info.metadata = model.metadata;
  if (optimizer) {
    const std::string opath = optimizer_path(path);
    SafeTensors opt = load_safetensors(opath);
    const auto it = opt.metadata.find("optimizer");
    if (it == opt.metadata.end() || it->second != optimizer->name())
      fail<ValueError>(opath, ": holds the state of ", it == opt.metadata.end() ? "an unknown optimiser" : it->second,
                       ", not of ", optimizer->name());
    optimizer->load_state_dict(opt.tensors);
  }
  return info;
}

}  // namespace ag::nn
