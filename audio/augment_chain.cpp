// augment_chain.cpp: augmentations by name. The table of every augmentation (name, domain,
// parameters with defaults, function) and what reads it: the parser of "name(key=v) ..." strings
// and AugmentChain. The augmentations themselves are in augment.cpp.
#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "audio/augment.hpp"
#include "tensor/error.hpp"

namespace ag::audio {

// --- the table ----------------------------------------------------------------------------------
//
// One row per augmentation: its name, the domain it acts in, every parameter it takes with its
// default (p included), and the function that runs it. The parser's defaults and its error
// messages, the chain's waveform/spectrogram split and its dispatch, and augmentation_names() all
// read this table, so adding an augmentation is: its function (declared in augment.hpp, written in
// augment.cpp or a file of its own), one row here, one test in tests/audio/test_augment.cpp.
//
// A row's function is a captureless lambda that reads its parameters through Args when it runs
// (the spec's value, else the row's default), so a spec built by hand with no parameters behaves
// as the parsed one. It draws its own random numbers after the chain's Bernoulli(p), in the order
// the augmentation function documents.
namespace {

enum class Domain { Waveform, Spectrogram };

struct Augmentation;

// A spec's parameters as a row's function reads them: the spec's value, else the row's default.
struct Args {
  const AugmentSpec& spec;
  const Augmentation& row;
  int sample_rate;
  double operator[](const std::string& key) const;
};

using WaveformFn = void (*)(std::vector<float>& x, Generator& gen, const Args& a);                   // x: (L,)
using SpectrogramFn = void (*)(float* s, int64_t frames, int64_t bins, Generator& gen, const Args& a);  // s: (T, F)

struct Augmentation {
  std::string name;
  Domain domain;
  std::map<std::string, double> defaults;  // every parameter it accepts, with its default
  WaveformFn waveform = nullptr;           // set iff domain == Waveform
  SpectrogramFn spectrogram = nullptr;     // set iff domain == Spectrogram
};

Augmentation waveform(std::string name, std::map<std::string, double> defaults, WaveformFn fn) {
  return {std::move(name), Domain::Waveform, std::move(defaults), fn, nullptr};
}
Augmentation spectrogram(std::string name, std::map<std::string, double> defaults, SpectrogramFn fn) {
  return {std::move(name), Domain::Spectrogram, std::move(defaults), nullptr, fn};
}

MaskFill mask_fill(const Args& a) { return a["fill_mean"] != 0 ? MaskFill::Mean : MaskFill::Constant; }

const std::vector<Augmentation>& augmentations() {
  static const std::vector<Augmentation> table = {
      waveform("gain", {{"p", 0.5}, {"min_db", -6}, {"max_db", 6}},
               [](std::vector<float>& x, Generator& gen, const Args& a) {
                 random_gain(x, gen, a["min_db"], a["max_db"]);
               }),
      waveform("noise", {{"p", 0.5}, {"min_snr_db", 10}, {"max_snr_db", 40}},
               [](std::vector<float>& x, Generator& gen, const Args& a) {
                 add_noise(x, gen, a["min_snr_db"], a["max_snr_db"]);
               }),
      waveform("shift", {{"p", 0.5}, {"max_shift_s", 0.5}, {"roll", 1}},
               [](std::vector<float>& x, Generator& gen, const Args& a) {
                 time_shift(x, gen, static_cast<int64_t>(a["max_shift_s"] * a.sample_rate), a["roll"] != 0);
               }),
      waveform("pitch_shift", {{"p", 0.3}, {"max_semitones", 2}},
               [](std::vector<float>& x, Generator& gen, const Args& a) {
                 const double m = a["max_semitones"];
                 x = pitch_shift(x, gen.uniform(-m, m), a.sample_rate);
               }),
      waveform("time_stretch", {{"p", 0.3}, {"min_rate", 0.9}, {"max_rate", 1.1}},
               [](std::vector<float>& x, Generator& gen, const Args& a) {
                 const size_t n = x.size();
                 x = time_stretch(x, gen.uniform(a["min_rate"], a["max_rate"]));
                 x.resize(n, 0.0f);  // keep the clip length: cut the end, or zero-pad it
               }),
      waveform("reverb", {{"p", 0.3}, {"min_rt60", 0.2}, {"max_rt60", 1.0}, {"wet", 1.0}},
               [](std::vector<float>& x, Generator& gen, const Args& a) {
                 reverb(x, gen, a.sample_rate, a["min_rt60"], a["max_rt60"], a["wet"]);
               }),
      waveform("low_high_pass", {{"p", 0.5}},
               [](std::vector<float>& x, Generator& gen, const Args& a) { low_high_pass(x, gen, a.sample_rate); }),
      waveform("split_stretch", {{"p", 0.5}, {"max_stretch", 0.1}},
               [](std::vector<float>& x, Generator& gen, const Args& a) { split_stretch(x, gen, a["max_stretch"]); }),
      waveform("distortion", {{"p", 0.3}, {"min_drive_db", 0}, {"max_drive_db", 20}},
               [](std::vector<float>& x, Generator& gen, const Args& a) {
                 distortion(x, gen, a["min_drive_db"], a["max_drive_db"]);
               }),
      spectrogram("time_mask", {{"p", 1.0}, {"num", 2}, {"max_width", 64}, {"fill_mean", 1}, {"value", 0}},
                  [](float* s, int64_t frames, int64_t bins, Generator& gen, const Args& a) {
                    time_mask(s, frames, bins, gen, static_cast<int>(a["num"]), static_cast<int64_t>(a["max_width"]),
                              mask_fill(a), static_cast<float>(a["value"]));
                  }),
      spectrogram("freq_mask", {{"p", 1.0}, {"num", 2}, {"max_width", 8}, {"fill_mean", 1}, {"value", 0}},
                  [](float* s, int64_t frames, int64_t bins, Generator& gen, const Args& a) {
                    freq_mask(s, frames, bins, gen, static_cast<int>(a["num"]), static_cast<int64_t>(a["max_width"]),
                              mask_fill(a), static_cast<float>(a["value"]));
                  }),
      spectrogram("time_warp", {{"p", 0.5}, {"max_warp", 5}},
                  [](float* s, int64_t frames, int64_t bins, Generator& gen, const Args& a) {
                    time_warp(s, frames, bins, gen, static_cast<int64_t>(a["max_warp"]));
                  }),
      spectrogram("filter_augment", {{"p", 0.5}, {"min_db", -6}, {"max_db", 6}, {"min_bands", 3}, {"max_bands", 6}},
                  [](float* s, int64_t frames, int64_t bins, Generator& gen, const Args& a) {
                    filter_augment(s, frames, bins, gen, a["min_db"], a["max_db"], static_cast<int>(a["min_bands"]),
                                   static_cast<int>(a["max_bands"]));
                  }),
  };
  return table;
}

double Args::operator[](const std::string& key) const {
  auto it = row.defaults.find(key);
  if (it == row.defaults.end()) {
    fail<ValueError>("augment: '", row.name, "' reads parameter '", key, "', which its table row does not declare");
  }
  return spec.get(key, it->second);
}

std::string known_names() {
  std::string out;
  for (const std::string& name : augmentation_names()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The row of `name`, or nullptr.
const Augmentation* find_augmentation(const std::string& name) {
  for (const Augmentation& row : augmentations())
    if (row.name == name) return &row;
  return nullptr;
}

const Augmentation& row_of(const AugmentSpec& spec) {
  const Augmentation* row = find_augmentation(spec.name);
  if (!row) fail<ValueError>("augment: unknown augmentation '", spec.name, "'; known: ", known_names());
  return *row;
}

bool acts_on(const AugmentSpec& spec, Domain domain) { return row_of(spec).domain == domain; }

}  // namespace

std::vector<std::string> augmentation_names() {
  std::vector<std::string> names;
  for (const Augmentation& row : augmentations()) names.push_back(row.name);
  std::sort(names.begin(), names.end());
  return names;
}

double AugmentSpec::get(const std::string& key, double fallback) const {
  auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

std::vector<AugmentSpec> parse_augmentations(const std::string& text) {
  std::vector<AugmentSpec> out;
  size_t i = 0;
  auto skip_space = [&] { while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == ';')) ++i; };
  skip_space();
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
    const std::string name = text.substr(i, j - i);
    const Augmentation* row = find_augmentation(name);
    if (name.empty() || !row) {
      fail<ValueError>("augment: unknown augmentation '", name.empty() ? text.substr(i, 1) : name, "' in \"", text,
                       "\"; known: ", known_names());
    }
    AugmentSpec spec;
    spec.name = name;
    spec.params = row->defaults;
    i = j;
    if (i < text.size() && text[i] == '(') {
      const size_t close = text.find(')', i);
      if (close == std::string::npos) fail<ValueError>("augment: missing ')' after '", name, "(' in \"", text, "\"");
      std::stringstream args(text.substr(i + 1, close - i - 1));
      std::string kv;
      while (std::getline(args, kv, ',')) {
        const size_t eq = kv.find('=');
        auto trim = [](std::string s) {
          s.erase(0, s.find_first_not_of(" \t"));
          s.erase(s.find_last_not_of(" \t") + 1);
          return s;
        };
        if (eq == std::string::npos) fail<ValueError>("augment: expected key=value in '", name, "(", kv, ")'");
        const std::string key = trim(kv.substr(0, eq));
        if (!spec.params.count(key)) {
          std::string keys;
          for (const auto& [k, v] : row->defaults) keys += (keys.empty() ? "" : ", ") + k;
          fail<ValueError>("augment: '", name, "' has no parameter '", key, "'; it takes ", keys);
        }
        try {
          spec.params[key] = std::stod(trim(kv.substr(eq + 1)));
        } catch (const std::exception&) {
          fail<ValueError>("augment: '", name, "(", key, "=...)' needs a number, got '", trim(kv.substr(eq + 1)), "'");
        }
      }
      i = close + 1;
    }
    spec.p = spec.params["p"];
    if (spec.p < 0 || spec.p > 1) fail<ValueError>("augment: '", name, "' probability p must be in [0, 1], got ", spec.p);
    out.push_back(spec);
    skip_space();
  }
  return out;
}

AugmentChain::AugmentChain(const std::string& text, int sample_rate)
    : AugmentChain(parse_augmentations(text), sample_rate) {}

AugmentChain::AugmentChain(std::vector<AugmentSpec> specs, int sample_rate)
    : specs_(std::move(specs)), sample_rate_(sample_rate) {
  for (const auto& s : specs_) row_of(s);  // throws on an unknown name, listing the known ones
}

bool AugmentChain::has_waveform() const {
  return std::any_of(specs_.begin(), specs_.end(),
                     [](const AugmentSpec& s) { return acts_on(s, Domain::Waveform) && s.p > 0; });
}
bool AugmentChain::has_spectrogram() const {
  return std::any_of(specs_.begin(), specs_.end(),
                     [](const AugmentSpec& s) { return acts_on(s, Domain::Spectrogram) && s.p > 0; });
}

namespace {
void check_strength(double strength) {
  if (!(strength >= 0 && strength <= 1))
    fail<ValueError>("AugmentChain: strength must be in [0, 1], got ", strength);
}
}  // namespace

// Each spec of this domain draws its Bernoulli(p) in turn, then (if it fired) its own numbers: the
// order of draws, and so every random stream, is the order of the chain.
void AugmentChain::apply_waveform(std::vector<float>& x, Generator& gen, double strength) const {
  check_strength(strength);
  for (const auto& s : specs_) {
    const Augmentation& row = row_of(s);
    if (row.domain != Domain::Waveform || !gen.bernoulli(s.p * strength)) continue;
    row.waveform(x, gen, Args{s, row, sample_rate_});
  }
}

void AugmentChain::apply_spectrogram(float* sp, int64_t frames, int64_t bins, Generator& gen, double strength) const {
  check_strength(strength);
  for (const auto& s : specs_) {
    const Augmentation& row = row_of(s);
    if (row.domain != Domain::Spectrogram || !gen.bernoulli(s.p * strength)) continue;
    row.spectrogram(sp, frames, bins, gen, Args{s, row, sample_rate_});
  }
}

}  // namespace ag::audio
