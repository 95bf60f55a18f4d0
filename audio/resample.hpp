// resample.hpp: band-limited sample-rate conversion through libsoxr.
//
// ESC-50 is 44.1 kHz but 41 of its source OGGs are 48 kHz, and CNN14 wants 32 kHz, so the loader
// resamples. libsoxr is a windowed-sinc resampler with a steep anti-aliasing filter: "high" quality
// (the default here) is 20-bit accurate with a passband to 91 % of the lower Nyquist frequency;
// "very_high" is 28-bit. (Note: soxr_oneshot's own default is the *low* quality recipe, which is why
// the quality is always passed explicitly.)
//
// The output of resampling L samples from r_in to r_out has round(L * r_out / r_in) samples and is
// time-aligned with the input (soxr compensates its filter delay).
#pragma once

#include <cstdint>
#include <vector>

namespace ag::audio {

enum class ResampleQuality { Quick, Low, Medium, High, VeryHigh };

// x: (L,) mono samples at in_rate -> (round(L * out_rate / in_rate),) at out_rate.
// Rates may be any positive numbers (time stretch uses non-integer ratios). Returns a copy of x
// when the rates are equal. Throws ValueError for a non-positive rate.
std::vector<float> resample(const std::vector<float>& x, double in_rate, double out_rate,
                            ResampleQuality quality = ResampleQuality::High);

// Same for interleaved multichannel samples (frames, channels).
std::vector<float> resample_interleaved(const std::vector<float>& x, int channels, double in_rate,
                                        double out_rate, ResampleQuality quality = ResampleQuality::High);

}  // namespace ag::audio
