// augment_split_stretch.cpp: the seed pipeline's time shift as its README describes it
// (fabuloudy/audio_survey: "time_shift: randomly split audio and randomly stretches/compresses each
// part"): the clip is cut at c ~ U{L/5 .. 4L/5}, the first part is resampled to c' = round(c r)
// samples, r ~ U[1 - max_stretch, 1 + max_stretch], and the second part to the L - c' samples that
// are left, so the clip keeps its length and what was at c moves to c'. Each part is played
// slower or faster, as on tape (pitch moves with it, by at most max_stretch), band-limited by
// libsoxr. (The seed's code does a whole-clip shift with a fractional delay instead; our `shift`
// is that whole-clip shift.)
#include <algorithm>
#include <cmath>

#include "audio/augment.hpp"
#include "audio/resample.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

std::pair<int64_t, int64_t> split_stretch(std::vector<float>& x, Generator& gen, double max_stretch) {
  if (max_stretch < 0 || max_stretch >= 1) fail<ValueError>("split_stretch: max_stretch must be in [0, 1), got ", max_stretch);
  const int64_t L = static_cast<int64_t>(x.size());
  if (L < 10) return {0, 0};  // too short to split
  const int64_t c = gen.randint(L / 5, 4 * L / 5 + 1);
  const double r = gen.uniform(1 - max_stretch, 1 + max_stretch);
  const int64_t c2 = std::clamp<int64_t>(static_cast<int64_t>(std::llround(static_cast<double>(c) * r)), 1, L - 1);
  if (c2 == c) return {c, c2};
  const std::vector<float> a(x.begin(), x.begin() + c), b(x.begin() + c, x.end());
  std::vector<float> a2 = resample(a, static_cast<double>(c), static_cast<double>(c2));
  std::vector<float> b2 = resample(b, static_cast<double>(L - c), static_cast<double>(L - c2));
  a2.resize(static_cast<size_t>(c2), 0.0f);  // resample gives round(len * out / in): exact here, kept safe
  b2.resize(static_cast<size_t>(L - c2), 0.0f);
  std::copy(a2.begin(), a2.end(), x.begin());
  std::copy(b2.begin(), b2.end(), x.begin() + c2);
  return {c, c2};
}

}  // namespace ag::audio
