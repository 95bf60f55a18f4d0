// docs/examples/ch5_plot_clip.cpp
// Draws a real ESC-50 clip three ways: waveform, power spectrogram (dB) and log-mel (dB), as one
// SVG file (the two images are PNGs inside it). Usage: doc_ch5_plot_clip [out.svg] [clip]
// Without ESC-50 on disk it draws a synthetic chirp instead.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "audio/frontend.hpp"
#include "audio/load.hpp"
#include "audio/stft.hpp"
#include "check.hpp"

using namespace ag::audio;

// --- a minimal PNG writer (8-bit palette, "stored" deflate blocks: no compression library) ------
uint32_t crc32(const uint8_t* p, size_t n, uint32_t c = 0xffffffffu) {
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c;
}
void put32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
void chunk(std::string& png, const char* type, const std::string& data) {
  put32(png, static_cast<uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  png += body;
  put32(png, crc32(reinterpret_cast<const uint8_t*>(body.data()), body.size()) ^ 0xffffffffu);
}
// pixels: (height, width) palette indices, top row first; palette: 256 RGB triples.
std::string png_bytes(const std::vector<uint8_t>& pixels, int width, int height, const std::string& palette) {
  std::string raw;  // each row starts with filter type 0
  for (int y = 0; y < height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(pixels.data()) + static_cast<size_t>(y) * width, width);
  }
  std::string z = "\x78\x01";  // zlib header, then stored blocks of at most 65535 bytes
  uint32_t a = 1, b = 0;       // Adler-32
  for (unsigned char ch : raw) a = (a + ch) % 65521, b = (b + a) % 65521;
  for (size_t pos = 0; pos < raw.size(); pos += 65535) {
    const uint16_t len = static_cast<uint16_t>(std::min<size_t>(65535, raw.size() - pos));
    z += static_cast<char>(pos + len >= raw.size() ? 1 : 0);
    z += static_cast<char>(len & 0xff), z += static_cast<char>(len >> 8);
    z += static_cast<char>(~len & 0xff), z += static_cast<char>((~len >> 8) & 0xff);
    z.append(raw, pos, len);
  }
  put32(z, (b << 16) | a);
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  put32(ihdr, width), put32(ihdr, height);
  ihdr += std::string("\x08\x03\x00\x00\x00", 5);  // 8-bit palette indices, no interlace
  chunk(png, "IHDR", ihdr);
  chunk(png, "PLTE", palette);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", "");
  return png;
}
std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
    out += t[(v >> 18) & 63], out += t[(v >> 12) & 63];
    out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? t[v & 63] : '=';
  }
  return out;
}

// s: (T, F) values in dB -> an image `width` x `height` (time left to right, frequency bottom to
// top, cells averaged), the top 80 dB mapped through a dark-blue-to-yellow colour ramp.
std::string heatmap_png(const std::vector<float>& s, int64_t frames, int64_t bins, int width, int height) {
  std::string palette;
  for (int i = 0; i < 256; ++i) {
    const double u = i / 255.0;
    palette += static_cast<char>(255 * std::pow(u, 1.5));
    palette += static_cast<char>(255 * u);
    palette += static_cast<char>(255 * (0.35 + 0.3 * std::sin(3.14159 * u)) * (1 - u * u));
  }
  float top = -1e30f;
  for (float v : s) top = std::max(top, v);
  std::vector<uint8_t> pixels(static_cast<size_t>(width) * height);
  for (int x = 0; x < width; ++x) {
    const int64_t t0 = x * frames / width, t1 = std::max(t0 + 1, (x + 1) * frames / width);
    for (int y = 0; y < height; ++y) {
      const int64_t f0 = y * bins / height, f1 = std::max(f0 + 1, (y + 1) * bins / height);
      double acc = 0;
      for (int64_t t = t0; t < t1; ++t)
        for (int64_t f = f0; f < f1; ++f) acc += s[t * bins + f];
      const double u = std::clamp((acc / ((t1 - t0) * (f1 - f0)) - (top - 80.0)) / 80.0, 0.0, 1.0);
      pixels[static_cast<size_t>(height - 1 - y) * width + x] = static_cast<uint8_t>(255 * u);
    }
  }
  return png_bytes(pixels, width, height, palette);
}

int main(int argc, char** argv) {
  const std::string out = argc > 1 ? argv[1] : (std::filesystem::temp_directory_path() / "ch5_clip.svg").string();
  const std::string clip = argc > 2 ? argv[2] : "../shared/data/esc50/audio/1-100038-A-14.ogg";  // chirping birds
  const FrontendConfig cfg = FrontendConfig::erann();
  LoadOptions opt;
  opt.sample_rate = cfg.sample_rate;
  opt.length = 5 * cfg.sample_rate;
  std::vector<float> x;
  std::string title = clip;
  if (std::filesystem::exists(clip)) {
    x = load_audio(clip, opt);
  } else {
    title = "synthetic chirp (ESC-50 not found)";
    for (int64_t i = 0; i < opt.length; ++i) {
      const double t = static_cast<double>(i) / cfg.sample_rate;
      x.push_back(static_cast<float>(0.3 * std::sin(2 * 3.14159265358979 * (200 * t + 800 * t * t))));
    }
  }

  // Power spectrogram in dB (T, 691) and log-mel (T, 128).
  int64_t frames = 0;
  std::vector<float> spec = spectrogram(x, cfg.stft(), &frames);
  for (float& v : spec) v = 10.0f * std::log10(std::max(v, 1e-10f));
  const std::vector<float> logmel = LogMel(cfg).compute(x);
  CHECK(frames == 640 && logmel.size() == 640u * 128);

  // Waveform envelope: min and max per pixel column.
  const int width = 800, wave_h = 120;
  std::string env;
  for (int px = 0; px < width; ++px) {
    const size_t i0 = px * x.size() / width, i1 = (px + 1) * x.size() / width;
    const auto [lo, hi] = std::minmax_element(x.begin() + i0, x.begin() + i1);
    env += std::to_string(px) + "," + std::to_string(wave_h / 2 - *hi * wave_h / 2) + " " + std::to_string(px) + "," +
           std::to_string(wave_h / 2 - *lo * wave_h / 2) + " ";
  }
  std::ofstream svg(out);
  svg << "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' width='820' height='640' font-family='sans-serif' font-size='12'>\n"
      << "<rect width='100%' height='100%' fill='white'/>\n"
      << "<text x='10' y='16'>" << title << ": waveform (5 s, 44.1 kHz)</text>\n"
      << "<g transform='translate(10,24)'><rect width='800' height='120' fill='#f4f4f4'/>"
      << "<polyline fill='none' stroke='#1f4e8c' stroke-width='1' points='" << env << "'/></g>\n"
      << "<text x='10' y='162'>power spectrogram, 10 log10 |X|^2 (691 bins to 22.05 kHz, linear axis, top 80 dB)</text>\n"
      << "<image x='10' y='170' width='800' height='230' preserveAspectRatio='none' xlink:href='data:image/png;base64,"
      << base64(heatmap_png(spec, frames, cfg.stft().n_bins(), 320, 230)) << "'/>\n"
      << "<text x='10' y='418'>log-mel, erann preset (128 Slaney mels, 50 Hz - 14 kHz, 640 frames)</text>\n"
      << "<image x='10' y='426' width='800' height='200' preserveAspectRatio='none' xlink:href='data:image/png;base64,"
      << base64(heatmap_png(logmel, frames, 128, 320, 128)) << "'/>\n"
      << "</svg>\n";
  svg.close();
  CHECK(std::filesystem::file_size(out) > 10000);
  if (argc > 3) {  // also the log-mel alone as a PNG (to look at it without an SVG viewer)
    std::ofstream(argv[3], std::ios::binary) << heatmap_png(logmel, frames, 128, 320, 128);
  }
  std::printf("wrote %s\n", out.c_str());
  return 0;
}
