// augment.cpp: the augmentations themselves (see augment.hpp); augment_chain.cpp runs them by name.
#include "audio/augment.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "audio/resample.hpp"
#include "audio/waveform.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

// --- waveform ---------------------------------------------------------------------------------

double random_gain(std::vector<float>& x, Generator& gen, double min_db, double max_db) {
  if (max_db < min_db) fail<ValueError>("gain: max_db ", max_db, " < min_db ", min_db);
  const double g = gen.uniform(min_db, max_db);
  const float scale = static_cast<float>(std::pow(10.0, g / 20.0));
  for (float& v : x) v *= scale;
  return g;
}

double add_noise(std::vector<float>& x, Generator& gen, double min_snr_db, double max_snr_db) {
  if (max_snr_db < min_snr_db) fail<ValueError>("noise: max_snr_db ", max_snr_db, " < min_snr_db ", min_snr_db);
  const double snr = gen.uniform(min_snr_db, max_snr_db);
  const double signal_power = std::pow(rms(x), 2);
  if (signal_power <= 0) return snr;  // silence: no SNR to keep; leave it silent
  // SNR = 10 log10(P_signal / P_noise)  =>  sigma = sqrt(P_signal / 10^(SNR/10)).
  const double sigma = std::sqrt(signal_power / std::pow(10.0, snr / 10.0));
  for (float& v : x) v += static_cast<float>(sigma * gen.normal());
  return snr;
}

int64_t time_shift(std::vector<float>& x, Generator& gen, int64_t max_shift, bool roll) {
  const int64_t n = static_cast<int64_t>(x.size());
  if (n == 0 || max_shift <= 0) return 0;
  const int64_t s = gen.randint(-max_shift, max_shift + 1);
  std::vector<float> out(x.size(), 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = i + s;  // sample i moves to j
    if (roll) j = ((j % n) + n) % n;
    if (j >= 0 && j < n) out[j] = x[i];
  }
  x.swap(out);
  return s;
}

std::vector<float> random_temporal_crop(const std::vector<float>& x, int64_t length, Generator& gen) {
  return fit_length(x, length, FitMode::RandomCrop, &gen);
}

std::vector<float> time_stretch(const std::vector<float>& x, double rate, int frame) {
  if (!(rate > 0)) fail<ValueError>("time_stretch: rate must be positive, got ", rate);
  if (frame < 16) fail<ValueError>("time_stretch: frame must be >= 16 samples, got ", frame);
  const int64_t n_in = static_cast<int64_t>(x.size());
  const int64_t n_out = static_cast<int64_t>(std::llround(n_in / rate));
  std::vector<float> out(static_cast<size_t>(n_out), 0.0f);
  if (n_out == 0 || n_in == 0) return out;
  // WSOLA: output frames at a fixed hop Hs = frame/2 with a Hann window (which sums to 1 at 50 %
  // overlap). The k-th frame is read near input position k*Hs*rate, moved by up to +-tol samples to
  // the position whose waveform best continues the previous frame (max cross-correlation with the
  // input that followed it), so periodic signals keep their phase and their pitch.
  const int hop = frame / 2;
  const int tol = frame / 4;
  const double pi = 3.14159265358979323846;
  std::vector<double> w(frame);
  for (int j = 0; j < frame; ++j) w[j] = 0.5 - 0.5 * std::cos(2 * pi * j / frame);
  std::vector<double> acc(static_cast<size_t>(n_out + frame), 0.0), norm(static_cast<size_t>(n_out + frame), 0.0);
  auto at = [&](int64_t i) { return i >= 0 && i < n_in ? static_cast<double>(x[i]) : 0.0; };
  int64_t prev = 0;
  for (int64_t k = 0; k * hop < n_out; ++k) {
    int64_t pos = 0;
    if (k > 0) {
      const int64_t nominal = static_cast<int64_t>(std::llround(k * hop * rate));
      const int64_t natural = prev + hop;  // where the previous frame's signal continues
      double best = -INFINITY;
      pos = nominal;
      // Correlate on every 4th sample of the overlapping half: 4x cheaper, same peak for audio.
      for (int64_t d = -tol; d <= tol; ++d) {
        double c = 0;
        for (int j = 0; j < frame / 2; j += 4) c += at(natural + j) * at(nominal + d + j);
        if (c > best) { best = c; pos = nominal + d; }
      }
    }
    const int64_t o = k * hop;
    for (int j = 0; j < frame && o + j < n_out + frame; ++j) {
      acc[o + j] += w[j] * at(pos + j);
      norm[o + j] += w[j];
    }
    prev = pos;
  }
  for (int64_t i = 0; i < n_out; ++i) out[i] = static_cast<float>(norm[i] > 1e-3 ? acc[i] / norm[i] : acc[i]);
  return out;
}

std::vector<float> pitch_shift(const std::vector<float>& x, double semitones, int sample_rate) {
  if (sample_rate <= 0) fail<ValueError>("pitch_shift: sample_rate must be positive, got ", sample_rate);
  if (semitones == 0.0 || x.empty()) return x;
  const double factor = std::pow(2.0, semitones / 12.0);
  // Stretch to L * factor samples (same pitch), then play them factor times faster: resampling from
  // factor * sr to sr gives L samples with every frequency multiplied by factor.
  const int frame = std::max(256, static_cast<int>(std::lround(0.023 * sample_rate)) & ~1);
  std::vector<float> longer = time_stretch(x, 1.0 / factor, frame);
  std::vector<float> y = resample(longer, factor * sample_rate, sample_rate);
  y.resize(x.size(), 0.0f);
  return y;
}

// --- spectrogram --------------------------------------------------------------------------------
namespace {

float fill_value(const float* s, int64_t n, MaskFill fill, float value) {
  if (fill == MaskFill::Constant) return value;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += s[i];
  return n ? static_cast<float>(sum / n) : 0.0f;
}

std::vector<MaskStripe> draw_stripes(int64_t extent, Generator& gen, int num, int64_t max_width, const char* op) {
  if (num < 0 || max_width < 1) fail<ValueError>(op, ": need num >= 0 and max_width >= 1, got ", num, ", ", max_width);
  std::vector<MaskStripe> out;
  for (int i = 0; i < num; ++i) {
    const int64_t width = std::min(gen.randint(0, max_width), extent);  // PANNs: width < max_width
    const int64_t start = gen.randint(0, extent - width + 1);
    out.push_back({start, width});
  }
  return out;
}

}  // namespace

std::vector<MaskStripe> time_mask(float* s, int64_t frames, int64_t bins, Generator& gen, int num, int64_t max_width,
                                  MaskFill fill, float value) {
  const float v = fill_value(s, frames * bins, fill, value);
  auto stripes = draw_stripes(frames, gen, num, max_width, "time_mask");
  for (const auto& st : stripes)
    for (int64_t t = st.start; t < st.start + st.width; ++t) std::fill(s + t * bins, s + (t + 1) * bins, v);
  return stripes;
}

std::vector<MaskStripe> freq_mask(float* s, int64_t frames, int64_t bins, Generator& gen, int num, int64_t max_width,
                                  MaskFill fill, float value) {
  const float v = fill_value(s, frames * bins, fill, value);
  auto stripes = draw_stripes(bins, gen, num, max_width, "freq_mask");
  for (const auto& st : stripes)
    for (int64_t t = 0; t < frames; ++t)
      for (int64_t f = st.start; f < st.start + st.width; ++f) s[t * bins + f] = v;
  return stripes;
}

void warp_time_axis(float* s, int64_t frames, int64_t bins, int64_t c, int64_t w) {
  if (c <= 0 || c >= frames - 1 || c + w <= 0 || c + w >= frames - 1) {
    fail<ValueError>("time_warp: centre ", c, " moved by ", w, " must stay inside (0, ", frames - 1, ")");
  }
  // Output frame u reads input position src(u): [0, c+w] -> [0, c] and [c+w, T-1] -> [c, T-1],
  // linearly, with linear interpolation between input frames.
  const std::vector<float> in(s, s + frames * bins);
  const int64_t d = c + w;
  for (int64_t u = 0; u < frames; ++u) {
    const double src = u <= d ? double(u) * c / d : c + double(u - d) * (frames - 1 - c) / (frames - 1 - d);
    const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(std::floor(src)), frames - 1);
    const int64_t i1 = std::min<int64_t>(i0 + 1, frames - 1);
    const float a = static_cast<float>(src - i0);
    for (int64_t f = 0; f < bins; ++f) s[u * bins + f] = (1 - a) * in[i0 * bins + f] + a * in[i1 * bins + f];
  }
}

std::pair<int64_t, int64_t> time_warp(float* s, int64_t frames, int64_t bins, Generator& gen, int64_t max_warp) {
  if (max_warp < 1 || frames <= 2 * max_warp + 2) return {0, 0};
  const int64_t c = gen.randint(max_warp + 1, frames - max_warp - 1);
  const int64_t w = gen.randint(-max_warp, max_warp + 1);
  if (w != 0) warp_time_axis(s, frames, bins, c, w);
  return {c, w};
}

std::vector<float> filter_augment(float* s, int64_t frames, int64_t bins, Generator& gen, double min_db, double max_db,
                                  int min_bands, int max_bands) {
  if (min_bands < 1 || max_bands < min_bands) {
    fail<ValueError>("filter_augment: need 1 <= min_bands <= max_bands, got ", min_bands, ", ", max_bands);
  }
  const int n_bands = static_cast<int>(std::min<int64_t>(gen.randint(min_bands, max_bands + 1), bins));
  // n_bands - 1 distinct interior edges in (0, bins), sorted.
  std::vector<int64_t> cuts(static_cast<size_t>(bins - 1));
  std::iota(cuts.begin(), cuts.end(), 1);
  for (int64_t i = 0; i < n_bands - 1; ++i) std::swap(cuts[i], cuts[gen.randint(i, bins - 1)]);
  std::vector<int64_t> edges(cuts.begin(), cuts.begin() + (n_bands - 1));
  std::sort(edges.begin(), edges.end());
  edges.insert(edges.begin(), 0);
  edges.push_back(bins);
  std::vector<float> gain(static_cast<size_t>(bins));
  for (int b = 0; b < n_bands; ++b) {
    const float g = static_cast<float>(gen.uniform(min_db, max_db));
    for (int64_t f = edges[b]; f < edges[b + 1]; ++f) gain[f] = g;
  }
  for (int64_t t = 0; t < frames; ++t)
    for (int64_t f = 0; f < bins; ++f) s[t * bins + f] += gain[f];
  return gain;
}

// --- mixup --------------------------------------------------------------------------------------

std::vector<double> mixup(float* x, int64_t batch, int64_t dim, float* y, int64_t n_classes, Generator& gen,
                          double alpha, std::vector<int64_t>* partner) {
  if (!(alpha > 0)) fail<ValueError>("mixup: alpha must be positive, got ", alpha);
  std::vector<int64_t> perm(static_cast<size_t>(batch));
  std::iota(perm.begin(), perm.end(), 0);
  for (int64_t i = batch - 1; i > 0; --i) std::swap(perm[i], perm[gen.randint(0, i + 1)]);
  std::vector<double> lambdas(static_cast<size_t>(batch));
  for (auto& l : lambdas) l = gen.beta(alpha, alpha);
  // Read from a copy: row π(i) may already have been mixed.
  const std::vector<float> x0(x, x + batch * dim);
  const std::vector<float> y0(y, y + batch * n_classes);
  for (int64_t i = 0; i < batch; ++i) {
    const float l = static_cast<float>(lambdas[i]);
    const int64_t j = perm[i];
    for (int64_t d = 0; d < dim; ++d) x[i * dim + d] = l * x0[i * dim + d] + (1 - l) * x0[j * dim + d];
    for (int64_t n = 0; n < n_classes; ++n) y[i * n_classes + n] = l * y0[i * n_classes + n] + (1 - l) * y0[j * n_classes + n];
  }
  if (partner) *partner = perm;
  return lambdas;
}

}  // namespace ag::audio
