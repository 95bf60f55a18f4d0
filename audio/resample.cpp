// resample.cpp: libsoxr one-shot resampling; see resample.hpp.
#include "audio/resample.hpp"

#include <soxr.h>

#include <cmath>

#include "audio/resample_private.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

unsigned long detail::soxr_recipe(ResampleQuality q) {
  switch (q) {
    case ResampleQuality::Quick: return SOXR_QQ;
    case ResampleQuality::Low: return SOXR_LQ;
    case ResampleQuality::Medium: return SOXR_MQ;
    case ResampleQuality::High: return SOXR_HQ;
    case ResampleQuality::VeryHigh: return SOXR_VHQ;
  }
  return SOXR_HQ;
}

std::vector<float> resample_interleaved(const std::vector<float>& x, int channels, double in_rate,
                                        double out_rate, ResampleQuality quality) {
  if (!(in_rate > 0) || !(out_rate > 0)) {
    fail<ValueError>("resample: sample rates must be positive, got ", in_rate, " -> ", out_rate, " Hz");
  }
  if (channels <= 0 || x.size() % channels != 0) {
    fail<ValueError>("resample: ", x.size(), " samples is not a whole number of ", channels, "-channel frames");
  }
  if (in_rate == out_rate || x.empty()) return x;
  const size_t in_frames = x.size() / channels;
  const size_t out_frames = static_cast<size_t>(std::llround(static_cast<double>(in_frames) * out_rate / in_rate));
  std::vector<float> out(out_frames * channels);
  if (out_frames == 0) return out;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(detail::soxr_recipe(quality), 0);
  size_t in_done = 0, out_done = 0;
  soxr_error_t err = soxr_oneshot(in_rate, out_rate, static_cast<unsigned>(channels), x.data(), in_frames, &in_done,
                                  out.data(), out_frames, &out_done, &io, &q, nullptr);
  if (err) fail<ValueError>("resample: libsoxr failed (", in_rate, " -> ", out_rate, " Hz): ", err);
  // soxr_oneshot flushes its filter, so out_done == out_frames up to rounding of the last sample;
  // whatever was not produced stays zero.
  return out;
}

std::vector<float> resample(const std::vector<float>& x, double in_rate, double out_rate, ResampleQuality quality) {
  return resample_interleaved(x, 1, in_rate, out_rate, quality);
}

}  // namespace ag::audio
