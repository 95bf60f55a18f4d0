// fuzz_esc50_csv: the ESC-50 / ESC-10 metadata reader (meta/esc50.csv; ag::audio::esc50_from_csv,
// which esc50() calls). Audio files are looked up in a directory that does not exist, so every
// row is a missing file: with skip_bad the reader lists them, without it, it refuses them.
#include "audio/dataset.hpp"
#include "fuzz.hpp"

AG_FUZZ_TARGET({
  ag::audio::DatasetOptions skip;
  skip.skip_bad = true;
  const bool esc10 = !input.empty() && (static_cast<unsigned char>(input.back()) & 1);
  try {
    ag::audio::esc50_from_csv(input, "/nonexistent/esc50", esc10, skip);
  } catch (const ag::Error&) {
  }
  ag::audio::esc50_from_csv(input, "/nonexistent/esc50", !esc10, {});
})
