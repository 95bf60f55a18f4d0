// fuzz.hpp: what every fuzz target shares.
//
// A target feeds one input to one reader of outside data. A clear error (ag::Error: IoError,
// ValueError, ...) is the reader doing its job and counts as a normal outcome; anything else
// (a crash, an abort, another exception type escaping, a sanitizer report, a hang) is a finding.
// The same source links either with libFuzzer (the `fuzz` preset, clang) or with replay_main.cpp
// (every other build: CTest replays the corpus plus generated mutations).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tensor/error.hpp"

#define AG_FUZZ_TARGET(...)                                                     \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data_, size_t size_) {   \
    const std::string input(reinterpret_cast<const char*>(data_), size_);       \
    try {                                                                       \
      __VA_ARGS__                                                               \
    } catch (const ag::Error&) {                                                \
    }                                                                           \
    return 0;                                                                   \
  }
