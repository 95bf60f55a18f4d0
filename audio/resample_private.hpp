// resample_private.hpp: what the one-shot resampler (resample.cpp) and the streaming one
// (stream.cpp) share inside audio/; not installed (cmake/Install.cmake skips *_private.hpp).
#pragma once

#include "audio/resample.hpp"

namespace ag::audio::detail {

// libsoxr's quality recipe (SOXR_QQ ... SOXR_VHQ) for a ResampleQuality.
unsigned long soxr_recipe(ResampleQuality q);

}  // namespace ag::audio::detail
