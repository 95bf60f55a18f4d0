// fuzz_folder: the folder-layout dataset reader (root/<class>/<clip>; ag::audio::
// folder_dataset_from_listing, which folder_dataset() calls with the directory's listing). The
// input is a listing, one entry per line: a line ending in '/' is a class folder, any other a
// file path relative to the root.
#include <sstream>
#include <vector>

#include "audio/dataset.hpp"
#include "fuzz.hpp"

AG_FUZZ_TARGET({
  std::vector<std::string> classes, files;
  std::istringstream in(input);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '/') classes.push_back(line.substr(0, line.size() - 1));
    else files.push_back(line);
  }
  ag::audio::AudioDataset d = ag::audio::folder_dataset_from_listing("/nonexistent/root", classes, files);
  for (const auto& it : d.items())
    if (it.label < 0 || it.label >= d.num_classes()) __builtin_trap();  // labels index the classes
})
