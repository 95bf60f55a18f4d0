// tag.hpp: `audiograd tag`, a model slid over a recording of any length, or over live input.
//
//   audiograd tag long.wav --checkpoint cnn14.safetensors --csv scores.csv --events events.csv
//   arecord -f S16_LE -r 32000 -c 1 | audiograd tag - --rate 32000 --checkpoint cnn14.safetensors
//
// Windows of --window seconds start every --hop seconds (the last samples, if a window does not
// end on them, get one more window ending at the end; a recording shorter than a window is one
// window of its own length). Each window goes through the model's front end and the model, and
// gets one score per class: a tagger's sigmoids, a classifier's softmax. The audio is decoded and
// resampled a block at a time (audio/stream.hpp), so memory stays that of one window and one batch
// whatever the length; from standard input each window is printed as soon as it is complete.
//
// What comes out:
//   standard output (--print): table (a line per window with its top-k, then the events as they
//     close and a summary), csv (start,end,then the top-k labels and scores), json (one object per
//     line: windows, events, then the summary), or none;
//   --csv FILE: start,end, then every class's score, one row per window;
//   --json FILE: everything (settings, windows with every class's score, summary, events);
//   --events FILE: onset,offset,label,peak (JSON when FILE ends in .json).
//   --frames FILE (frame-wise models): time, then every class's score, one row per frame step.
//   --html FILE: the log-mel with the top classes' scores over time under it (tag_picture.hpp).
// Events (audio/events.hpp): each window speaks for the hop of time around its centre, so the
// steps tile the recording; median filter, hysteresis (--on, --off) and --min-duration on them.
// A frame-wise model (cnn14-sed) speaks per frame (10 ms) instead: the steps are the frames of
// that same stretch of each window, and a window's score is its best frame's.
// Files are written to a temporary name and renamed at the end; when the input fails part way
// (a stream cut mid-sample, NaN samples), what was computed up to there is still written, the
// error says so, and the exit status is 1.
#pragma once

#include <string>

namespace ag::app {

struct TagOptions {
  std::string checkpoint;
  std::string input;              // a file, or "-": raw PCM on standard input (--rate, --channels, --format)
  double window = 0, hop = 0;     // seconds; 0 = the model's clip length, and half the window
  int top_k = 3, batch = 8, threads = 2;
  std::string print = "table";    // table | csv | json | none
  std::string csv, json, events;  // output files ("" = none)
  std::string frames;             // frame-wise models: every class's score per frame step (CSV)
  std::string html;               // the log-mel and the top classes' scores over time (tag_picture.hpp)
  double on = 0.5, off = -1, min_duration = 0;
  int median = 1;
  // Standard input only (0 / "" = not given: a file's header says them; stdin needs --rate and
  // defaults to 1 channel of s16le).
  int rate = 0, channels = 0;
  std::string format;             // s16le | f32le
};
int run_tag(const TagOptions& o);

}  // namespace ag::app
