// check_snippets.cpp: the "docs are code" check, run by CTest as docs.snippets.
//
// Every ```cpp block in docs/*.md must begin with the line `// docs/examples/NAME.cpp` and be
// exactly that file (which CMake builds and CTest runs), and every file in docs/examples/ must be
// shown by some chapter. tools/sync_docs.py re-copies the files into the chapters.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

static std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int main() {
  int errors = 0;
  std::set<std::string> shown;
  for (const auto& entry : fs::directory_iterator("docs")) {
    if (entry.path().extension() != ".md") continue;
    std::string text = slurp(entry.path());
    size_t pos = 0;
    while ((pos = text.find("```cpp\n", pos)) != std::string::npos) {
      size_t start = pos + 7, end = text.find("```", start);
      if (end == std::string::npos) {
        std::cerr << entry.path() << ": unclosed ```cpp block\n";
        return 1;
      }
      std::string body = text.substr(start, end - start);
      std::string first = body.substr(0, body.find('\n'));
      const std::string prefix = "// docs/examples/";
      if (first.rfind(prefix, 0) != 0) {
        std::cerr << entry.path() << ": a ```cpp block does not start with '// docs/examples/NAME.cpp' (snippets must be real files): "
                  << first << "\n";
        ++errors;
      } else {
        std::string file = first.substr(3);
        shown.insert(file);
        if (!fs::exists(file)) {
          std::cerr << entry.path() << ": shows " << file << ", which does not exist\n";
          ++errors;
        } else if (slurp(file) != body) {
          std::cerr << entry.path() << ": the block for " << file << " differs from the file (run tools/sync_docs.py)\n";
          ++errors;
        }
      }
      pos = end + 3;
    }
  }
  for (const auto& entry : fs::directory_iterator("docs/examples")) {
    if (entry.path().extension() != ".cpp") continue;
    std::string file = "docs/examples/" + entry.path().filename().string();
    if (!shown.count(file)) {
      std::cerr << file << " is not shown in any docs/*.md chapter\n";
      ++errors;
    }
  }
  if (errors == 0) std::cout << "docs: " << shown.size() << " snippets, all real files and in sync\n";
  return errors ? 1 : 0;
}
