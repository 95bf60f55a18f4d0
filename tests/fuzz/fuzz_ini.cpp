// fuzz_ini: the INI config reader, as `audiograd train --resume` runs it: a run's config.ini read
// back through CLI11 into a TrainConfig with every `train` option (saved_config in
// apps/audiograd/main.cpp). main.cpp is compiled into this target as is (its main() renamed), so
// the options fuzzed are exactly the app's; CLI11 reads config files only from a path, so each
// input is written to a per-process temporary run directory first. A CLI11 error escaping
// saved_config unwrapped would be a finding, as would a crash.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "apps/audiograd/commands.hpp"
#include "apps/audiograd/config.hpp"
#include "apps/audiograd/text.hpp"
#include "apps/audiograd/trainer.hpp"
#include "apps/models/model.hpp"
#include "tensor/io.hpp"

#define main audiograd_main
#include "apps/audiograd/main.cpp"
#undef main

#include "fuzz.hpp"

namespace {
const std::string& run_dir() {
  static const std::string dir = [] {
    const std::string d = (std::filesystem::temp_directory_path() / ("audiograd_fuzz_ini." + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}
}  // namespace

AG_FUZZ_TARGET({
  {
    std::ofstream f(run_dir() + "/config.ini", std::ios::binary | std::ios::trunc);
    f.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  TrainConfig tc;
  tc.out = run_dir();
  std::string text;
  TrainConfig back = saved_config(tc, &text);
  if (text != input) __builtin_trap();  // the run keeps the file's text as it was
  (void)back;
})
