// augment_distortion.cpp: soft-clipping distortion. The seed pipeline names a Distortion
// augmentation but leaves it unimplemented (fabuloudy/audio_survey, utils/augmentation/wave.py
// raises NotImplementedError), so this is the common tanh waveshaper (audiomentations'
// TanhDistortion, a guitar overdrive):
//   drive d ~ U[min_drive_db, max_drive_db],  g = 10^(d / 20),  a = the clip's peak,
//   y = a tanh(g x / a) / tanh(g)
// odd, monotone, and the clip's peak is kept; at 0 dB it bends the loudest samples slightly, at
// 20 dB most of the clip is squashed towards +-a, which adds odd harmonics.
#include <algorithm>
#include <cmath>

#include "audio/augment.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

double distortion(std::vector<float>& x, Generator& gen, double min_drive_db, double max_drive_db) {
  if (max_drive_db < min_drive_db)
    fail<ValueError>("distortion: min_drive_db (", min_drive_db, ") must not exceed max_drive_db (", max_drive_db, ")");
  const double drive = gen.uniform(min_drive_db, max_drive_db);
  double peak = 0;
  for (float v : x) peak = std::max(peak, static_cast<double>(std::fabs(v)));
  if (peak == 0) return drive;
  const double g = std::pow(10.0, drive / 20), norm = std::tanh(g);
  for (float& v : x) v = static_cast<float>(peak * std::tanh(g * v / peak) / norm);
  return drive;
}

}  // namespace ag::audio
