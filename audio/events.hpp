// events.hpp: from scores over time to a list of sound events (onset, offset, label, peak).
//
// A tagger gives, for each step of time, one score per class (a sigmoid: several classes can be on
// at once). An event of class c is a stretch of time where c's score is high:
//
//   1. optional median filter over `median` steps (odd; 1 = off), per class, to remove one-step
//      blips and gaps (past either end of the stream the first or last step is repeated);
//   2. hysteresis: an event starts at the first step whose filtered score is >= `on`, and lasts
//      while the filtered score stays >= `off` (off <= on); so a score wavering around one
//      threshold does not flicker into many events;
//   3. events shorter than `min_duration` seconds are dropped; the peak is the highest unfiltered
//      score inside the event.
//
// It works online: push() one step at a time, in order, and it returns the events that step
// closed (with a median of m steps, a step's filtered value is known (m-1)/2 steps later); finish()
// closes what is still open. Memory is (m x classes) scores plus the open events, whatever the
// length of the stream. The steps must tile time: each starts where the previous one ended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace ag::audio {

struct EventOptions {
  double on = 0.5;           // start threshold
  double off = -1;           // continue threshold; < 0 means equal to `on` (no hysteresis)
  double min_duration = 0;   // seconds
  int median = 1;            // median filter length in steps (odd, >= 1)
  void validate() const;     // ValueError naming the flag (--on, --off, --min-duration, --median)
};

struct SoundEvent {
  int64_t label = 0;  // class index
  double onset = 0, offset = 0;  // seconds
  float peak = 0;
};

class EventDetector {
 public:
  EventDetector(int64_t classes, EventOptions options);
  // One step [t0, t1) with its scores (classes values). Returns the events it closed, by onset.
  std::vector<SoundEvent> push(double t0, double t1, const std::vector<float>& scores);
  // The end of the stream: the remaining steps, and every event still open (closed at the end).
  std::vector<SoundEvent> finish();

 private:
  struct Step {
    double t0, t1;
    std::vector<float> scores;
  };
  void decide(size_t index, std::vector<SoundEvent>& closed);  // filter and threshold step `index` of history_
  void close(int64_t c, double at, std::vector<SoundEvent>& closed);

  int64_t classes_;
  EventOptions opt_;
  std::deque<Step> history_;  // the last median steps (raw)
  int64_t pushed_ = 0, decided_ = 0, first_in_history_ = 0;
  std::vector<char> active_;
  std::vector<double> onset_;
  std::vector<float> peak_;
  double last_t1_ = 0;
};

// Median of each class over `median` steps (edges: the end steps repeated), all at once; the plain
// version of step 1, for tests.
std::vector<std::vector<float>> median_filter(const std::vector<std::vector<float>>& scores, int median);

}  // namespace ag::audio
