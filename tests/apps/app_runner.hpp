// app_runner.hpp: what the tests that run the audiograd program share: a shell command run with
// its output captured, a per-process temporary path, and checkpoint equality.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "nn/nn.hpp"

namespace ag::test {

struct ShellResult {
  int status;       // the exit status, -1 if killed by a signal
  std::string out;  // stdout and stderr together
  double seconds;   // wall time
};

// Runs `cmd` with /bin/sh, stderr merged into stdout.
inline ShellResult shell(const std::string& cmd) {
  auto t0 = std::chrono::steady_clock::now();
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
}

// <tmp>/<prefix>_<pid>/<name>, its parent created.
inline std::string temp_path(const std::string& prefix, const std::string& name) {
  std::filesystem::path p = std::filesystem::temp_directory_path() / (prefix + "_" + std::to_string(getpid())) / name;
  std::filesystem::create_directories(p.parent_path());
  return p.string();
}

// Two checkpoints with the same tensors, bit for bit.
inline bool same_weights(const std::string& a, const std::string& b) {
  nn::SafeTensors x = nn::load_safetensors(a), y = nn::load_safetensors(b);
  if (x.tensors.keys() != y.tensors.keys()) return false;
  for (auto& [k, t] : x.tensors.items())
    if (!allclose(t, y.tensors.at(k), 0, 0)) return false;
  return true;
}

}  // namespace ag::test
