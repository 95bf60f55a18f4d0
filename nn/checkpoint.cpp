// checkpoint.cpp: the safetensors reader and writer, and training checkpoints.
//
// The header's JSON is read and written by nlohmann-json; what this file adds are the format's
// rules, each checked with a message that names the file and the tensor: the header length fits the
// file, the header is an object of {dtype, shape, data_offsets} entries (plus "__metadata__"), the
// dtype is one of ours, the offsets span exactly shape x dtype bytes and lie inside the data, and no
// tensor is named twice.
#include "nn/checkpoint.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "tensor/fault.hpp"

namespace ag::nn {
namespace {

// ordered_json keeps an object's keys in the order they were written or read, so a state dict's
// tensors come back in file order and each entry lists dtype, shape, data_offsets in that order
// (as the reference writer does); "__metadata__" is written first, its keys sorted.
using Json = nlohmann::ordered_json;

const char* st_dtype(DType d) {
  switch (d) {
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
    case DType::Int64: return "I64";
  }
  return "?";
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 9: "
// prefix (a header is one line; the byte position is given separately).
std::string json_message(const Json::exception& e) {
  std::string m = e.what();
  if (m.rfind("[json.exception.", 0) == 0 && m.find("] ") != std::string::npos) m = m.substr(m.find("] ") + 2);
  if (m.rfind("parse error", 0) == 0 && m.find(": ") != std::string::npos) m = m.substr(m.find(": ") + 2);
  return m;
}

// A header value as it appears in the file, shortened for an error message.
std::string excerpt(const Json& v) {
  const std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// The header as a JSON object. nlohmann keeps the last of two equal keys, so the callback notes a
// tensor name that appears twice at the top level (depth 1) before the parser folds them.
Json parse_header(const std::string& header, const std::string& what) {
  std::set<std::string> names;
  std::string twice;
  const auto note_names = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 && twice.empty()) {
      const std::string& name = parsed.get_ref<const std::string&>();
      if (name != "__metadata__" && !names.insert(name).second) twice = name;
    }
    return true;
  };
  Json root;
  try {
    root = Json::parse(header, note_names);
  } catch (const Json::parse_error& e) {
    fail<IoError>(what, ": corrupt safetensors header (byte ", std::min(e.byte, header.size()), " of the ", header.size(),
                  "-byte JSON header: ", json_message(e), ")");
  } catch (const Json::exception& e) {  // e.g. out_of_range 406, a number too large for a double (found by fuzz_safetensors)
    fail<IoError>(what, ": corrupt safetensors header (", json_message(e), ")");
  }
  if (!root.is_object()) fail<IoError>(what, ": corrupt safetensors header (not a JSON object)");
  if (!twice.empty()) fail<IoError>(what, ": tensor \"", twice, "\" appears twice in the header");
  return root;
}

// The tensor of one header entry, its bytes copied from `data` (the `data_size` bytes after the header).
Tensor read_tensor(const std::string& name, const Json& entry, const char* data, size_t data_size, const std::string& what) {
  const auto field = [&](const char* key) { return entry.is_object() && entry.contains(key) ? &entry[key] : nullptr; };
  const Json* dt = field("dtype");
  const Json* sh = field("shape");
  const Json* off = field("data_offsets");
  if (!dt || !sh || !off || !dt->is_string() || !sh->is_array() || !off->is_array() || off->size() != 2 ||
      !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
    fail<IoError>(what, ": corrupt safetensors header: entry \"", name, "\" needs dtype, shape and data_offsets [begin, end], not ",
                  excerpt(entry));
  const std::string& dts = dt->get_ref<const std::string&>();
  DType dtype;
  if (dts == "F32") dtype = DType::Float32;
  else if (dts == "F64") dtype = DType::Float64;
  else if (dts == "I64") dtype = DType::Int64;
  else fail<IoError>(what, ": tensor \"", name, "\" has dtype ", dts, "; audiograd reads F32, F64 and I64 (convert with .float() first)");
  Shape shape;
  uint64_t numel = 1, extent = 1;  // with overflow checks, before anything is allocated; extent:
  bool overflow = false;           // the product of max(size, 1), which the strides must hold too
  for (const Json& d : *sh) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(INT64_MAX))
      fail<IoError>(what, ": tensor \"", name, "\" has a bad shape entry ", excerpt(d), " (sizes are non-negative integers)");
    const uint64_t n = d.get<uint64_t>();
    const uint64_t e = std::max<uint64_t>(n, 1);
    if (extent > (uint64_t{1} << 60) / e) overflow = true;
    else extent *= e, numel *= n;
    shape.push_back(int64_t(n));
  }
  if (overflow || numel > (uint64_t{1} << 60) / dtype_size(dtype))
    fail<IoError>(what, ": tensor \"", name, "\" ", shape_str(shape), " ", dts, " is larger than any file (more than 2^60 bytes)");
  const uint64_t begin = (*off)[0].get<uint64_t>(), end = (*off)[1].get<uint64_t>();
  const uint64_t need = numel * dtype_size(dtype);
  if (end < begin || end - begin != need)
    fail<IoError>(what, ": tensor \"", name, "\" ", shape_str(shape), " ", dts, " needs ", need, " bytes but its data_offsets [", begin,
                  ", ", end, "] span ", end - begin);
  if (end > data_size)
    fail<IoError>(what, ": truncated: tensor \"", name, "\" ", shape_str(shape), " ", dts, " needs bytes [", begin, ", ", end,
                  ") of the data but the file has only ", data_size);
  Tensor t(shape, dtype);
  if (need) std::memcpy(t.storage()->data(), data + begin, size_t(need));
  return t;
}

}  // namespace

std::string to_safetensors_bytes(const StateDict& tensors, const Metadata& metadata) {
  Json header = Json::object();  // {} when there is nothing to write, not null
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> data;
  size_t offset = 0;
  for (const auto& [name, t] : tensors.items()) {
    if (name == "__metadata__") fail<ValueError>("save_safetensors: \"__metadata__\" is reserved and cannot name a tensor");
    check_defined(t, "save_safetensors");
    const Tensor c = t.contiguous();
    const size_t nbytes = size_t(c.numel()) * dtype_size(c.dtype());
    header[name] = {{"dtype", st_dtype(c.dtype())}, {"shape", c.shape()}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    data.push_back(c);
  }
  std::string h;
  try {
    h = header.dump();  // compact, no spaces, as the reference writer writes it
  } catch (const Json::type_error& e) {  // JSON strings are UTF-8, and Python's reader insists on it
    fail<ValueError>("save_safetensors: a tensor name or metadata value is not valid UTF-8 (", json_message(e), ")");
  }
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
  const Json root = parse_header(bytes.substr(8, size_t(n)), what);
  const size_t data_begin = 8 + size_t(n);
  SafeTensors out;
  try {  // every value's type is checked before it is read; this only keeps a slip from escaping unnamed
    for (const auto& [name, entry] : root.items()) {
      if (name == "__metadata__") {
        // string -> string by the format; a value of another type is skipped, not an error
        if (entry.is_object())
          for (const auto& [k, v] : entry.items())
            if (v.is_string()) out.metadata[k] = v.get<std::string>();
        continue;
      }
      out.tensors.insert(name, read_tensor(name, entry, bytes.data() + data_begin, bytes.size() - data_begin, what));
    }
  } catch (const Json::exception& e) {
    fail<IoError>(what, ": corrupt safetensors header (", json_message(e), ")");
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

namespace {

// A training checkpoint is two files, and no file system renames two files at once, so the pair is
// tied together: the model file's metadata names its optimiser state by a content hash
// ("checkpoint.optimizer" = FNV-1a of the sidecar's bytes), and a save goes
//   1. the new optimiser state -> "<sidecar>.next"            (atomic)
//   2. the new model file, naming that state                  (atomic: the commit point)
//   3. "<sidecar>.next" -> the sidecar                        (rename)
// A crash before 2 leaves the previous pair (and a stray .next); between 2 and 3, the model names
// the .next file, which load_checkpoint then moves into place. Either way the pair that loads is
// one that was saved together.
constexpr const char* kOptimizerKey = "checkpoint.optimizer";

std::string content_hash(const std::string& bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string next_path(const std::string& sidecar) { return sidecar + ".next"; }

}  // namespace

void save_checkpoint(const std::string& path, const Module& module, const Optimizer* optimizer, const Metadata& metadata) {
  if (!optimizer) {
    save_safetensors(path, module.state_dict(), metadata);
    return;
  }
  const std::string sidecar = optimizer_path(path);
  const std::string opt_bytes = to_safetensors_bytes(optimizer->state_dict(), {{"optimizer", optimizer->name()}});
  write_file_atomic(next_path(sidecar), opt_bytes);
  Metadata md = metadata;
  md[kOptimizerKey] = content_hash(opt_bytes);
  save_safetensors(path, module.state_dict(), md);
  crash_point("save_checkpoint:model-committed", path);
  if (std::rename(next_path(sidecar).c_str(), sidecar.c_str()) != 0)
    fail<IoError>("cannot rename '", next_path(sidecar), "' to '", sidecar, "': ", std::strerror(errno));
  crash_point("save_checkpoint:optimizer-renamed", sidecar);
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
  info.metadata.erase(kOptimizerKey);
  if (optimizer) {
    const std::string opath = optimizer_path(path);
    const auto want = model.metadata.find(kOptimizerKey);
    std::string bytes;
    if (want == model.metadata.end()) {
      bytes = read_file(opath);  // a checkpoint of an older audiograd: no hash to check
    } else {
      // The sidecar the model names: in place, or still at .next when a save stopped before its rename.
      std::error_code ec;
      if (std::filesystem::exists(opath, ec)) bytes = read_file(opath);
      if (content_hash(bytes) != want->second) {
        const std::string next = next_path(opath);
        if (!std::filesystem::exists(next, ec))
          fail<IoError>(opath, ": is not the optimiser state saved with ", path, " (its content hash differs) and no ", next,
                        " is left to complete the save");
        bytes = read_file(next);
        if (content_hash(bytes) != want->second)
          fail<IoError>(opath, " and ", next, ": neither is the optimiser state saved with ", path, " (content hash ", want->second, ")");
        if (std::rename(next.c_str(), opath.c_str()) != 0)
          fail<IoError>("cannot rename '", next, "' to '", opath, "': ", std::strerror(errno));
      }
    }
    SafeTensors opt = from_safetensors_bytes(bytes, opath);
    const auto it = opt.metadata.find("optimizer");
    if (it == opt.metadata.end() || it->second != optimizer->name())
      fail<ValueError>(opath, ": holds the state of ", it == opt.metadata.end() ? "an unknown optimiser" : it->second,
                       ", not of ", optimizer->name());
    optimizer->load_state_dict(opt.tensors);
  }
  return info;
}

}  // namespace ag::nn
