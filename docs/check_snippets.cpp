// check_snippets.cpp: the "docs are code" check, run by CTest as docs.snippets.
//
// Every ```cpp block in docs/*.md must begin with the line `// docs/examples/NAME.cpp` and be
// exactly that file (which CMake builds and CTest runs), a ```cmake block that begins with
// `# docs/examples/...` must be exactly that file, and every .cpp and CMakeLists.txt under
// docs/examples/ must be shown by some chapter (docs/examples/outside/ is the installed-package
// project of chapter 8, built by the install.find_package test). tools/sync_docs.py re-copies the files into the chapters.
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

// Checks every ```<lang> block of one chapter whose files carry `<comment> docs/examples/...`.
static int check_blocks(const fs::path& md, const std::string& text, const std::string& lang, const std::string& comment,
                        std::set<std::string>& shown, bool must_name_file) {
  int errors = 0;
  const std::string fence = "```" + lang + "\n";
  size_t pos = 0;
  while ((pos = text.find(fence, pos)) != std::string::npos) {
    size_t start = pos + fence.size(), end = text.find("```", start);
    if (end == std::string::npos) {
      std::cerr << md << ": unclosed " << fence.substr(0, fence.size() - 1) << " block\n";
      return errors + 1;
    }
    std::string body = text.substr(start, end - start);
    std::string first = body.substr(0, body.find('\n'));
    const std::string prefix = comment + " docs/examples/";
    if (first.rfind(prefix, 0) != 0) {
      if (must_name_file) {
        std::cerr << md << ": a ```" << lang << " block does not start with '" << prefix
                  << "NAME' (snippets must be real files): " << first << "\n";
        ++errors;
      }
    } else {
      std::string file = first.substr(comment.size() + 1);
      shown.insert(file);
      if (!fs::exists(file)) {
        std::cerr << md << ": shows " << file << ", which does not exist\n";
        ++errors;
      } else if (slurp(file) != body) {
        std::cerr << md << ": the block for " << file << " differs from the file (run tools/sync_docs.py)\n";
        ++errors;
      }
    }
    pos = end + 3;
  }
  return errors;
}

int main() {
  int errors = 0;
  std::set<std::string> shown;
  for (const auto& entry : fs::directory_iterator("docs")) {
    if (entry.path().extension() != ".md") continue;
    std::string text = slurp(entry.path());
    errors += check_blocks(entry.path(), text, "cpp", "//", shown, /*must_name_file=*/true);
    // CMake blocks are checked when they name a file (the outside project of chapter 8).
    errors += check_blocks(entry.path(), text, "cmake", "#", shown, /*must_name_file=*/false);
  }
  for (const auto& entry : fs::recursive_directory_iterator("docs/examples")) {
    const fs::path& p = entry.path();
    if (p.extension() != ".cpp" && p.filename() != "CMakeLists.txt") continue;
    std::string file = p.lexically_normal().string();
    if (!shown.count(file)) {
      std::cerr << file << " is not shown in any docs/*.md chapter\n";
      ++errors;
    }
  }
  if (errors == 0) std::cout << "docs: " << shown.size() << " snippets, all real files and in sync\n";
  return errors ? 1 : 0;
}
