// tag.cpp: `audiograd tag`; see tag.hpp.
#include "apps/audiograd/tag.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "apps/audiograd/checkpoints.hpp"
#include "apps/audiograd/data.hpp"
#include "apps/audiograd/json.hpp"
#include "apps/audiograd/tag_picture.hpp"
#include "apps/audiograd/text.hpp"
#include "audio/events.hpp"
#include "audio/stream.hpp"
#include "nn/nn.hpp"

namespace ag::app {

namespace {

// A window of the stream: samples [start, start + samples.size()) at the model's rate.
struct Window {
  int64_t start = 0;
  std::vector<float> samples;
  bool regular = true;  // one of the hop grid's; false: the tail window, or the only (short) one
  int64_t end() const { return start + static_cast<int64_t>(samples.size()); }
};

// Cuts a MonoStream into windows of `window` samples every `hop`, keeping no more of the stream
// than the last window needs (plus one block): constant memory, whatever the length.
class Windower {
 public:
  Windower(audio::MonoStream& stream, int64_t window, int64_t hop, int64_t min_tail)
      : stream_(stream), window_(window), hop_(hop), min_tail_(min_tail) {}

  bool next(Window& w) {
    for (;;) {
      const int64_t buf_end = buf_start_ + static_cast<int64_t>(buf_.size());
      if (next_start_ + window_ <= buf_end) {
        cut(next_start_, window_, true, w);
        last_end_ = next_start_ + window_;
        next_start_ += hop_;
        any_ = true;
        // Keep what the next window, or a tail window at the end, can still need.
        const int64_t keep_from = std::max(buf_start_, std::min(next_start_, buf_end - window_));
        if (keep_from - buf_start_ >= window_) {  // drop in large pieces, not sample by sample
          buf_.erase(buf_.begin(), buf_.begin() + (keep_from - buf_start_));
          buf_start_ = keep_from;
        }
        return true;
      }
      if (ended_) {
        if (done_) return false;
        done_ = true;
        if (!any_) {  // shorter than one window: the whole of it, once
          if (buf_end == 0) return false;
          cut(0, buf_end, false, w);
          return true;
        }
        if (buf_end - last_end_ >= min_tail_) {  // the end is not covered: one window ending there
          cut(buf_end - window_, window_, false, w);
          return true;
        }
        return false;
      }
      if (stream_.read(buf_) == 0) ended_ = true;
    }
  }
  int64_t total() const { return buf_start_ + static_cast<int64_t>(buf_.size()); }
  size_t buffered() const { return buf_.size(); }

 private:
  void cut(int64_t start, int64_t length, bool regular, Window& w) {
    w.start = start;
    w.regular = regular;
    w.samples.assign(buf_.begin() + (start - buf_start_), buf_.begin() + (start - buf_start_ + length));
  }
  audio::MonoStream& stream_;
  int64_t window_, hop_, min_tail_;
  std::vector<float> buf_;
  int64_t buf_start_ = 0, next_start_ = 0, last_end_ = 0;
  bool ended_ = false, done_ = false, any_ = false;
};

// A file written under a temporary name and renamed into place by commit(); never half-written.
class OutFile {
 public:
  explicit OutFile(const std::string& path) : path_(path) {
    if (path.empty()) return;
    tmp_ = path + ".tmp-" + std::to_string(::getpid());
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (!f_) fail<IoError>("tag: cannot write '", path, "': ", std::strerror(errno));
  }
  ~OutFile() {
    if (f_) {
      std::fclose(f_);
      std::remove(tmp_.c_str());
    }
  }
  explicit operator bool() const { return f_ != nullptr; }
  void write(const std::string& s) {
    if (f_ && std::fwrite(s.data(), 1, s.size(), f_) != s.size()) fail<IoError>("tag: writing '", path_, "' failed: ", std::strerror(errno));
  }
  void commit() {
    if (!f_) return;
    const bool ok = std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
    std::fclose(f_);
    f_ = nullptr;
    if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      std::remove(tmp_.c_str());
      fail<IoError>("tag: writing '", path_, "' failed: ", std::strerror(errno));
    }
  }

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
};

// CSV field: quoted when it holds a comma, quote or newline (AudioSet has "Vehicle horn, car horn, honking").
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string seconds_text(double t) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", t);
  return b;
}

// Peak resident memory of this process so far, MiB.
double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: KiB
}

std::vector<int64_t> top_indices(const std::vector<float>& v, int k) {
  std::vector<int64_t> order(v.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  k = std::min<int>(k, static_cast<int>(v.size()));
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) { return v[a] > v[b]; });
  order.resize(k);
  return order;
}

}  // namespace

int run_tag(const TagOptions& o) {
  set_num_threads(o.threads);
  if (o.input.empty()) fail<ValueError>("tag: no input given (a file, or - for raw PCM on standard input)");
  const bool from_stdin = o.input == "-";
  if (!from_stdin && (o.rate != 0 || o.channels != 0 || !o.format.empty()))
    fail<ValueError>("tag: --rate, --channels and --format describe raw PCM on standard input ('-'); ", o.input,
                     " is a file, whose header says them");
  if (from_stdin && o.rate == 0) fail<ValueError>("tag -: --rate is required for raw PCM on standard input (e.g. --rate 32000)");
  if (o.top_k < 1) fail<ValueError>("--top-k must be at least 1, got ", o.top_k);
  if (o.batch < 1) fail<ValueError>("--batch must be at least 1, got ", o.batch);
  if (o.print != "table" && o.print != "csv" && o.print != "json" && o.print != "none")
    fail<ValueError>("--print must be table, csv, json or none, got '", o.print, "'");
  if (o.window < 0 || !std::isfinite(o.window)) fail<ValueError>("--window must be a positive number of seconds, got ", o.window);
  if (o.hop < 0 || !std::isfinite(o.hop)) fail<ValueError>("--hop must be a positive number of seconds, got ", o.hop);
  audio::EventOptions eo{o.on, o.off, o.min_duration, o.median};
  eo.validate();

  std::vector<std::string> classes;
  Task task = Task::Classification;
  nn::Metadata meta;
  auto model = load_model(o.checkpoint, &classes, &task, &meta);
  const bool tagging = task == Task::Tagging;
  model->eval();
  NoGradGuard no_grad;
  const audio::FrontendConfig fc = model->frontend();
  const int rate = fc.sample_rate;

  // The window: what the model was trained on unless said otherwise.
  double window_s = o.window;
  if (window_s == 0) {
    auto it = meta.find("audiograd.clip_seconds");
    window_s = it != meta.end() ? std::stod(it->second) : tagging ? 10.0 : 5.0;
  }
  const double hop_s = o.hop > 0 ? o.hop : window_s / 2;
  const int64_t W = static_cast<int64_t>(std::llround(window_s * rate)), H = static_cast<int64_t>(std::llround(hop_s * rate));
  if (W < fc.win_length)
    fail<ValueError>("--window ", window_s, " s is shorter than one analysis frame of the model's front end (", fc.win_length, " samples at ", rate, " Hz)");
  if (H < 1) fail<ValueError>("--hop ", hop_s, " s is less than one sample at ", rate, " Hz");

  audio::StreamOptions so;
  so.sample_rate = rate;
  std::unique_ptr<audio::SampleSource> source =
      from_stdin ? audio::pcm_source(STDIN_FILENO, o.rate, o.channels == 0 ? 1 : o.channels,
                                     audio::parse_pcm_format(o.format.empty() ? "s16le" : o.format))
                 : audio::file_source(o.input);
  if (from_stdin) so.block_frames = std::max<int64_t>(1, std::min<int64_t>(H, rate / 10) * o.rate / rate);  // ~0.1 s: low latency
  audio::MonoStream stream(std::move(source), so);
  Windower windower(stream, W, H, /*min_tail=*/fc.win_length);
  const int batch = from_stdin ? 1 : o.batch;  // live: every window at once, not a batch later
  const int64_t n = model->num_classes();
  const audio::LogMel logmel(fc);

  std::fprintf(stderr, "tag: %s: %s (%s%s, %ld classes), %.3g s windows every %.3g s at %d Hz\n", from_stdin ? "standard input" : o.input.c_str(),
               meta.count("audiograd.model") ? meta.at("audiograd.model").c_str() : "model", tagging ? "tagger: sigmoid scores" : "classifier: softmax",
               model->framewise() ? " per 10 ms frame" : "", static_cast<long>(n), window_s, hop_s, rate);

  OutFile csv(o.csv), json(o.json), events_file(o.events);
  if (csv) {
    std::string h = "start,end";
    for (const auto& c : classes) h += "," + csv_field(c);
    csv.write(h + "\n");
  }
  if (json) {
    Json head = {{"input", o.input}, {"checkpoint", o.checkpoint}, {"task", tagging ? "tagging" : "classification"},
                 {"sample_rate", rate}, {"window", window_s}, {"hop", hop_s}, {"classes", classes}};
    std::string text = head.dump(-1, ' ', false, Json::error_handler_t::replace);
    text.pop_back();  // the closing brace: windows, summary and events follow
    json.write(text + ",\"windows\":[\n");
  }
  if (o.print == "csv") {
    std::string h = "start,end";
    for (int i = 1; i <= o.top_k; ++i) h += ",label" + std::to_string(i) + ",score" + std::to_string(i);
    std::printf("%s\n", h.c_str());
  }

  audio::EventDetector detector(n, eo);
  std::vector<audio::SoundEvent> all_events;
  std::vector<double> max_score(n, 0), sum_score(n, 0);
  int64_t windows_done = 0;
  double seg_end = 0;  // events: where the last step ended (seconds)
  std::vector<float> last_scores;
  // Frame-wise models (cnn14-sed): the last window's frame scores (T x N) and start, and the
  // optional --frames file (a row per frame step).
  const bool by_frame = model->framewise();
  const double frame_dt = static_cast<double>(fc.hop_length) / rate;  // 10 ms for the panns front end
  std::vector<float> last_frames;
  int64_t last_start = 0, last_start_any = 0;
  OutFile frames_file(o.frames), html_file(o.html);
  // --html: the log-mel and every class's score over time, pooled into a bounded picture.
  std::unique_ptr<TagPicture> picture;
  if (html_file) picture = std::make_unique<TagPicture>(fc.n_mels, n);
  std::vector<float> last_mel;  // the last window's log-mel (T x F), for the stretch after it
  // Log-mel frames of a window starting at `start` (samples) whose centres fall in [a, b) seconds.
  auto picture_frames = [&](int64_t start, const float* mel, int64_t t_frames, double a, double b) {
    for (int64_t f = 0; f < t_frames; ++f) {
      const double t = static_cast<double>(start + f * fc.hop_length) / rate;
      if (t >= a && t < b) picture->add_frame(t, mel + f * fc.n_mels);
    }
  };
  if (frames_file) {
    if (!by_frame) fail<ValueError>("--frames needs a frame-wise model (cnn14-sed); ", o.checkpoint, " scores whole windows");
    std::string h = "time";
    for (const auto& c : classes) h += "," + csv_field(c);
    frames_file.write(h + "\n");
  }

  auto print_event = [&](const audio::SoundEvent& e) {
    if (o.print == "table")
      std::printf("  event %-32s %9.2f - %9.2f s  peak %.3f\n", classes[e.label].c_str(), e.onset, e.offset, e.peak);
    else if (o.print == "json")
      std::printf("%s\n", Json({{"type", "event"}, {"label", classes[e.label]}, {"onset", e.onset}, {"offset", e.offset}, {"peak", e.peak}})
                              .dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  };
  auto step = [&](double t0, double t1, const std::vector<float>& scores) {
    if (!(t1 > t0)) return;
    if (picture) picture->add_scores(t0, t1, scores.data());
    for (const auto& e : detector.push(t0, t1, scores)) {
      print_event(e);
      all_events.push_back(e);
    }
    seg_end = t1;
  };

  // Frame steps of a window that starts at `start` (samples), within [a, b) seconds: frame f speaks
  // for [start/rate + f dt, ... + dt), clipped to [a, b); past the window's last frame, its last.
  auto frame_steps = [&](int64_t start, const std::vector<float>& fr, double a, double b) {
    const int64_t t_frames = static_cast<int64_t>(fr.size()) / n;
    const double t_start = static_cast<double>(start) / rate;
    int64_t f = std::max<int64_t>(0, static_cast<int64_t>(std::floor((a - t_start) / frame_dt + 1e-9)));
    for (;; ++f) {
      const double t0 = std::max(a, t_start + f * frame_dt), t1 = std::min(b, t_start + (f + 1) * frame_dt);
      if (t0 >= b - 1e-12) break;
      const int64_t k = std::min(f, t_frames - 1);
      std::vector<float> sc(fr.begin() + k * n, fr.begin() + (k + 1) * n);
      if (t1 > t0 + 1e-12 && frames_file) {
        std::string line = seconds_text(t0);
        for (float v : sc) line += "," + num(v, 6);
        frames_file.write(line + "\n");
      }
      step(t0, t1, sc);
    }
  };

  // One batch of equal-length windows through the front end and the model, then every output.
  auto run = [&](std::vector<Window>& ws) {
    if (ws.empty()) return;
    const int64_t b = static_cast<int64_t>(ws.size()), len = static_cast<int64_t>(ws[0].samples.size());
    Tensor x, mel;  // the model's input; the log-mel (B, T, F) when --html draws it
    if (model->input_kind() == models::InputKind::Waveform) {
      std::vector<float> flat;
      for (const auto& w : ws) flat.insert(flat.end(), w.samples.begin(), w.samples.end());
      x = from_vector(flat, {b, len});
      if (picture) {
        std::vector<std::vector<float>> waves;
        for (auto& w : ws) waves.push_back(w.samples);
        mel = logmel.batch(waves);
      }
    } else {
      std::vector<std::vector<float>> waves;
      for (auto& w : ws) waves.push_back(w.samples);
      mel = logmel.batch(waves);
      x = fit_frames(mel.unsqueeze(1), model->time_multiple());  // (B, 1, T, F)
    }
    std::vector<float> mel_all;
    const int64_t mel_frames = picture ? mel.size(1) : 0;
    if (picture) mel_all = mel.contiguous().to_vector<float>();
    std::vector<float> all, frames_all;  // (B, N) window scores; frame-wise models: (B, T, N) too
    int64_t t_frames = 0;
    if (by_frame) {
      Tensor fl = model->frame_logits(Variable(x)).data();  // (B, T, N)
      t_frames = fl.size(1);
      Tensor fp = (tagging ? sigmoid(Variable(fl)) : softmax(Variable(fl), 2)).data().contiguous();
      frames_all = fp.to_vector<float>();
      all = max(Variable(fp), 1).values.data().contiguous().to_vector<float>();  // the window's score: its best frame
    } else {
      Tensor logits = model->forward(Variable(x)).data();
      all = (tagging ? sigmoid(Variable(logits)) : softmax(Variable(logits), 1)).data().contiguous().to_vector<float>();
    }
    for (int64_t i = 0; i < b; ++i) {
      const Window& w = ws[i];
      std::vector<float> s(all.begin() + i * n, all.begin() + (i + 1) * n);
      const double t0 = static_cast<double>(w.start) / rate, t1 = static_cast<double>(w.end()) / rate;
      for (int64_t c = 0; c < n; ++c) {
        max_score[c] = std::max<double>(max_score[c], s[c]);
        sum_score[c] += s[c];
      }
      ++windows_done;
      const std::vector<int64_t> top = top_indices(s, o.top_k);
      if (o.print == "table") {
        std::string line;
        char b2[96];
        std::snprintf(b2, sizeof b2, "%9.2f - %9.2f s ", t0, t1);
        line = b2;
        for (int64_t c : top) {
          std::snprintf(b2, sizeof b2, " %s %.3f", classes[c].c_str(), s[c]);
          line += b2;
        }
        std::printf("%s\n", line.c_str());
      } else if (o.print == "csv") {
        std::string line = seconds_text(t0) + "," + seconds_text(t1);
        for (int64_t c : top) line += "," + csv_field(classes[c]) + "," + num(s[c], 6);
        std::printf("%s\n", line.c_str());
      } else if (o.print == "json") {
        Json t = Json::array();
        for (int64_t c : top) t.push_back({{"class", classes[c]}, {"score", s[c]}});
        std::printf("%s\n", Json({{"type", "window"}, {"start", t0}, {"end", t1}, {"top", t}}).dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
      }
      if (csv) {
        std::string line = seconds_text(t0) + "," + seconds_text(t1);
        for (float v : s) line += "," + num(v, 6);
        csv.write(line + "\n");
      }
      if (json)
        json.write(std::string(windows_done > 1 ? ",\n" : "") +
                   Json({{"start", t0}, {"end", t1}, {"scores", s}}).dump(-1, ' ', false, Json::error_handler_t::replace));
      // Events: a regular window speaks for the hop around its centre; the tail (or only) window
      // for the rest of the recording.
      const double seg_stop = w.regular ? (static_cast<double>(w.start) + 0.5 * static_cast<double>(W + H)) / rate : t1;
      if (picture) {
        const float* m = mel_all.data() + i * mel_frames * fc.n_mels;
        picture_frames(w.start, m, mel_frames, seg_end, seg_stop);
        last_mel.assign(m, m + mel_frames * fc.n_mels);
      }
      if (by_frame) {
        last_frames.assign(frames_all.begin() + i * t_frames * n, frames_all.begin() + (i + 1) * t_frames * n);
        last_start = w.start;
        frame_steps(w.start, last_frames, seg_end, seg_stop);
      } else {
        step(seg_end, seg_stop, s);
      }
      last_scores = s;
      last_start_any = w.start;
    }
    std::fflush(stdout);
    ws.clear();
  };

  const auto t_start = std::chrono::steady_clock::now();
  std::string error;
  try {
    std::vector<Window> pending;
    Window w;
    while (windower.next(w)) {
      if (!pending.empty() && pending[0].samples.size() != w.samples.size()) run(pending);
      pending.push_back(std::move(w));
      w = Window{};
      if (static_cast<int>(pending.size()) >= batch) run(pending);
    }
    run(pending);
    if (windows_done == 0) fail<IoError>("tag: ", from_stdin ? "standard input" : o.input, " holds no audio");
    const double total = static_cast<double>(windower.total()) / rate;
    if (!last_scores.empty() && total > seg_end + 1e-9) {  // the end of the last hop
      if (picture) picture_frames(last_start_any, last_mel.data(), static_cast<int64_t>(last_mel.size()) / fc.n_mels, seg_end, total);
      if (by_frame) frame_steps(last_start, last_frames, seg_end, total);
      else step(seg_end, total, last_scores);
    }
  } catch (const std::exception& e) {
    error = e.what();
  }

  // What was computed, even when the input failed part way.
  for (const auto& e : detector.finish()) {
    print_event(e);
    all_events.push_back(e);
  }
  std::stable_sort(all_events.begin(), all_events.end(), [](const audio::SoundEvent& a, const audio::SoundEvent& b) { return a.onset < b.onset; });
  std::vector<float> mean_score(n, 0), max_f(n, 0);
  for (int64_t c = 0; c < n; ++c) {
    mean_score[c] = windows_done ? static_cast<float>(sum_score[c] / windows_done) : 0.0f;
    max_f[c] = static_cast<float>(max_score[c]);
  }
  const std::vector<int64_t> by_max = top_indices(max_f, static_cast<int>(n));
  auto event_json = [&](const audio::SoundEvent& e) {
    return Json{{"onset", e.onset}, {"offset", e.offset}, {"label", classes[e.label]}, {"peak", e.peak}};
  };
  if (o.print == "table" && windows_done > 0) {
    std::printf("\nsummary over %ld windows (%.2f s): max / mean score\n", static_cast<long>(windows_done), seg_end);
    for (int i = 0; i < std::min<int>(o.top_k, static_cast<int>(n)); ++i)
      std::printf("  %-40s %.3f / %.3f\n", classes[by_max[i]].c_str(), max_f[by_max[i]], mean_score[by_max[i]]);
    std::printf("%zu events (on %.3g, off %.3g, min duration %.3g s, median %d)\n", all_events.size(), o.on, o.off < 0 ? o.on : o.off,
                o.min_duration, o.median);
  } else if (o.print == "json") {
    Json top = Json::array();
    for (int i = 0; i < std::min<int>(o.top_k, static_cast<int>(n)); ++i)
      top.push_back({{"class", classes[by_max[i]]}, {"max", max_f[by_max[i]]}, {"mean", mean_score[by_max[i]]}});
    std::printf("%s\n", Json({{"type", "summary"}, {"windows", windows_done}, {"seconds", seg_end}, {"top", top}, {"events", all_events.size()},
                              {"peak_rss_mib", peak_rss_mib()}})
                            .dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  }
  std::fflush(stdout);
  const double compute_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  const double rss = peak_rss_mib();
  std::fprintf(stderr, "tag: %ld windows, %.2f s of audio in %.2f s (%.1fx real time), peak memory %.0f MiB\n", static_cast<long>(windows_done),
               seg_end, compute_s, compute_s > 0 ? seg_end / compute_s : 0.0, rss);
  if (json) {
    Json summary = Json::array(), ev = Json::array();
    for (int64_t c : by_max) summary.push_back({{"class", classes[c]}, {"max", max_f[c]}, {"mean", mean_score[c]}});
    for (const auto& e : all_events) ev.push_back(event_json(e));
    Json tail = {{"windows_count", windows_done}, {"seconds", seg_end}, {"compute_seconds", compute_s}, {"peak_rss_mib", rss},
                 {"summary", summary}, {"events", ev}};
    if (!error.empty()) tail["error"] = error;
    std::string text = tail.dump(-1, ' ', false, Json::error_handler_t::replace);
    json.write("\n]," + text.substr(1) + "\n");
    json.commit();
  }
  if (events_file) {
    const bool as_json = o.events.size() >= 5 && o.events.substr(o.events.size() - 5) == ".json";
    if (as_json) {
      Json ev = Json::array();
      for (const auto& e : all_events) ev.push_back(event_json(e));
      events_file.write(json_text(ev));
    } else {
      events_file.write("onset,offset,label,peak\n");
      for (const auto& e : all_events)
        events_file.write(seconds_text(e.onset) + "," + seconds_text(e.offset) + "," + csv_field(classes[e.label]) + "," + num(e.peak, 6) + "\n");
    }
    events_file.commit();
  }
  if (picture) {
    std::vector<int64_t> drawn(by_max.begin(), by_max.begin() + std::min<int64_t>(std::max(o.top_k, 5), n));
    TagPictureText text;
    text.title = from_stdin ? "standard input" : o.input;
    text.subtitle = (meta.count("audiograd.model") ? meta.at("audiograd.model") : std::string("model")) + " (" + o.checkpoint + "), " +
                    (tagging ? "sigmoid" : "softmax") + " scores, " + num(window_s, 4) + " s windows every " + num(hop_s, 4) + " s" +
                    (by_frame ? ", per 10 ms frame" : "") + "; " + std::to_string(windows_done) + " windows, " + seconds_text(seg_end) + " s" +
                    (error.empty() ? "" : "; stopped early: " + error);
    text.on = o.on;
    html_file.write(picture->html(text, classes, drawn, max_f, mean_score, all_events, seg_end));
    html_file.commit();
  }
  csv.commit();
  frames_file.commit();
  if (!error.empty()) {
    if (windows_done == 0) fail<IoError>(error);
    fail<IoError>(error, " (the ", windows_done, " windows before it, up to ", seconds_text(seg_end), " s, are written)");
  }
  return 0;
}

}  // namespace ag::app
