// augment.hpp: data augmentation on waveforms and log-mel spectrograms.
//
// Every augmentation draws from a Generator passed in (never a hidden global), is applied with a
// probability p, and can be named in a config string (see parse_augmentations), e.g.
//   "gain(p=0.5,min_db=-6,max_db=6) noise(p=0.3,min_snr_db=10,max_snr_db=40) time_mask freq_mask"
// The names, their parameters and defaults are one table in augment_chain.cpp. To add an
// augmentation: declare its function here and write it (in augment.cpp, or a file of its own), add
// its row to that table, and test it in tests/audio/test_augment.cpp.
//
// Waveform (x: (L,) mono samples):
//   gain          multiply by 10^(g/20), g ~ U[min_db, max_db]
//   noise         add white Gaussian noise at an SNR ~ U[min_snr_db, max_snr_db] w.r.t. the clip's power
//   shift         move by s ~ U{-max_shift .. max_shift} samples (max_shift_s seconds): roll (circular)
//                 or shift with zero fill
//   pitch_shift   +-max_semitones, duration kept: WSOLA time stretch by 2^(s/12), then resampling back
//   time_stretch  speed rate ~ U[min_rate, max_rate], pitch kept (WSOLA), then fit back to L
//   reverb        convolution with a synthetic room impulse response, RT60 ~ U[min_rt60, max_rt60]
//                 (augment_reverb.cpp; the seed pipeline's reverb)
//   low_high_pass a gentle random low-pass (fc ~ U[0.5, 0.75) of Nyquist) or high-pass (U[0, 0.25))
//                 FIR, peak kept (augment_filter.cpp; the seed's LPHPFilter)
//   split_stretch cut at a random point, each part stretched or compressed by up to max_stretch,
//                 length kept (augment_split_stretch.cpp; the seed's time_shift, as its README has it)
//   distortion    tanh soft clipping with a drive ~ U[min_drive_db, max_drive_db], peak kept
//                 (augment_distortion.cpp)
//   crop          (not in the chain: it changes the length) random_temporal_crop of t_c seconds
// Spectrogram (s: (T, F) log-mel):
//   time_mask     `num` stripes of width w ~ U{0 .. max_width-1} frames (PANNs: 2 stripes, < 64)
//   freq_mask     `num` stripes of width w ~ U{0 .. max_width-1} mel bins (PANNs: 2 stripes, < 8)
//                 masked values are set to `fill`: the clip's mean (default; on a dB log-mel that is
//                 what BatchNorm later maps to ~0, as PANNs' zeroing after bn0 does) or a constant
//   time_warp     SpecAugment's warp: the frame c ~ U[W, T-W) moves to c + w, w ~ U[-W, W], the two
//                 sides stretched linearly
//   filter_augment FilterAugment (Nam et al. 2022): the mel axis is cut into n ~ U{min_bands..max_bands}
//                 bands at random edges, each band gets a gain ~ U[min_db, max_db] dB (added to a dB
//                 log-mel, i.e. a random step-shaped equaliser)
// Batch (in audio/loader.hpp): mixup of waveforms (before features) or of log-mels, λ ~ Beta(α, α),
// targets mixed with the same λ: see `mixup` below.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/random.hpp"

namespace ag::audio {

// --- waveform ---------------------------------------------------------------------------------
// Each returns the gain / SNR / shift it drew (for tests and logging).
double random_gain(std::vector<float>& x, Generator& gen, double min_db, double max_db);
double add_noise(std::vector<float>& x, Generator& gen, double min_snr_db, double max_snr_db);
int64_t time_shift(std::vector<float>& x, Generator& gen, int64_t max_shift, bool roll);
// (L,) -> (length,): a uniformly placed window (zero-padded if L < length).
std::vector<float> random_temporal_crop(const std::vector<float>& x, int64_t length, Generator& gen);

// WSOLA (waveform-similarity overlap-add): (L,) -> (round(L / rate),), same pitch. rate > 1 is faster.
// frame: analysis frame in samples (~23 ms at 44.1 kHz by default).
std::vector<float> time_stretch(const std::vector<float>& x, double rate, int frame = 1024);
// (L,) -> (L,), every frequency multiplied by 2^(semitones / 12): time_stretch by 1 / factor, then
// resample (libsoxr) by the factor.
std::vector<float> pitch_shift(const std::vector<float>& x, double semitones, int sample_rate);

// Reverberation (augment_reverb.cpp): replaces x by (1 - wet) x + wet (h * x), h a synthetic RIR;
// returns the RT60 it drew.
double reverb(std::vector<float>& x, Generator& gen, int sample_rate, double min_rt60, double max_rt60, double wet = 1.0);
// A direct path then Gaussian noise decaying by 60 dB over rt60 seconds, unit L2 norm: (rt60 sr,).
std::vector<float> synthetic_rir(Generator& gen, int sample_rate, double rt60);
// (h * x)[0 .. L): causal convolution cut to x's length, by FFT.
std::vector<float> convolve_causal(const std::vector<float>& x, const std::vector<float>& h);

// Low- or high-pass (augment_filter.cpp). fir_filter: scipy.signal.firwin(taps, cutoff, window=
// 'hamming', pass_zero=!highpass), cutoff as a fraction of Nyquist, taps odd.
struct LowHighPass {
  bool highpass = false;
  double cutoff = 0;  // of Nyquist
};
std::vector<double> fir_filter(int taps, double cutoff, bool highpass);
LowHighPass low_high_pass(std::vector<float>& x, Generator& gen, int sample_rate);

// Split and stretch (augment_split_stretch.cpp): returns (c, c'), the cut and where it moved.
std::pair<int64_t, int64_t> split_stretch(std::vector<float>& x, Generator& gen, double max_stretch);

// Soft clipping (augment_distortion.cpp): returns the drive in dB it drew.
double distortion(std::vector<float>& x, Generator& gen, double min_drive_db, double max_drive_db);

// --- spectrogram (s: (T, F) row-major) ----------------------------------------------------------
enum class MaskFill { Mean, Constant };
struct MaskStripe {
  int64_t start, width;
};
// Returns the stripes it masked.
std::vector<MaskStripe> time_mask(float* s, int64_t frames, int64_t bins, Generator& gen, int num, int64_t max_width,
                                  MaskFill fill = MaskFill::Mean, float value = 0.0f);
std::vector<MaskStripe> freq_mask(float* s, int64_t frames, int64_t bins, Generator& gen, int num, int64_t max_width,
                                  MaskFill fill = MaskFill::Mean, float value = 0.0f);
// Returns (c, w): frame c moved to c + w. No-op (returns {0, 0}) when T <= 2W.
std::pair<int64_t, int64_t> time_warp(float* s, int64_t frames, int64_t bins, Generator& gen, int64_t max_warp);
// The deterministic part of time_warp, for tests: remap so that frame c lands on c + w.
void warp_time_axis(float* s, int64_t frames, int64_t bins, int64_t c, int64_t w);
// Returns the per-bin gains in dB it added, (F,).
std::vector<float> filter_augment(float* s, int64_t frames, int64_t bins, Generator& gen, double min_db, double max_db,
                                  int min_bands, int max_bands);

// --- mixup --------------------------------------------------------------------------------------
// x: (B, D) rows (waveforms or flattened log-mels), y: (B, N) targets. Each row i becomes
// λ_i x_i + (1 - λ_i) x_{π(i)} with π a random permutation and λ_i ~ Beta(alpha, alpha), the same
// λ_i for y. Returns the λ_i.
std::vector<double> mixup(float* x, int64_t batch, int64_t dim, float* y, int64_t n_classes, Generator& gen,
                          double alpha, std::vector<int64_t>* partner = nullptr);

// --- by name ------------------------------------------------------------------------------------
// One configured augmentation: a name, its probability and its numeric parameters.
struct AugmentSpec {
  std::string name;
  double p = 1.0;
  std::map<std::string, double> params;
  double get(const std::string& key, double fallback) const;
};

// Every name parse_augmentations accepts, sorted: distortion gain low_high_pass noise pitch_shift
// reverb shift split_stretch time_stretch (waveform), filter_augment freq_mask time_mask time_warp
// (spectrogram) today.
std::vector<std::string> augmentation_names();

// "name(key=v,key=v) name2 ..." -> specs with defaults filled in. Unknown names or keys throw
// ValueError listing the valid ones.
std::vector<AugmentSpec> parse_augmentations(const std::string& text);

// A chain of augmentations, split by the domain they act in. Parameters missing from a spec take
// the table's defaults; an unknown name throws ValueError listing the valid ones.
class AugmentChain {
 public:
  AugmentChain() = default;
  explicit AugmentChain(const std::string& text, int sample_rate = 44100);
  explicit AugmentChain(std::vector<AugmentSpec> specs, int sample_rate = 44100);
  bool has_waveform() const;
  bool has_spectrogram() const;
  bool empty() const { return specs_.empty(); }
  // Each augmentation fires with its own probability p times `strength` (in [0, 1]), in the order
  // given. strength ramps a chain in over the first epochs of training (--augment-from /
  // --augment-ramp): 0 applies nothing, 1 the chain as configured.
  void apply_waveform(std::vector<float>& x, Generator& gen, double strength = 1.0) const;
  void apply_spectrogram(float* s, int64_t frames, int64_t bins, Generator& gen, double strength = 1.0) const;
  const std::vector<AugmentSpec>& specs() const { return specs_; }

 private:
  std::vector<AugmentSpec> specs_;
  int sample_rate_ = 44100;
};

}  // namespace ag::audio
