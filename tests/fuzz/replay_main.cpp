// replay_main.cpp: runs a fuzz target without libFuzzer (every build but the `fuzz` preset), so
// CTest checks the targets on every run, with g++ and without clang:
//
//   fuzz_<reader> [--generated N] [--seed S] [--max-seconds T] [--save DIR] CORPUS_DIR_OR_FILE...
//
// It feeds the target every file found (the seed corpus and the regression inputs), then N inputs
// made by seeded mutations of those files (bit flips, interesting bytes, truncation, byte insertion
// and deletion, chunk duplication, splicing two files), the same N for the same seed on every
// machine. A finding (an exception other than ag::Error escaping, or a crash / sanitizer report,
// which end the process) names the input; the input is written to DIR (default: the current
// directory) as replay-crash-<n> so it can be added to the regressions. --max-seconds stops the
// generated inputs early (slow sanitizer builds), saying how many ran.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

struct Rng {  // splitmix64: small, seeded, the same everywhere
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string save_dir = ".";
const std::string* current = nullptr;
std::string current_name;

void save_current(const char* why) {
  if (!current) return;
  static int n = 0;
  const std::string path = save_dir + "/replay-crash-" + std::to_string(n++);
  std::ofstream f(path, std::ios::binary);
  f.write(current->data(), static_cast<std::streamsize>(current->size()));
  std::fprintf(stderr, "replay: FINDING on %s (%zu bytes): %s; input saved to %s\n", current_name.c_str(), current->size(), why,
               path.c_str());
}

void run_one(const std::string& input, const std::string& name) {
  current = &input;
  current_name = name;
  try {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  } catch (const std::exception& e) {
    save_current((std::string("uncaught ") + e.what()).c_str());
    std::exit(1);
  } catch (...) {
    save_current("uncaught non-std exception");
    std::exit(1);
  }
  current = nullptr;
}

// A crash or abort (std::terminate, __builtin_trap) still names and saves its input (best effort:
// not async-signal-safe, but the process is ending anyway), then dies of the same signal.
void on_fatal_signal(int sig) {
  save_current(sig == SIGABRT ? "abort" : "fatal signal");
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::string mutate(const std::vector<std::string>& pool, Rng& r) {
  std::string x = pool[r.below(pool.size())];
  const int rounds = 1 + static_cast<int>(r.below(4));
  static const unsigned char interesting[] = {0, 1, 0x7f, 0x80, 0xff, 0xfe, '0', '9', ',', '"', '\n', '[', ']', '{', '}', ':', '-'};
  for (int k = 0; k < rounds; ++k) {
    switch (r.below(8)) {
      case 0:  // flip a bit
        if (!x.empty()) x[r.below(x.size())] ^= static_cast<char>(1u << r.below(8));
        break;
      case 1:  // an interesting byte
        if (!x.empty()) x[r.below(x.size())] = static_cast<char>(interesting[r.below(sizeof interesting)]);
        break;
      case 2:  // truncate
        x.resize(r.below(x.size() + 1));
        break;
      case 3: {  // insert random bytes
        std::string ins(1 + r.below(16), '\0');
        for (char& c : ins) c = static_cast<char>(r.next());
        x.insert(r.below(x.size() + 1), ins);
        break;
      }
      case 4:  // delete a range
        if (!x.empty()) {
          const size_t at = r.below(x.size());
          x.erase(at, 1 + r.below(std::min<size_t>(64, x.size() - at)));
        }
        break;
      case 5:  // duplicate a chunk
        if (!x.empty()) {
          const size_t at = r.below(x.size()), n = 1 + r.below(std::min<size_t>(256, x.size() - at));
          x.insert(r.below(x.size() + 1), x.substr(at, n));
        }
        break;
      case 6: {  // splice: the head of this input, the tail of another
        const std::string& y = pool[r.below(pool.size())];
        x = x.substr(0, r.below(x.size() + 1)) + y.substr(r.below(y.size() + 1));
        break;
      }
      default:  // overwrite 8 bytes with a large or negative little-endian number (lengths, sizes)
        if (x.size() >= 8) {
          const size_t at = r.below(x.size() - 7);
          const uint64_t v = r.below(2) ? ~uint64_t{0} - r.below(4) : uint64_t{1} << r.below(64);
          std::memcpy(&x[at], &v, 8);
        }
        break;
    }
  }
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  long generated = 2000;
  uint64_t seed = 1;
  double max_seconds = 1e9;
  std::vector<fs::path> sources;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--generated" && i + 1 < argc) generated = std::atol(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--max-seconds" && i + 1 < argc) max_seconds = std::atof(argv[++i]);
    else if (a == "--save" && i + 1 < argc) save_dir = argv[++i];
    else sources.emplace_back(a);
  }
  for (int sig : {SIGABRT, SIGSEGV, SIGFPE, SIGBUS, SIGILL}) std::signal(sig, on_fatal_signal);
  std::vector<std::string> pool;
  size_t files = 0;
  for (const fs::path& s : sources) {
    std::error_code ec;
    std::vector<fs::path> found;
    if (fs::is_directory(s, ec)) {
      for (const auto& e : fs::directory_iterator(s, ec))
        if (e.is_regular_file()) found.push_back(e.path());
    } else if (fs::is_regular_file(s, ec)) {
      found.push_back(s);
    } else {
      std::fprintf(stderr, "replay: '%s' is neither a file nor a directory\n", s.string().c_str());
      return 2;
    }
    std::sort(found.begin(), found.end());
    for (const fs::path& p : found) {
      pool.push_back(slurp(p));
      run_one(pool.back(), p.string());
      ++files;
    }
  }
  if (pool.empty()) {
    std::fprintf(stderr, "replay: no corpus files given: nothing to mutate\n");
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  Rng r{seed};
  long done = 0;
  for (; done < generated; ++done) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > max_seconds) break;
    const std::string x = mutate(pool, r);
    run_one(x, "generated input " + std::to_string(done) + " (seed " + std::to_string(seed) + ")");
  }
  std::printf("replay: %zu corpus files and %ld generated inputs (of %ld, seed %llu): no finding\n", files, done, generated,
              static_cast<unsigned long long>(seed));
  return 0;
}
