// tag_picture.cpp: see tag_picture.hpp.
#include "apps/audiograd/tag_picture.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "apps/audiograd/svg.hpp"
#include "apps/audiograd/text.hpp"
#include "tensor/error.hpp"

namespace ag::app {

Timeline::Timeline(int64_t rows, Pool pool, int64_t max_columns, double dt)
    : rows_(rows), pool_(pool), max_columns_(max_columns), dt_(dt),
      value_(static_cast<size_t>(2 * max_columns * rows), 0.0f), count_(static_cast<size_t>(2 * max_columns), 0) {
  if (rows < 1 || max_columns < 1 || !(dt > 0)) fail<ValueError>("Timeline: rows, max_columns and dt must be positive");
}

void Timeline::add(double t0, double t1, const float* v) {
  if (!(t0 >= 0) || !(t1 >= t0)) return;
  for (;;) {
    // Times on the column grid (a 10 ms frame at 0.03 s) belong to the column they start:
    // a little slack against 0.03 / 0.01 = 2.9999...
    const int64_t c0 = static_cast<int64_t>(std::floor(t0 / dt_ + 1e-6));
    const int64_t c1 = std::max(c0, static_cast<int64_t>(std::ceil(t1 / dt_ - 1e-6)) - 1);
    if (c1 >= 2 * max_columns_) {
      coarsen();
      continue;
    }
    for (int64_t c = c0; c <= c1; ++c) {
      float* col = &value_[static_cast<size_t>(c * rows_)];
      int& n = count_[static_cast<size_t>(c)];
      for (int64_t r = 0; r < rows_; ++r) {
        if (n == 0) col[r] = v[r];
        else if (pool_ == Pool::Max) col[r] = std::max(col[r], v[r]);
        else col[r] += (v[r] - col[r]) / static_cast<float>(n + 1);
      }
      ++n;
    }
    used_ = std::max(used_, c1 + 1);
    return;
  }
}

// Column pairs (2j, 2j + 1) -> column j, dt -> 2 dt.
void Timeline::coarsen() {
  const int64_t half = max_columns_;
  for (int64_t j = 0; j < half; ++j) {
    const float* a = &value_[static_cast<size_t>(2 * j * rows_)];
    const float* b = a + rows_;
    const int na = count_[static_cast<size_t>(2 * j)], nb = count_[static_cast<size_t>(2 * j + 1)];
    float* out = &value_[static_cast<size_t>(j * rows_)];
    for (int64_t r = 0; r < rows_; ++r) {
      float v = 0;
      if (na && nb) v = pool_ == Pool::Max ? std::max(a[r], b[r]) : (a[r] * static_cast<float>(na) + b[r] * static_cast<float>(nb)) / static_cast<float>(na + nb);
      else v = na ? a[r] : b[r];
      out[r] = v;  // out is column j <= 2j: its old values were read above (a, b at 2j, 2j+1 >= j)
    }
    count_[static_cast<size_t>(j)] = na + nb;
  }
  std::fill(value_.begin() + static_cast<std::ptrdiff_t>(half * rows_), value_.end(), 0.0f);
  std::fill(count_.begin() + static_cast<std::ptrdiff_t>(half), count_.end(), 0);
  used_ = (used_ + 1) / 2;
  dt_ *= 2;
}

namespace {

void put_u32(std::string& s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xff);
}

void png_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

}  // namespace

std::string png_rgb(int width, int height, const std::vector<uint8_t>& rgb) {
  if (width < 1 || height < 1 || rgb.size() != static_cast<size_t>(width) * height * 3)
    fail<ValueError>("png_rgb: ", width, "x", height, " RGB needs ", static_cast<size_t>(width) * height * 3, " bytes, got ", rgb.size());
  std::string raw;  // each row: filter type 0 (none), then its pixels
  raw.reserve(static_cast<size_t>(height) * (1 + 3 * static_cast<size_t>(width)));
  for (int y = 0; y < height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(&rgb[static_cast<size_t>(y) * width * 3]), static_cast<size_t>(width) * 3);
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string z(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(&z[0]), &size, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 9) != Z_OK)
    fail<Error>("png_rgb: zlib could not compress the image");
  z.resize(size);
  std::string out = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  put_u32(ihdr, static_cast<uint32_t>(width));
  put_u32(ihdr, static_cast<uint32_t>(height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, no filter, no interlace
  png_chunk(out, "IHDR", ihdr);
  png_chunk(out, "IDAT", z);
  png_chunk(out, "IEND", "");
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  o.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    o += a[v >> 18];
    o += a[(v >> 12) & 63];
    o += a[(v >> 6) & 63];
    o += a[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    o += a[v >> 18];
    o += a[(v >> 12) & 63];
    o += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    o += a[v >> 18];
    o += a[(v >> 12) & 63];
    o += a[(v >> 6) & 63];
    o += '=';
  }
  return o;
}

TagPicture::TagPicture(int n_mels, int64_t n_classes, int64_t max_columns)
    : mel_(n_mels, Timeline::Pool::Mean, max_columns, 0.01), scores_(n_classes, Timeline::Pool::Max, max_columns, 0.01) {}

namespace {

// Tick step for an axis of `span` units: 1, 2 or 5 times a power of ten, at most ~10 ticks.
double tick_step(double span) {
  const double raw = std::max(span, 1e-9) / 10;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string time_label(double t, bool minutes) {
  if (!minutes) return num(t, 6);
  const long s = std::lround(t);
  char b[32];
  if (s >= 3600) std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(b, sizeof b, "%ld:%02ld", s / 60, s % 60);
  return b;
}

}  // namespace

std::string TagPicture::html(const TagPictureText& text, const std::vector<std::string>& classes, const std::vector<int64_t>& top,
                             const std::vector<float>& max_score, const std::vector<float>& mean_score,
                             const std::vector<audio::SoundEvent>& events, double seconds) const {
  const double L = 60, PW = 860, LEG = 250, W = L + PW + LEG;
  const double MT = 20, MH = 200, ST = MT + MH + 25, SH = 200, H = ST + SH + 45;
  const double span = std::max(seconds, 1e-3);
  auto px = [&](double t) { return L + PW * t / span; };
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << html_escape(text.title) << " - audiograd tag</title>\n"
    << "<style>body{font-family:sans-serif;margin:20px;color:#222} table{border-collapse:collapse;margin:8px 0}"
       " td,th{border:1px solid #ccc;padding:3px 8px;text-align:left} th{background:#f3f3f3}"
       " td.n{text-align:right;font-variant-numeric:tabular-nums}</style></head><body>\n";
  s << "<h2>" << html_escape(text.title) << "</h2>\n<p>" << html_escape(text.subtitle) << "</p>\n";
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s << "<defs><clipPath id=\"plot\"><rect x=\"" << L << "\" y=\"0\" width=\"" << PW << "\" height=\"" << H << "\"/></clipPath></defs>\n";

  // The log-mel spectrogram: low bins at the bottom, dB from its maximum down to 80 dB below it.
  const int64_t cm = mel_.columns(), nm = mel_.rows();
  float vmax = -1e30f, vmin = 1e30f;
  for (int64_t c = 0; c < cm; ++c)
    if (mel_.filled(c))
      for (int64_t m = 0; m < nm; ++m) {
        vmax = std::max(vmax, mel_.column(c)[m]);
        vmin = std::min(vmin, mel_.column(c)[m]);
      }
  if (cm > 0 && vmax >= vmin) {
    vmin = std::max(vmin, vmax - 80.0f);
    const float range = std::max(vmax - vmin, 1e-6f);
    std::vector<uint8_t> rgb(static_cast<size_t>(cm * nm * 3));
    for (int64_t y = 0; y < nm; ++y)
      for (int64_t c = 0; c < cm; ++c) {
        const double v = mel_.filled(c) ? (mel_.column(c)[nm - 1 - y] - vmin) / range : 0.0;
        const auto col = viridis(v);
        std::copy(col.begin(), col.end(), rgb.begin() + static_cast<std::ptrdiff_t>((y * cm + c) * 3));
      }
    const std::string png = png_rgb(static_cast<int>(cm), static_cast<int>(nm), rgb);
    s << "<g clip-path=\"url(#plot)\"><image x=\"" << L << "\" y=\"" << MT << "\" width=\"" << PW * (static_cast<double>(cm) * mel_.dt()) / span
      << "\" height=\"" << MH << "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,"
      << base64(png) << "\"/></g>\n";
    s << "<text x=\"" << L + PW + 10 << "\" y=\"" << MT + 12 << "\">log-mel, dB</text>";
    s << "<text x=\"" << L + PW + 10 << "\" y=\"" << MT + 26 << "\">" << num(vmin, 3) << " to " << num(vmax, 3) << "</text>\n";
  }
  s << "<rect x=\"" << L << "\" y=\"" << MT << "\" width=\"" << PW << "\" height=\"" << MH << "\" fill=\"none\" stroke=\"#888\"/>\n";
  s << "<text x=\"" << L - 5 << "\" y=\"" << MT + MH << "\" text-anchor=\"end\">0</text><text x=\"" << L - 5 << "\" y=\"" << MT + 10
    << "\" text-anchor=\"end\">" << nm << "</text>";
  s << "<text x=\"14\" y=\"" << MT + MH / 2 << "\" transform=\"rotate(-90 14 " << MT + MH / 2 << ")\" text-anchor=\"middle\">mel bin</text>\n";

  // The scores: each top class a step line over the columns it has.
  auto py = [&](double v) { return ST + SH * (1 - std::clamp(v, 0.0, 1.0)); };
  for (int i = 0; i <= 4; ++i) {
    const double v = i / 4.0;
    s << "<line x1=\"" << L << "\" x2=\"" << L + PW << "\" y1=\"" << py(v) << "\" y2=\"" << py(v) << "\" stroke=\"#eee\"/>";
    s << "<text x=\"" << L - 5 << "\" y=\"" << py(v) + 4 << "\" text-anchor=\"end\">" << num(v, 3) << "</text>\n";
  }
  s << "<line x1=\"" << L << "\" x2=\"" << L + PW << "\" y1=\"" << py(text.on) << "\" y2=\"" << py(text.on)
    << "\" stroke=\"#555\" stroke-dasharray=\"4,3\"><title>event threshold (--on)</title></line>\n";
  const double dts = scores_.dt();
  for (size_t i = 0; i < top.size(); ++i) {
    const int64_t k = top[i];
    s << "<polyline clip-path=\"url(#plot)\" fill=\"none\" stroke=\"" << line_color(i) << "\" stroke-width=\"1.5\" points=\"";
    for (int64_t c = 0; c < scores_.columns(); ++c) {
      if (!scores_.filled(c)) continue;
      const double v = scores_.column(c)[k];
      s << num(px(static_cast<double>(c) * dts), 6) << "," << num(py(v), 5) << " " << num(px(static_cast<double>(c + 1) * dts), 6) << ","
        << num(py(v), 5) << " ";
    }
    s << "\"/>\n";
    s << "<rect x=\"" << L + PW + 10 << "\" y=\"" << ST + 14 * i + 2 << "\" width=\"12\" height=\"3\" fill=\"" << line_color(i) << "\"/>";
    s << "<text x=\"" << L + PW + 27 << "\" y=\"" << ST + 14 * i + 8 << "\">" << html_escape(classes[k]) << "</text>\n";
  }
  s << "<rect x=\"" << L << "\" y=\"" << ST << "\" width=\"" << PW << "\" height=\"" << SH << "\" fill=\"none\" stroke=\"#888\"/>\n";
  s << "<text x=\"14\" y=\"" << ST + SH / 2 << "\" transform=\"rotate(-90 14 " << ST + SH / 2 << ")\" text-anchor=\"middle\">score</text>\n";

  // The time axis, shared.
  const bool minutes = span >= 600;
  const double step = minutes ? std::max(60.0, std::ceil(tick_step(span / 60)) * 60) : tick_step(span);
  for (double t = 0; t <= span + 1e-9; t += step) {
    s << "<line x1=\"" << px(t) << "\" x2=\"" << px(t) << "\" y1=\"" << ST + SH << "\" y2=\"" << ST + SH + 4 << "\" stroke=\"#888\"/>";
    s << "<line x1=\"" << px(t) << "\" x2=\"" << px(t) << "\" y1=\"" << MT + MH << "\" y2=\"" << MT + MH + 4 << "\" stroke=\"#888\"/>";
    s << "<text x=\"" << px(t) << "\" y=\"" << ST + SH + 16 << "\" text-anchor=\"middle\">" << time_label(t, minutes) << "</text>\n";
  }
  s << "<text x=\"" << L + PW / 2 << "\" y=\"" << H - 6 << "\" text-anchor=\"middle\">time" << (minutes ? "" : " (s)") << "</text>\n";
  s << "</svg>\n";

  // Summary and events.
  s << "<h3>Summary over the recording</h3>\n<table><tr><th>class</th><th>max</th><th>mean</th></tr>\n";
  for (int64_t k : top)
    s << "<tr><td>" << html_escape(classes[k]) << "</td><td class=\"n\">" << num(max_score[k], 3) << "</td><td class=\"n\">"
      << num(mean_score[k], 3) << "</td></tr>\n";
  s << "</table>\n";
  const size_t shown = std::min<size_t>(events.size(), 500);
  s << "<h3>" << events.size() << " events</h3>\n";
  if (shown > 0) {
    s << "<table><tr><th>onset (s)</th><th>offset (s)</th><th>label</th><th>peak</th></tr>\n";
    for (size_t i = 0; i < shown; ++i)
      s << "<tr><td class=\"n\">" << num(events[i].onset, 7) << "</td><td class=\"n\">" << num(events[i].offset, 7) << "</td><td>"
        << html_escape(classes[events[i].label]) << "</td><td class=\"n\">" << num(events[i].peak, 3) << "</td></tr>\n";
    s << "</table>\n";
    if (shown < events.size()) s << "<p>... and " << events.size() - shown << " more (all of them: --events FILE).</p>\n";
  }
  s << "</body></html>\n";
  return s.str();
}

}  // namespace ag::app
