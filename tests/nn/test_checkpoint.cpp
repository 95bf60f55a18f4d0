// test_checkpoint.cpp: safetensors round trips, a file written by Python, training checkpoints with
// optimiser state, and the errors for truncated, corrupt and mismatched files.
#include <filesystem>

#include "nn_test_util.hpp"

namespace ag::test {
namespace {

using namespace ag::nn;
namespace fs = std::filesystem;

struct TmpDir {
  fs::path path = fs::temp_directory_path() / ("audiograd_nn_test_" + std::to_string(::getpid()));
  TmpDir() { fs::create_directories(path); }
  ~TmpDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

TEST(SafeTensors, RoundTripAllDtypesAndMetadata) {
  StateDict sd;
  sd.insert("a.weight", randn({3, 2, 5}));
  sd.insert("b.running_var", randn({7}, DType::Float64));
  sd.insert("b.num_batches_tracked", scalar_tensor(12, DType::Int64));
  sd.insert("empty", zeros({0, 3}));
  sd.insert("strided", randn({4, 6}).transpose(0, 1));  // saved contiguous
  const std::string bytes = to_safetensors_bytes(sd, {{"epoch", "7"}, {"quote", "say \"hi\"\n"}});
  EXPECT_EQ((bytes.size() - 8 - 0) % 1, 0u);
  const SafeTensors back = from_safetensors_bytes(bytes);
  EXPECT_EQ(back.tensors.keys(), sd.keys());
  for (const auto& [k, t] : sd.items()) {
    EXPECT_EQ(back.tensors.at(k).dtype(), t.dtype()) << k;
    EXPECT_TRUE(tensors_close(back.tensors.at(k), t, 0, 0)) << k;
  }
  EXPECT_EQ(back.metadata.at("epoch"), "7");
  EXPECT_EQ(back.metadata.at("quote"), "say \"hi\"\n");
}

TEST(SafeTensors, ReadsAFileWrittenByPython) {
  const SafeTensors st = load_safetensors("tests/fixtures/nn/safetensors/python_written.safetensors");
  EXPECT_TRUE(tensors_close(st.tensors.at("conv.weight"), div(arange(0, 24, 1).reshape({2, 3, 2, 2}), 7.0), 0, 1e-7));
  EXPECT_EQ(st.tensors.at("bn.num_batches_tracked").item<int64_t>(), 5);
  EXPECT_EQ(st.tensors.at("fc.bias").dtype(), DType::Float64);
  EXPECT_EQ(st.tensors.at("fc.bias").at({1}), -1.5);
  EXPECT_EQ(st.metadata.at("epoch"), "3");
}

TEST(SafeTensors, TruncatedAndCorruptFilesGiveClearErrors) {
  StateDict sd;
  sd.insert("conv.weight", ones({64, 1, 3, 3}));
  const std::string good = to_safetensors_bytes(sd);
  EXPECT_TRUE(throws_with<IoError>([&] { from_safetensors_bytes(good.substr(0, 5), "m.safetensors"); },
                                   "m.safetensors: truncated: 5 bytes"));
  EXPECT_TRUE(throws_with<IoError>([&] { from_safetensors_bytes(good.substr(0, 40), "m.safetensors"); },
                                   "the header claims"));
  EXPECT_TRUE(throws_with<IoError>([&] { from_safetensors_bytes(good.substr(0, good.size() - 10), "m.safetensors"); },
                                   "truncated: tensor \"conv.weight\" (64, 1, 3, 3) F32 needs bytes [0, 2304)"));
  std::string corrupt = good;
  corrupt[8] = '#';  // the header's opening brace
  EXPECT_TRUE(throws_with<IoError>([&] { from_safetensors_bytes(corrupt, "m.safetensors"); }, "corrupt safetensors header"));
  std::string f16 = good;
  const size_t at = f16.find("F32");
  f16.replace(at, 3, "F16");
  EXPECT_TRUE(throws_with<IoError>([&] { from_safetensors_bytes(f16, "m.safetensors"); }, "has dtype F16"));
}

// A safetensors file from a header written by hand and `data_bytes` zero bytes of data.
std::string with_header(const std::string& header, size_t data_bytes = 12) {
  std::string out(8, '\0');
  for (int b = 0; b < 8; ++b) out[size_t(b)] = char((header.size() >> (8 * b)) & 0xFF);
  return out + header + std::string(data_bytes, '\0');
}

TEST(SafeTensors, ValidJsonOfTheWrongShapeGivesClearErrors) {
  const auto rejects = [](const std::string& header, const std::string& text) {
    return throws_with<IoError>([&] { from_safetensors_bytes(with_header(header), "m.safetensors"); }, "m.safetensors: " + text);
  };
  const std::string needs = "corrupt safetensors header: entry \"w\" needs dtype, shape and data_offsets [begin, end], not ";
  EXPECT_TRUE(rejects(R"({"w":{"dtype":"F32","shape":"3","data_offsets":[0,12]}})", needs + R"({"dtype":"F32","shape":"3")"));
  EXPECT_TRUE(rejects(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[12]}})", needs));
  EXPECT_TRUE(rejects(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":["0","12"]}})", needs));
  EXPECT_TRUE(rejects(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[-4,8]}})", needs));
  EXPECT_TRUE(rejects(R"({"w":{"dtype":32,"shape":[3],"data_offsets":[0,12]}})", needs));
  EXPECT_TRUE(rejects(R"({"w":{"shape":[3],"data_offsets":[0,12]}})", needs));
  EXPECT_TRUE(rejects(R"({"w":[0,12]})", needs + "[0,12]"));
  EXPECT_TRUE(rejects(R"({"w":{"dtype":"F32","shape":[-3],"data_offsets":[0,12]}})", "tensor \"w\" has a bad shape entry -3"));
  EXPECT_TRUE(rejects(R"({"w":{"dtype":"F32","shape":[1.5,2],"data_offsets":[0,12]}})", "tensor \"w\" has a bad shape entry 1.5"));
  EXPECT_TRUE(rejects(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                      "tensor \"w\" (3,) F32 needs 12 bytes but its data_offsets [0, 8] span 8"));
  EXPECT_TRUE(rejects(R"([{"dtype":"F32","shape":[3],"data_offsets":[0,12]}])", "corrupt safetensors header (not a JSON object)"));
  const std::string w = R"("w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]})";
  EXPECT_TRUE(rejects("{" + w + "," + w + "}", "tensor \"w\" appears twice in the header"));
}

TEST(SafeTensors, MalformedJsonGivesOneLineNamingTheFile) {
  for (const std::string header : {"{\"w\":{\"dtype\":\"F32\"\n,}", "{\"w\":", "{\"w\":\"\xff\"}", "{} trailing"}) {
    try {
      from_safetensors_bytes(with_header(header), "dir/m.safetensors");
      ADD_FAILURE() << "accepted " << header;
    } catch (const IoError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("dir/m.safetensors: corrupt safetensors header (", 0), 0u) << msg;
      EXPECT_NE(msg.find("-byte JSON header: "), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      EXPECT_EQ(msg.find("json.exception"), std::string::npos) << msg;
    }
  }
}

TEST(SafeTensors, MetadataIsAStringMapInUtf8) {
  // \u escapes (a surrogate pair too) come back as UTF-8; values that are no strings are skipped.
  const SafeTensors st = from_safetensors_bytes(
      with_header(R"({"__metadata__":{"name":"caf\u00e9 \ud83c\udfb5","epoch":3,"nested":{"a":"b"}},)"
                  R"("w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})"));
  EXPECT_EQ(st.metadata, (Metadata{{"name", "caf\xc3\xa9 \xf0\x9f\x8e\xb5"}}));
  EXPECT_EQ(st.tensors.at("w").shape(), (Shape{3}));
  const std::string bytes = to_safetensors_bytes(st.tensors, {{"tab", "a\tb"}, {"name", "caf\xc3\xa9"}});
  EXPECT_EQ(from_safetensors_bytes(bytes).metadata.at("tab"), "a\tb");
  EXPECT_EQ(from_safetensors_bytes(bytes).metadata.at("name"), "caf\xc3\xa9");
  EXPECT_TRUE(throws_with<ValueError>([&] { to_safetensors_bytes(st.tensors, {{"path", "bad \xff byte"}}); },
                                      "save_safetensors: a tensor name or metadata value is not valid UTF-8"));
}

struct Net : Module {
  std::shared_ptr<Linear> fc1, fc2;
  std::shared_ptr<BatchNorm1d> bn;
  explicit Net(int64_t classes = 3) : Module("Net") {
    fc1 = register_module("fc1", std::make_shared<Linear>(4, 6));
    bn = register_module("bn", std::make_shared<BatchNorm1d>(6));
    fc2 = register_module("fc2", std::make_shared<Linear>(6, classes));
  }
  Variable forward_impl(const Variable& x) override { return fc2->forward(relu(bn->forward(fc1->forward(x)))); }
};

TEST(Checkpoint, ModelAndOptimizerRoundTrip) {
  TmpDir dir;
  const std::string path = dir.file("model.safetensors");
  Net a;
  Adam opt(a.parameters());
  const Tensor x = randn({8, 4});
  const Tensor y = tensor({0, 1, 2, 0, 1, 2, 0, 1}, {8}, DType::Int64);
  auto train_step = [&](Net& n, Optimizer& o) {
    o.zero_grad();
    cross_entropy(n.forward(Variable(x)), y).backward();
    o.step();
  };
  for (int i = 0; i < 3; ++i) train_step(a, opt);
  save_checkpoint(path, a, &opt, {{"epoch", "3"}});
  EXPECT_TRUE(fs::exists(optimizer_path(path)));
  EXPECT_EQ(optimizer_path(path), dir.file("model.optim.safetensors"));
  for (const auto& e : fs::directory_iterator(dir.path))  // no temporary files left behind
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();

  Net b;
  Adam opt_b(b.parameters());
  const CheckpointInfo info = load_checkpoint(path, b, &opt_b);
  EXPECT_EQ(info.metadata.at("epoch"), "3");
  EXPECT_TRUE(info.report.ok());
  EXPECT_EQ(b.bn->num_batches_tracked.item<int64_t>(), 3);
  train_step(a, opt);
  train_step(b, opt_b);
  EXPECT_TRUE(tensors_close(a.fc2->weight.data(), b.fc2->weight.data(), 0, 0));

  SGD sgd(b.parameters(), SGDOptions{0.1});
  EXPECT_TRUE(throws_with<ValueError>([&] { load_checkpoint(path, b, &sgd); }, "holds the state of Adam, not of SGD"));
}

TEST(Checkpoint, AnInterruptedSaveLoadsAConsistentPair) {
  // save_checkpoint writes the optimiser state to "<sidecar>.next", commits the model file (which
  // names that state by hash), then renames .next into place. Stopped after the commit, the pair
  // still loads (load_checkpoint completes the rename); an optimiser file that is not the one the
  // model names is a clear error, never silently paired.
  TmpDir dir;
  const std::string path = dir.file("last.safetensors"), sidecar = optimizer_path(path);
  Net a;
  Adam opt(a.parameters());
  save_checkpoint(path, a, &opt, {{"epoch", "1"}});
  const std::string old_sidecar = read_file(sidecar);
  const Tensor x = randn({8, 4});
  const Tensor y = tensor({0, 1, 2, 0, 1, 2, 0, 1}, {8}, DType::Int64);
  opt.zero_grad();
  cross_entropy(a.forward(Variable(x)), y).backward();
  opt.step();
  save_checkpoint(path, a, &opt, {{"epoch", "2"}});
  const std::string new_sidecar = read_file(sidecar);
  ASSERT_NE(old_sidecar, new_sidecar);
  // As if killed between the commit and the rename: the new state still at .next, the old in place.
  write_file_atomic(sidecar + ".next", new_sidecar);
  write_file_atomic(sidecar, old_sidecar);
  Net b;
  Adam opt_b(b.parameters());
  EXPECT_EQ(load_checkpoint(path, b, &opt_b).metadata.at("epoch"), "2");
  EXPECT_EQ(read_file(sidecar), new_sidecar);
  EXPECT_FALSE(fs::exists(sidecar + ".next"));
  // The old state with nothing to complete the save: refused, naming both files.
  write_file_atomic(sidecar, old_sidecar);
  EXPECT_TRUE(throws_with<IoError>([&] { load_checkpoint(path, b, &opt_b); }, "is not the optimiser state saved with"));
  EXPECT_NO_THROW(load_checkpoint(path, b));  // the model alone still loads
}

TEST(Safetensors, ANumberTooLargeForADoubleIsACorruptHeader) {
  // Found by fuzz_safetensors: nlohmann's parser throws out_of_range (406), not parse_error, for
  // 33E9333 when a parse callback is given, and it escaped as an unexpected exception.
  EXPECT_TRUE(throws_with<IoError>([&] { from_safetensors_bytes(with_header(R"({"x":33E9333})"), "m.st"); },
                                   "m.st: corrupt safetensors header (number overflow parsing '33E9333')"));
}

TEST(Safetensors, ShapesWhoseSizeOverflowsAreRefusedBeforeAllocating) {
  // [2^62, 4] F32 once overflowed the element count (signed: undefined behaviour) and could match empty data_offsets.
  EXPECT_TRUE(throws_with<IoError>(
      [&] { from_safetensors_bytes(with_header(R"({"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})"), "m.st"); },
      "larger than any file"));
}

TEST(Checkpoint, MismatchedModelListsNamesAndShapes) {
  TmpDir dir;
  const std::string path = dir.file("m.safetensors");
  Net a(3);
  save_checkpoint(path, a);
  Net b(5);  // a new head: fc2 has another shape
  EXPECT_TRUE(throws_with<ValueError>([&] { load_checkpoint(path, b); },
                                      "shape mismatches (2): fc2.weight: module (5, 6) vs given (3, 6); fc2.bias: module (5,) vs given (3,)"));
  const CheckpointInfo info = load_checkpoint(path, b, nullptr, false);  // transfer learning: keep the body
  EXPECT_EQ(info.report.mismatched.size(), 2u);
  EXPECT_TRUE(tensors_close(b.fc1->weight.data(), a.fc1->weight.data(), 0, 0));
  EXPECT_TRUE(throws_with<IoError>([&] { load_checkpoint(dir.file("missing.safetensors"), b); }, "missing.safetensors"));
}

}  // namespace
}  // namespace ag::test
