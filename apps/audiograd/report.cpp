// report.cpp: report.html.
//
// report.html is one self-contained file: a table of fold accuracies, and inline SVG charts drawn
// here (no JavaScript, no external assets), so it opens in any browser, also offline.
#include "apps/audiograd/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/audiograd/svg.hpp"
#include "apps/audiograd/text.hpp"
#include "tensor/io.hpp"

namespace ag::app {

namespace fs = std::filesystem;

namespace {

// A line chart of y(epoch) for several series, as an SVG element.
struct Series {
  std::string name;
  std::string color;
  bool dashed = false;
  std::vector<std::pair<double, double>> points;
};

std::string line_chart(const std::string& title, const std::string& ylabel, const std::vector<Series>& series, double ymin_fixed,
                       double ymax_fixed) {
  const double W = 520, H = 300, L = 55, R = 150, T = 30, B = 40;
  double xmax = 1, ymin = ymin_fixed, ymax = ymax_fixed;
  bool autoscale = ymax_fixed <= ymin_fixed;
  if (autoscale) {
    ymin = 0;
    ymax = 1e-9;
  }
  for (const auto& s : series)
    for (auto [x, y] : s.points) {
      xmax = std::max(xmax, x);
      if (autoscale) ymax = std::max(ymax, y);
    }
  if (autoscale) ymax *= 1.05;
  auto px = [&](double x) { return L + (W - L - R) * (x - 1) / std::max(1.0, xmax - 1); };
  auto py = [&](double y) { return T + (H - T - B) * (1 - (y - ymin) / (ymax - ymin)); };
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s << "<text x=\"" << L << "\" y=\"18\" font-size=\"13\" font-weight=\"bold\">" << html_escape(title) << "</text>\n";
  for (int i = 0; i <= 4; ++i) {
    double y = ymin + (ymax - ymin) * i / 4;
    s << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << py(y) << "\" y2=\"" << py(y) << "\" stroke=\"#ddd\"/>";
    s << "<text x=\"" << L - 5 << "\" y=\"" << py(y) + 4 << "\" text-anchor=\"end\">" << num(y, 3) << "</text>\n";
  }
  int ticks = static_cast<int>(std::min(xmax - 1, 10.0));
  for (int i = 0; i <= ticks; ++i) {
    double x = 1 + (xmax - 1) * i / std::max(1, ticks);
    s << "<text x=\"" << px(x) << "\" y=\"" << H - B + 15 << "\" text-anchor=\"middle\">" << num(std::round(x), 4) << "</text>";
  }
  s << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 8 << "\" text-anchor=\"middle\">epoch</text>\n";
  s << "<text x=\"12\" y=\"" << (T + H - B) / 2 << "\" transform=\"rotate(-90 12 " << (T + H - B) / 2 << ")\" text-anchor=\"middle\">"
    << html_escape(ylabel) << "</text>\n";
  s << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\"" << H - T - B << "\" fill=\"none\" stroke=\"#888\"/>\n";
  int row = 0;
  for (const auto& se : series) {
    if (se.points.empty()) continue;
    s << "<polyline fill=\"none\" stroke=\"" << se.color << "\" stroke-width=\"1.6\"" << (se.dashed ? " stroke-dasharray=\"5,3\"" : "")
      << " points=\"";
    for (auto [x, y] : se.points) s << px(x) << ',' << py(y) << ' ';
    s << "\"/>\n";
    if (se.points.size() == 1) s << "<circle cx=\"" << px(se.points[0].first) << "\" cy=\"" << py(se.points[0].second) << "\" r=\"3\" fill=\"" << se.color << "\"/>";
    double ly = T + 12 + 15 * row++;
    s << "<line x1=\"" << W - R + 10 << "\" x2=\"" << W - R + 30 << "\" y1=\"" << ly << "\" y2=\"" << ly << "\" stroke=\"" << se.color
      << "\" stroke-width=\"2\"" << (se.dashed ? " stroke-dasharray=\"5,3\"" : "") << "/><text x=\"" << W - R + 35 << "\" y=\"" << ly + 4
      << "\">" << html_escape(se.name) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::string confusion_svg(const std::vector<std::vector<int64_t>>& cm, const std::vector<std::string>& classes) {
  const int64_t n = static_cast<int64_t>(cm.size());
  const double cell = n > 20 ? 12 : 24, label = 130;
  const double size = label + cell * static_cast<double>(n) + 10;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << size << "\" height=\"" << size << "\" font-family=\"sans-serif\" font-size=\""
    << (n > 20 ? 8 : 10) << "\">\n";
  for (int64_t i = 0; i < n; ++i) {
    int64_t total = 0;
    for (int64_t v : cm[i]) total += v;
    std::string name = i < static_cast<int64_t>(classes.size()) ? classes[i] : std::to_string(i);
    s << "<text x=\"" << label - 4 << "\" y=\"" << label + cell * static_cast<double>(i) + cell * 0.7 << "\" text-anchor=\"end\">"
      << html_escape(name) << "</text>";
    s << "<text transform=\"translate(" << label + cell * static_cast<double>(i) + cell * 0.7 << "," << label - 4
      << ") rotate(-90)\">" << html_escape(name) << "</text>\n";
    for (int64_t k = 0; k < n; ++k) {
      double f = total ? static_cast<double>(cm[i][k]) / static_cast<double>(total) : 0;
      int shade = static_cast<int>(255 - 200 * f);
      s << "<rect x=\"" << label + cell * static_cast<double>(k) << "\" y=\"" << label + cell * static_cast<double>(i) << "\" width=\"" << cell
        << "\" height=\"" << cell << "\" fill=\"rgb(" << shade << "," << shade << ",255)\" stroke=\"#eee\"><title>" << html_escape(name)
        << " → " << html_escape(k < static_cast<int64_t>(classes.size()) ? classes[k] : std::to_string(k)) << ": " << cm[i][k]
        << "</title></rect>";
      if (cm[i][k] && n <= 20)
        s << "<text x=\"" << label + cell * (static_cast<double>(k) + 0.5) << "\" y=\"" << label + cell * (static_cast<double>(i) + 0.68)
          << "\" text-anchor=\"middle\">" << cm[i][k] << "</text>";
    }
    s << '\n';
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace

void write_report(const std::string& out, const TrainConfig& c, const std::vector<EpochMetrics>& metrics,
                  const std::vector<FoldResult>& folds, const std::vector<std::string>& classes) {
  std::vector<Series> loss, acc;
  std::vector<int> fold_ids;
  for (const auto& m : metrics)
    if (std::find(fold_ids.begin(), fold_ids.end(), m.fold) == fold_ids.end()) fold_ids.push_back(m.fold);
  for (size_t i = 0; i < fold_ids.size(); ++i) {
    std::string color = line_color(i);
    Series tl{"fold " + std::to_string(fold_ids[i]) + " train", color, false, {}}, vl{"fold " + std::to_string(fold_ids[i]) + " test", color, true, {}};
    Series ta = tl, va = vl;
    for (const auto& m : metrics) {
      if (m.fold != fold_ids[i]) continue;
      tl.points.emplace_back(m.epoch, m.train_loss);
      ta.points.emplace_back(m.epoch, 100 * m.train_acc);
      if (m.test_acc >= 0) {
        vl.points.emplace_back(m.epoch, m.test_loss);
        va.points.emplace_back(m.epoch, 100 * m.test_acc);
      }
    }
    loss.push_back(tl);
    loss.push_back(vl);
    acc.push_back(ta);
    acc.push_back(va);
  }
  auto [m, sd] = mean_std(folds);
  std::vector<std::vector<int64_t>> total;
  for (const auto& f : folds) {
    if (total.empty()) total = f.confusion;
    else
      for (size_t i = 0; i < total.size() && i < f.confusion.size(); ++i)
        for (size_t k = 0; k < total[i].size() && k < f.confusion[i].size(); ++k) total[i][k] += f.confusion[i][k];
  }
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>audiograd: " << html_escape(c.model) << " on " << html_escape(c.dataset)
    << "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1100px} table{border-collapse:collapse} "
       "td,th{border:1px solid #ccc;padding:3px 10px;text-align:right} .charts svg{margin-right:1em}</style></head><body>\n";
  h << "<h1>" << html_escape(c.model) << " on " << html_escape(c.dataset) << "</h1>\n";
  h << "<p>Test accuracy " << (folds.size() > 1 ? "(mean ± std over folds) " : "") << "<b>" << num(100 * m, 4) << " %"
    << (folds.size() > 1 ? " ± " + num(100 * sd, 3) + " %" : "") << "</b>, "
    << (c.patience > 0 ? "with the weights of each fold's best epoch on its validation fold (--patience " + std::to_string(c.patience) + ")"
                       : std::string("at the last epoch of each fold"))
    << ": no epoch or setting "
    << "was chosen by its test accuracy. " << c.epochs << " epochs, batch " << c.batch_size << ", " << html_escape(c.optimizer)
    << " lr " << num(c.lr) << " (" << html_escape(c.schedule) << "), augment '" << html_escape(c.augment) << "', mixup " << c.mixup
    << ", seed " << c.seed << ".</p>\n";
  h << "<table><tr><th>fold</th><th>accuracy</th><th>loss</th><th>time</th></tr>\n";
  for (const auto& f : folds)
    h << "<tr><td>" << f.fold << "</td><td>" << num(100 * f.accuracy, 4) << " %</td><td>" << num(f.loss, 4) << "</td><td>"
      << num(f.seconds / 60, 3) << " min</td></tr>\n";
  h << "</table>\n<h2>Training curves</h2>\n<div class=\"charts\">\n"
    << line_chart("Loss", "cross-entropy", loss, 0, 0) << line_chart("Accuracy", "%", acc, 0, 100) << "</div>\n";
  if (!total.empty()) {
    h << "<h2>Confusion matrix" << (folds.size() > 1 ? " (all test folds)" : "") << "</h2>\n<p>Rows: true class; columns: predicted. "
      << "Hover a cell for its count.</p>\n" << confusion_svg(total, classes);
  }
  h << "</body></html>\n";
  write_file_atomic((fs::path(out) / "report.html").string(), h.str());
}

}  // namespace ag::app
