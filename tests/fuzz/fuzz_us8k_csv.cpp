// fuzz_us8k_csv: the UrbanSound8K metadata reader (metadata/UrbanSound8K.csv;
// ag::audio::urbansound8k_from_csv, which urbansound8k() calls). Audio is looked up in a missing
// directory, as in fuzz_esc50_csv.
#include "audio/dataset.hpp"
#include "fuzz.hpp"

AG_FUZZ_TARGET({
  ag::audio::DatasetOptions skip;
  skip.skip_bad = true;
  try {
    ag::audio::urbansound8k_from_csv(input, "/nonexistent/us8k", skip);
  } catch (const ag::Error&) {
  }
  ag::audio::urbansound8k_from_csv(input, "/nonexistent/us8k", {});
})
