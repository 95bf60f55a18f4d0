// events.cpp: online median filter, hysteresis and minimum duration; see events.hpp.
#include "audio/events.hpp"

#include <algorithm>
#include <cmath>

#include "tensor/error.hpp"

namespace ag::audio {

void EventOptions::validate() const {
  if (!(on > 0 && on <= 1)) fail<ValueError>("--on must be in (0, 1], got ", on);
  if (off >= 0 && !(off <= on)) fail<ValueError>("--off must be at most --on (", on, "), got ", off);
  if (!(min_duration >= 0) || !std::isfinite(min_duration)) fail<ValueError>("--min-duration must be >= 0 seconds, got ", min_duration);
  if (median < 1 || median % 2 == 0) fail<ValueError>("--median must be an odd number of steps >= 1, got ", median);
}

EventDetector::EventDetector(int64_t classes, EventOptions options)
    : classes_(classes), opt_(options), active_(classes, 0), onset_(classes, 0), peak_(classes, 0) {
  if (classes <= 0) fail<ValueError>("EventDetector: classes must be positive, got ", classes);
  opt_.validate();
  if (opt_.off < 0) opt_.off = opt_.on;
}

void EventDetector::close(int64_t c, double at, std::vector<SoundEvent>& closed) {
  active_[c] = 0;
  if (at - onset_[c] + 1e-9 >= opt_.min_duration) closed.push_back({c, onset_[c], at, peak_[c]});
}

// Step number `index` (counted from the start of the stream): its median over the steps of the
// window that exist, then the per-class state machine.
void EventDetector::decide(size_t index, std::vector<SoundEvent>& closed) {
  const int64_t h = opt_.median / 2;
  const int64_t i = static_cast<int64_t>(index);
  const Step& step = history_[i - first_in_history_];
  std::vector<float> window;
  for (int64_t c = 0; c < classes_; ++c) {
    float v = step.scores[c];
    if (h > 0) {
      window.clear();
      for (int64_t k = i - h; k <= i + h; ++k)  // past either end: the first or last step again
        window.push_back(history_[std::clamp<int64_t>(k, 0, pushed_ - 1) - first_in_history_].scores[c]);
      std::nth_element(window.begin(), window.begin() + h, window.end());
      v = window[h];
    }
    if (!active_[c] && v >= opt_.on) {
      active_[c] = 1;
      onset_[c] = step.t0;
      peak_[c] = step.scores[c];
    } else if (active_[c] && v < opt_.off) {
      close(c, step.t0, closed);
    } else if (active_[c]) {
      peak_[c] = std::max(peak_[c], step.scores[c]);
    }
  }
}

std::vector<SoundEvent> EventDetector::push(double t0, double t1, const std::vector<float>& scores) {
  if (static_cast<int64_t>(scores.size()) != classes_)
    fail<ValueError>("EventDetector: expected ", classes_, " scores, got ", scores.size());
  if (!(t1 > t0)) fail<ValueError>("EventDetector: a step must have t1 > t0, got [", t0, ", ", t1, ")");
  if (pushed_ > 0 && std::abs(t0 - last_t1_) > 1e-6)
    fail<ValueError>("EventDetector: steps must tile time: this one starts at ", t0, " s, the last ended at ", last_t1_, " s");
  last_t1_ = t1;
  history_.push_back({t0, t1, scores});
  ++pushed_;
  std::vector<SoundEvent> closed;
  const int64_t h = opt_.median / 2;
  while (decided_ + h < pushed_) decide(static_cast<size_t>(decided_++), closed);
  // Keep the steps a later median still needs: from decided_ - h on.
  while (first_in_history_ < decided_ - h) {
    history_.pop_front();
    ++first_in_history_;
  }
  std::sort(closed.begin(), closed.end(), [](const SoundEvent& a, const SoundEvent& b) { return a.onset < b.onset; });
  return closed;
}

std::vector<SoundEvent> EventDetector::finish() {
  std::vector<SoundEvent> closed;
  while (decided_ < pushed_) decide(static_cast<size_t>(decided_++), closed);
  for (int64_t c = 0; c < classes_; ++c)
    if (active_[c]) close(c, last_t1_, closed);
  std::stable_sort(closed.begin(), closed.end(), [](const SoundEvent& a, const SoundEvent& b) { return a.onset < b.onset; });
  return closed;
}

std::vector<std::vector<float>> median_filter(const std::vector<std::vector<float>>& scores, int median) {
  if (median < 1 || median % 2 == 0) fail<ValueError>("median_filter: the length must be odd and >= 1, got ", median);
  const int64_t n = static_cast<int64_t>(scores.size()), h = median / 2;
  std::vector<std::vector<float>> out = scores;
  for (int64_t i = 0; i < n; ++i)
    for (size_t c = 0; c < scores[i].size(); ++c) {
      std::vector<float> w;
      for (int64_t k = i - h; k <= i + h; ++k) w.push_back(scores[std::clamp<int64_t>(k, 0, n - 1)][c]);
      std::sort(w.begin(), w.end());
      out[i][c] = w[h];
    }
  return out;
}

}  // namespace ag::audio
