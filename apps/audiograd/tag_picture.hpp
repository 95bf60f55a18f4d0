// tag_picture.hpp: `tag --html`, PANNs' sound-event-detection figure as one self-contained HTML
// file: the recording's log-mel spectrogram on top and the top classes' scores over time under
// it, on one time axis, then the events and the summary as tables.
//
// It is collected while `tag` runs, in bounded memory whatever the recording's length: time is
// cut into columns of `dt` seconds (10 ms to start with); when the columns would pass twice the
// picture's width, neighbouring pairs are merged (the spectrogram by their mean, the scores by
// their maximum, so a short loud event stays visible) and dt doubles. An hour of audio and a
// second of it both end as at most 2 x max_columns columns.
//
// The spectrogram is an <image> holding a PNG (zlib's deflate, in a data: URI), scaled to the
// plot; the scores are SVG polylines. No JavaScript, no external files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audio/events.hpp"

namespace ag::app {

// Values over time in columns of dt seconds, merged in pairs to stay within 2 x max_columns.
class Timeline {
 public:
  enum class Pool { Mean, Max };
  Timeline(int64_t rows, Pool pool, int64_t max_columns, double dt);
  // A value vector (rows,) speaking for [t0, t1): every column it overlaps (at least t0's).
  void add(double t0, double t1, const float* v);
  int64_t rows() const { return rows_; }
  int64_t columns() const { return used_; }
  double dt() const { return dt_; }
  // Column c's values (rows,), pooled; `filled(c)` false when nothing fell in it.
  const float* column(int64_t c) const { return &value_[static_cast<size_t>(c * rows_)]; }
  bool filled(int64_t c) const { return count_[static_cast<size_t>(c)] > 0; }

 private:
  void coarsen();
  int64_t rows_;
  Pool pool_;
  int64_t max_columns_;
  double dt_;
  int64_t used_ = 0;
  std::vector<float> value_;  // (2 max_columns, rows): the mean or max so far
  std::vector<int> count_;    // (2 max_columns,)
};

// An 8-bit RGB image (height rows of width x 3 bytes, top row first) as a PNG file's bytes.
std::string png_rgb(int width, int height, const std::vector<uint8_t>& rgb);
// RFC 4648 base64.
std::string base64(const std::string& bytes);

struct TagPictureText {
  std::string title;     // the input's name
  std::string subtitle;  // model, windows, front end
  double on = 0.5;       // drawn as a dashed line on the scores
};

class TagPicture {
 public:
  TagPicture(int n_mels, int64_t n_classes, int64_t max_columns = 1000);
  // One log-mel frame (n_mels,) whose centre is at time t.
  void add_frame(double t, const float* mel) { mel_.add(t, t, mel); }
  // Every class's score (n_classes,) for [t0, t1).
  void add_scores(double t0, double t1, const float* scores) { scores_.add(t0, t1, scores); }
  // The page: `top` classes' scores drawn (in that order), `events` and the summary (max and mean
  // per class, in `top` order) as tables; `seconds` the recording's length.
  std::string html(const TagPictureText& text, const std::vector<std::string>& classes, const std::vector<int64_t>& top,
                   const std::vector<float>& max_score, const std::vector<float>& mean_score,
                   const std::vector<audio::SoundEvent>& events, double seconds) const;

 private:
  Timeline mel_, scores_;
};

}  // namespace ag::app
