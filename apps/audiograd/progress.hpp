// progress.hpp: what `audiograd train` shows while it runs: a progress bar per epoch, and times as
// m:ss or h:mm:ss.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ag::app {

using Clock = std::chrono::steady_clock;

// Seconds since t0.
double seconds_since(Clock::time_point t0);

// "4:07" or "1:02:03" for a duration in seconds.
std::string fmt_time(double seconds);

// A progress bar on a terminal; on a pipe or file, a plain line every 10 % of the epoch (so a log
// file stays readable). Written to stderr; nothing when `shown` is false (ranks other than 0).
class Progress {
 public:
  Progress(std::string label, int64_t total, bool shown = true);
  // `done` of `total` steps, with the running loss and accuracy and the throughput so far.
  void update(int64_t done, double loss, double acc, double clips_per_s, double elapsed);
  void finish();

 private:
  std::string label_;
  int64_t total_;
  bool tty_;
  bool shown_;
  int64_t last_decile_ = 0;
};

}  // namespace ag::app
