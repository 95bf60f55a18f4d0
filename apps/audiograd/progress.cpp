// progress.cpp: see progress.hpp.
#include "apps/audiograd/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace ag::app {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string fmt_time(double s) {
  char buf[32];
  int sec = static_cast<int>(s + 0.5);
  if (sec >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", sec / 3600, sec / 60 % 60, sec % 60);
  else std::snprintf(buf, sizeof buf, "%d:%02d", sec / 60, sec % 60);
  return buf;
}

Progress::Progress(std::string label, int64_t total, bool shown)
    : label_(std::move(label)), total_(total), tty_(isatty(fileno(stderr))), shown_(shown) {}

void Progress::update(int64_t done, double loss, double acc, double clips_per_s, double elapsed) {
  if (!shown_) return;
  double eta = done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total_ - done) : 0;
  char stats[160];
  std::snprintf(stats, sizeof stats, "loss %.4f  acc %5.1f%%  %6.1f clips/s  ETA %s", loss, 100 * acc, clips_per_s, fmt_time(eta).c_str());
  if (tty_) {
    const int width = 24;
    int filled = static_cast<int>(width * done / std::max<int64_t>(1, total_));
    std::fprintf(stderr, "\r%s [%s%s] %ld/%ld  %s ", label_.c_str(), std::string(filled, '=').c_str(),
                 std::string(width - filled, ' ').c_str(), static_cast<long>(done), static_cast<long>(total_), stats);
    std::fflush(stderr);
  } else if (done * 10 / std::max<int64_t>(1, total_) > last_decile_ || done == total_) {
    last_decile_ = done * 10 / std::max<int64_t>(1, total_);
    std::fprintf(stderr, "%s step %ld/%ld  %s\n", label_.c_str(), static_cast<long>(done), static_cast<long>(total_), stats);
  }
}

void Progress::finish() {
  if (shown_ && tty_) std::fprintf(stderr, "\n");
}

}  // namespace ag::app
