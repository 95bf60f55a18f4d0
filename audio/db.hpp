// db.hpp: compressing a power spectrum's dynamic range: decibels or a plain log.
//
// power_to_db:      10 log10(max(x, amin)) - 10 log10(max(ref, amin)), then, if top_db > 0,
//                   clamp from below at (max over the whole spectrogram) - top_db.
//                   (torchaudio AmplitudeToDB(stype="power"); librosa.power_to_db)
// amplitude_to_db:  the same with 20 instead of 10, for magnitude spectrograms.
// log_eps:          ln(x + eps), the other common choice (e.g. for speech models).
// amin keeps log10 finite for silent frames: 1e-10 power is -100 dB.
#pragma once

#include <cstdint>

namespace ag::audio {

// In place over n values; top_db <= 0 means no clamping.
void power_to_db(float* x, int64_t n, double amin = 1e-10, double ref = 1.0, double top_db = 0.0);
void amplitude_to_db(float* x, int64_t n, double amin = 1e-10, double ref = 1.0, double top_db = 0.0);
void log_eps(float* x, int64_t n, double eps = 1e-6);

}  // namespace ag::audio
