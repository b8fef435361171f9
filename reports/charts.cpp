// SVG line and bar charts for the HTML report (see proctrail/charts.hpp). Layout works on estimated
// text widths (7 px a character at 12 px), so labels are spaced and legends wrapped without a font.
#include "reports/charts.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>

namespace proctrail::charts {
namespace {

constexpr double kCharWidth = 7.0;   // estimated advance of one character at kFontSize
constexpr double kFontSize = 12.0;
constexpr size_t kLabelChars = 40;   // longer labels are cut with an ellipsis
constexpr double kTitleTop = 44.0;   // plot top, below the heading
constexpr double kUntitledTop = 16.0;  // plot top when the page shows the title instead (show_title false)

double plot_top(bool show_title) { return show_title ? kTitleTop : kUntitledTop; }
constexpr const char* kAxisColour = "#555";
constexpr const char* kGridColour = "#e3e3e3";
constexpr const char* kOtherColour = "#8c8c8c";
constexpr const char* kFontFamily = "system-ui, sans-serif";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Okabe & Ito (2008), ordered so the low-contrast yellow comes last.
constexpr std::array<const char*, 8> kPalette = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#000000", "#F0E442"};
constexpr std::array<const char*, 4> kDashes = {"", "7 4", "2 3", "10 3 2 3"};

// ---- text -------------------------------------------------------------------------------------

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  const size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (len == 0 || lead > 0xF4 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  const unsigned char second = byte(i + 1);
  const bool overlong = (lead == 0xE0 && second < 0xA0) || (lead == 0xF0 && second < 0x90);
  const bool surrogate_or_too_big = (lead == 0xED && second >= 0xA0) || (lead == 0xF4 && second >= 0x90);
  return overlong || surrogate_or_too_big ? 0 : len;
}

bool is_xml_noncharacter(std::string_view seq) { return seq == "\xEF\xBF\xBE" || seq == "\xEF\xBF\xBF"; }

// Valid UTF-8 that XML 1.0 accepts, on one line.
std::string clean_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const size_t len = utf8_length(in, i);
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (len == 1 && (c == '\t' || c == '\n' || c == '\r')) {
      out += ' ';
    } else if (len == 0 || (len == 1 && c < 0x20) || is_xml_noncharacter(in.substr(i, len))) {
      out += kReplacement;
    } else {
      out.append(in.substr(i, len));
    }
    i += std::max<size_t>(len, 1);
  }
  return out;
}

std::string escape_clean(std::string_view clean) {
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

// The code point at s[i] (valid UTF-8), advancing i past it.
char32_t next_code_point(std::string_view s, size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  const size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t c = len == 1 ? lead : lead & (0x7F >> len);
  for (size_t k = 1; k < len && i + k < s.size(); ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return c;
}

// East Asian wide and emoji glyphs (and U+FFFD in common fonts) take about two columns.
size_t columns_of(char32_t c) {
  const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
                    (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                    (c >= 0xFFE0 && c <= 0xFFE6) || c == 0xFFFD || (c >= 0x1F300 && c <= 0x1FAFF) ||
                    (c >= 0x20000 && c <= 0x3FFFD);
  return wide ? 2 : 1;
}

size_t columns(std::string_view utf8) {
  size_t n = 0;
  for (size_t i = 0; i < utf8.size();) n += columns_of(next_code_point(utf8, i));
  return n;
}

double text_width(std::string_view utf8) { return static_cast<double>(columns(utf8)) * kCharWidth; }

// At most max_columns columns: the head and the tail of the text around an ellipsis when cut, so
// that two commands differing only in their last arguments (node …/server-a/index.js, node
// …/server-b/index.js) keep distinct labels.
std::string truncate_columns(std::string_view utf8, size_t max_columns) {
  if (columns(utf8) <= max_columns) return std::string(utf8);
  const size_t budget = max_columns > 0 ? max_columns - 1 : 0;
  const size_t head_budget = (budget + 1) / 2;
  size_t used = 0, head_end = 0;
  for (size_t i = 0; i < utf8.size();) {
    used += columns_of(next_code_point(utf8, i));
    if (used > head_budget) break;
    head_end = i;
  }
  std::vector<size_t> starts;  // where each code point begins, to walk the tail backwards
  for (size_t i = head_end; i < utf8.size();) {
    starts.push_back(i);
    next_code_point(utf8, i);
  }
  size_t tail_start = utf8.size(), tail_used = 0;
  const size_t tail_budget = budget - std::min(budget, columns(utf8.substr(0, head_end)));
  for (auto start = starts.rbegin(); start != starts.rend(); ++start) {
    size_t end = *start;
    const size_t width = columns_of(next_code_point(utf8, end));
    if (tail_used + width > tail_budget) break;
    tail_used += width;
    tail_start = *start;
  }
  return std::string(utf8.substr(0, head_end)) + std::string(kEllipsis) + std::string(utf8.substr(tail_start));
}

struct Label {
  std::string full;   // cleaned, not escaped
  std::string shown;  // full, or cut with an ellipsis
  bool cut() const { return shown != full; }
};

Label make_label(std::string_view raw, size_t max_columns) {
  Label label{clean_text(raw), {}};
  label.shown = truncate_columns(label.full, max_columns);
  return label;
}

size_t chars_fitting(double pixels) {
  return static_cast<size_t>(std::max(4.0, std::floor(pixels / kCharWidth)));
}

// ---- numbers ----------------------------------------------------------------------------------

// Locale-independent fixed notation with 0..3 decimals.
std::string fixed(double v, int decimals) {
  static constexpr std::array<long long, 4> kScale = {1, 10, 100, 1000};
  const long long scale = kScale[static_cast<size_t>(std::clamp(decimals, 0, 3))];
  const double limit = 9e15 / static_cast<double>(scale);
  const long long n = std::llround(std::clamp(v, -limit, limit) * static_cast<double>(scale));
  const unsigned long long a = n < 0 ? static_cast<unsigned long long>(-(n + 1)) + 1 : static_cast<unsigned long long>(n);
  const auto uscale = static_cast<unsigned long long>(scale);
  std::string s = std::to_string(a / uscale);
  if (scale > 1) {
    const std::string frac = std::to_string(a % uscale);
    s += '.' + std::string(static_cast<size_t>(decimals) - frac.size(), '0') + frac;
  }
  return n < 0 ? "-" + s : s;
}

std::string trim_zero_decimal(std::string s) {
  if (s.ends_with(".0")) s.resize(s.size() - 2);
  return s == "-0" ? "0" : s;
}

// SVG coordinates and lengths: at most one decimal.
std::string num(double v) { return trim_zero_decimal(fixed(v, 1)); }

std::string count_of(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

struct Unit {
  double divisor;
  const char* suffix;
};

Unit unit_for(double max_abs) {
  if (max_abs >= 1e12) return {1e12, "T"};
  if (max_abs >= 1e9) return {1e9, "G"};
  if (max_abs >= 1e6) return {1e6, "M"};
  if (max_abs >= 1e4) return {1e3, "k"};
  return {1, ""};
}

int decimals_for(double step) {
  for (int d = 0; d < 3; ++d) {
    const double scaled = step * std::pow(10.0, d);
    if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) return d;
  }
  return 3;
}

// "1.5k", "12", "0.3": values at bar ends and in descriptions.
std::string compact_value(double v) {
  const Unit unit = unit_for(std::fabs(v));
  return trim_zero_decimal(fixed(v / unit.divisor, 1)) + unit.suffix;
}

// ---- ticks ------------------------------------------------------------------------------------

struct Ticks {
  std::vector<double> values;
  std::vector<std::string> texts;
  double lo() const { return values.front(); }
  double hi() const { return values.back(); }
};

Ticks value_ticks(std::vector<double> values) {
  Ticks ticks{std::move(values), {}};
  if (ticks.values.empty()) return ticks;
  const Unit unit = unit_for(std::max(std::fabs(ticks.lo()), std::fabs(ticks.hi())));
  const double step = ticks.values.size() > 1 ? ticks.values[1] - ticks.values[0] : 1.0;
  const int decimals = decimals_for(step / unit.divisor);
  for (double v : ticks.values) ticks.texts.push_back(trim_zero_decimal(fixed(v / unit.divisor, decimals)) + unit.suffix);
  for (auto& text : ticks.texts) {
    if (text.starts_with("-0") && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  }
  return ticks;
}

double widest(const std::vector<std::string>& texts) {
  double w = 0;
  for (const auto& t : texts) w = std::max(w, text_width(t));
  return w;
}

// Pixels between neighbouring ticks when lo..hi spans `length` pixels.
double tick_spacing(const std::vector<double>& values, double lo, double hi, double length) {
  if (values.size() < 2 || hi <= lo) return std::numeric_limits<double>::infinity();
  return length * (values[1] - values[0]) / (hi - lo);
}

bool is_whole(double v) { return v == std::floor(v); }

// nice_ticks, in whole steps when the data are counts.
std::vector<double> candidate_ticks(double lo, double hi, int target, bool whole) {
  std::vector<double> ticks = nice_ticks(lo, hi, target);
  if (!whole || ticks.size() < 2 || ticks[1] - ticks[0] >= 1) return ticks;
  std::vector<double> steps;
  const double first = std::floor(lo), last = std::max(std::ceil(hi), first + 1);
  for (double v = first; v <= last; ++v) steps.push_back(v);
  return steps;
}

// The most ticks over lo..hi whose labels stay apart: side by side when horizontal, one text line
// apart when vertical. The axis then runs from the first tick to the last.
Ticks fit_value_ticks(double lo, double hi, double length, bool horizontal, bool whole) {
  for (int target = std::max(2, static_cast<int>(length / (horizontal ? 70 : 40))); target >= 2; --target) {
    Ticks ticks = value_ticks(candidate_ticks(lo, hi, target, whole));
    if (ticks.values.empty()) return ticks;
    const double need = horizontal ? widest(ticks.texts) + 12 : kFontSize + 6;
    if (tick_spacing(ticks.values, ticks.lo(), ticks.hi(), length) >= need) return ticks;
  }
  return value_ticks(candidate_ticks(lo, hi, 2, whole));
}

// Characters of the widest label utc_time_label gives for this span.
size_t time_label_chars(double span) {
  if (span <= 86400) return 5;
  return span <= 7 * 86400 ? 12 : 6;
}

constexpr std::array<double, 19> kTimeSteps = {
    60,    120,   300,   600,       900,       1800,      3600,       7200,       10800,      21600,
    43200, 86400, 172800, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 182 * 86400, 364 * 86400};

// Ticks every `step` seconds on UTC boundaries (whole minutes, hours, midnights): the report gives
// every time in UTC, its tables' and its axes' alike.
std::vector<double> aligned_time_ticks(double lo, double hi, double step) {
  std::vector<double> ticks;
  for (double k = std::ceil(lo / step); ticks.size() < 1000; ++k) {
    const double t = k * step;
    if (t > hi) break;
    if (t >= lo && (ticks.empty() || t > ticks.back())) ticks.push_back(t);
  }
  return ticks;
}

// Time ticks whose labels (label_width px each) never overlap along plot_width px.
std::vector<double> time_ticks(double lo, double hi, double plot_width, double label_width) {
  const double span = hi - lo;
  if (!(span > 0) || !(plot_width > 0)) return {lo};
  const auto fits = [&](double step) { return step * plot_width / span >= label_width * 1.05; };
  double step = kTimeSteps.back();
  for (double candidate : kTimeSteps) {
    if (fits(candidate)) {
      step = candidate;
      break;
    }
  }
  while (!fits(step)) step *= 2;
  std::vector<double> ticks = aligned_time_ticks(lo, hi, step);
  if (ticks.empty()) ticks.push_back(lo);
  return ticks;
}

// ---- SVG pieces -------------------------------------------------------------------------------

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + escape_xml(value) + "\"";
}

std::string chart_id(std::string_view kind, const std::string& title, const std::vector<double>& values,
                     const std::vector<std::string>& names) {
  uint64_t h = 1469598103934665603ULL;
  const auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ULL; };
  for (std::string_view s : {kind, std::string_view(title)}) {
    for (char c : s) mix(static_cast<unsigned char>(c));
    mix(0);
  }
  for (const auto& name : names) {
    for (char c : name) mix(static_cast<unsigned char>(c));
    mix(0);
  }
  mix(0);
  for (double v : values) mix(std::bit_cast<uint64_t>(v));
  char buf[24];
  std::snprintf(buf, sizeof buf, "ptc-%08x", static_cast<unsigned>(h ^ (h >> 32)));
  return buf;
}

std::string svg_open(const std::string& id, int width, double height, std::string_view title, std::string_view desc) {
  const std::string w = std::to_string(width), h = num(height);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"proctrail-chart\" role=\"img\"";
  out += attr("aria-labelledby", id + "-title " + id + "-desc") + attr("width", w) + attr("height", h);
  out += attr("viewBox", "0 0 " + w + " " + h) + attr("font-family", kFontFamily) + attr("font-size", "12");
  out += " fill=\"#222\" style=\"max-width:100%;height:auto\">\n";
  out += "<title id=\"" + id + "-title\">" + escape_xml(title) + "</title>\n";
  out += "<desc id=\"" + id + "-desc\">" + escape_xml(desc) + "</desc>\n";
  out += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#fff\"/>\n";
  return out;
}

std::string heading(std::string_view title, int width) {
  const Label label = make_label(title, static_cast<size_t>(std::max(8.0, (width - 24) / 10.0)));  // bold 15px
  return "<text class=\"heading\" x=\"12\" y=\"24\" font-size=\"15\" font-weight=\"600\">" + escape_clean(label.shown) +
         "</text>\n";
}

std::string hline(double x1, double x2, double y, const char* colour) {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y) + "\" stroke=\"" +
         colour + "\" shape-rendering=\"crispEdges\"/>\n";
}

std::string vline(double x, double y1, double y2, const char* colour) {
  return "<line x1=\"" + num(x) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x) + "\" y2=\"" + num(y2) + "\" stroke=\"" +
         colour + "\" shape-rendering=\"crispEdges\"/>\n";
}

std::string text(std::string_view cls, double x, double y, std::string_view anchor, std::string_view clean) {
  std::string out = "<text class=\"" + std::string(cls) + "\" x=\"" + num(x) + "\" y=\"" + num(y) + "\"";
  if (!anchor.empty()) out += " text-anchor=\"" + std::string(anchor) + "\"";
  return out + ">" + escape_clean(clean) + "</text>\n";
}

std::string rotated_text(std::string_view cls, double x, double y, std::string_view clean) {
  return "<text class=\"" + std::string(cls) + "\" transform=\"rotate(-90)\" x=\"" + num(-y) + "\" y=\"" + num(x) +
         "\" text-anchor=\"middle\">" + escape_clean(clean) + "</text>\n";
}

std::string no_data_svg(std::string_view kind, const std::string& title, int width, double height) {
  const std::string id = chart_id(kind, title, {}, {});
  std::string out = svg_open(id, width, height, title, std::string(kind) + ": no data.");
  out += heading(title, width);
  out += "<text class=\"no-data\" x=\"" + num(width / 2.0) + "\" y=\"" + num(height / 2.0 + 10) +
         "\" text-anchor=\"middle\" font-size=\"14\" fill=\"#555\">no data</text>\n";
  return out + "</svg>\n";
}

// ---- line chart -------------------------------------------------------------------------------

struct Plot {  // the plotting area and the data range it shows
  double left, top, right, bottom;
  double x_lo, x_hi, y_lo, y_hi;
  double sx(double x) const { return left + (x - x_lo) / (x_hi - x_lo) * (right - left); }
  double sy(double y) const { return bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top); }
};

struct Style {
  const char* colour;
  const char* dash;
  bool cased;  // light colour: drawn over a dark casing so it shows on white and in grey print
};

Style series_style(size_t rank, bool other) {
  if (other) return {kOtherColour, "", false};
  const size_t colour = rank % kPalette.size();
  return {kPalette[colour], kDashes[(rank / kPalette.size()) % kDashes.size()], colour == kPalette.size() - 1};
}

struct Drawn {  // a series as drawn: points sorted by x
  std::string name;
  std::vector<Point> points;
  double peak = 0;
  bool other = false;
};

std::vector<Drawn> finite_series(const std::vector<Series>& series) {
  std::vector<Drawn> out;
  for (const auto& s : series) {
    Drawn d{s.name, {}, -std::numeric_limits<double>::infinity(), false};
    for (const auto& p : s.points) {
      if (std::isfinite(p.x) && std::isfinite(p.y)) d.points.push_back(p);
    }
    if (d.points.empty()) continue;
    std::stable_sort(d.points.begin(), d.points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    for (const auto& p : d.points) d.peak = std::max(d.peak, p.y);
    out.push_back(std::move(d));
  }
  return out;
}

Drawn sum_series(const std::vector<Drawn>& tail) {
  std::map<double, double> sums;
  for (const auto& s : tail) {
    for (const auto& p : s.points) sums[p.x] += p.y;
  }
  Drawn other{"other (" + std::to_string(tail.size()) + " series)", {}, 0, true};
  for (const auto& [x, y] : sums) other.points.push_back({x, y});
  return other;
}

// Ranked by largest y, then name; the tail beyond max_series summed into "other (N series)".
std::vector<Drawn> ranked_series(const LineChart& chart) {
  std::vector<Drawn> all = finite_series(chart.series);
  std::stable_sort(all.begin(), all.end(), [](const Drawn& a, const Drawn& b) {
    return a.peak != b.peak ? a.peak > b.peak : a.name < b.name;
  });
  if (all.size() <= chart.max_series) return all;
  const auto cut = all.begin() + static_cast<std::ptrdiff_t>(chart.max_series);
  Drawn other = sum_series(std::vector<Drawn>(cut, all.end()));
  all.erase(cut, all.end());
  all.push_back(std::move(other));
  return all;
}

struct Extent {
  double x_lo, x_hi, y_lo, y_hi;
  bool whole_x = true, whole_y = true;  // all values whole numbers: no fractional ticks
};

Extent extent_of(const std::vector<Drawn>& series, bool time_axis) {
  Extent e{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), 0, 0};
  for (const auto& s : series) {
    for (const auto& p : s.points) {
      e.x_lo = std::min(e.x_lo, p.x);
      e.x_hi = std::max(e.x_hi, p.x);
      e.y_lo = std::min(e.y_lo, p.y);
      e.y_hi = std::max(e.y_hi, p.y);
      e.whole_x = e.whole_x && is_whole(p.x);
      e.whole_y = e.whole_y && is_whole(p.y);
    }
  }
  if (time_axis && e.x_hi - e.x_lo < 60) {  // one instant: show the half hour either side
    e.x_lo -= 1800;
    e.x_hi += 1800;
  }
  return e;
}

struct XAxis {
  std::vector<double> values;
  std::vector<std::string> texts;
  double half_label = 0;  // half the widest label: room needed past the plot's ends
};

XAxis time_x_axis(const Extent& e, double plot_width) {
  const double span = e.x_hi - e.x_lo;
  const double label_width = static_cast<double>(time_label_chars(span)) * kCharWidth;
  XAxis axis{time_ticks(e.x_lo, e.x_hi, plot_width, label_width + 16), {}, label_width / 2};
  for (double t : axis.values) axis.texts.push_back(utc_time_label(t, span));
  return axis;
}

XAxis number_x_axis(const Extent& e, double plot_width) {
  Ticks ticks = fit_value_ticks(e.x_lo, e.x_hi, plot_width, true, e.whole_x);
  const double half = widest(ticks.texts) / 2;
  return {std::move(ticks.values), std::move(ticks.texts), half};
}

struct LineLayout {
  Plot plot;
  Ticks y;
  XAxis x;
};

LineLayout line_layout(const LineChart& chart, const Extent& e, int width, int height) {
  const double bottom = height - 56.0;
  const double top = plot_top(chart.show_title);
  Ticks y = fit_value_ticks(e.y_lo, e.y_hi, bottom - top, false, e.whole_y);
  const double y_labels = 38 + widest(y.texts);
  const double time_half = static_cast<double>(time_label_chars(e.x_hi - e.x_lo)) * kCharWidth / 2;
  const double edge = chart.time_axis ? time_half + 6 : 30;
  double left = std::max(y_labels, edge), right = width - std::max(20.0, edge);
  XAxis x = chart.time_axis ? time_x_axis(e, right - left) : number_x_axis(e, right - left);
  if (!chart.time_axis) {  // number labels are known only now: make room, then fit again
    left = std::max(y_labels, x.half_label + 6);
    right = width - std::max(20.0, x.half_label + 6);
    x = number_x_axis(e, right - left);
  }
  const double x_lo = chart.time_axis || x.values.empty() ? e.x_lo : x.values.front();
  const double x_hi = chart.time_axis || x.values.empty() ? e.x_hi : x.values.back();
  const double y_lo = y.values.empty() ? 0 : y.lo(), y_hi = y.values.empty() ? 1 : y.hi();
  return {Plot{left, top, right, bottom, x_lo, x_hi, y_lo, y_hi}, std::move(y), std::move(x)};
}

std::string y_axis_svg(const LineLayout& layout, std::string_view y_label) {
  const Plot& p = layout.plot;
  std::string out = "<g class=\"y-axis\">\n";
  for (size_t i = 0; i < layout.y.values.size(); ++i) {
    const double y = p.sy(layout.y.values[i]);
    if (i > 0) out += hline(p.left, p.right, y, kGridColour);
    out += hline(p.left - 5, p.left, y, kAxisColour);
    out += text("y-tick", p.left - 8, y + 4, "end", layout.y.texts[i]);
  }
  out += vline(p.left, p.top, p.bottom, kAxisColour);
  const Label label = make_label(y_label, chars_fitting(p.bottom - p.top));
  out += rotated_text("y-label", 16, (p.top + p.bottom) / 2, label.shown);
  return out + "</g>\n";
}

// A bottom axis: a grid line, tick and label per value, the base line and the axis title.
// `grid_colour(value, x)` is a value's grid line colour, or nullptr for none.
template <class GridColour>
std::string bottom_axis_svg(const Plot& p, const std::vector<double>& values, const std::vector<std::string>& texts,
                            std::string_view title, GridColour grid_colour) {
  std::string out = "<g class=\"x-axis\">\n";
  for (size_t i = 0; i < values.size(); ++i) {
    const double x = p.sx(values[i]);
    if (const char* colour = grid_colour(values[i], x)) out += vline(x, p.top, p.bottom, colour);
    out += vline(x, p.bottom, p.bottom + 5, kAxisColour);
    out += text("x-tick", x, p.bottom + 18, "middle", texts[i]);
  }
  out += hline(p.left, p.right, p.bottom, kAxisColour);
  const Label label = make_label(title, chars_fitting(p.right - p.left));
  out += text("x-label", (p.left + p.right) / 2, p.bottom + 40, "middle", label.shown);
  return out + "</g>\n";
}

std::string x_axis_svg(const LineLayout& layout, std::string_view x_label) {
  const Plot& p = layout.plot;
  return bottom_axis_svg(p, layout.x.values, layout.x.texts, x_label,
                         [&](double, double x) { return x > p.left + 0.5 ? kGridColour : nullptr; });
}

std::string stroke_attrs(const Style& style, double width) {
  std::string out = " fill=\"none\" stroke=\"" + std::string(style.colour) + "\" stroke-width=\"" + num(width) + "\"";
  if (*style.dash) out += " stroke-dasharray=\"" + std::string(style.dash) + "\"";
  return out + " stroke-linejoin=\"round\" stroke-linecap=\"round\" vector-effect=\"non-scaling-stroke\"";
}

// Point markers, one shape per series rank (circle, square, triangle, diamond, inverted triangle), so
// series that coincide or share a colour in grey print stay apart. Drawn while a series has at most
// kMaxMarkedPoints points; denser lines would turn into a smear of shapes.
constexpr size_t kMarkerShapes = 5, kMaxMarkedPoints = 48;

std::string marker_svg(size_t rank, double x, double y, const char* colour) {
  const std::string paint = "\" fill=\"" + std::string(colour) + "\" stroke=\"#222\" stroke-width=\"0.8\"/>\n";
  auto path = [&](const std::string& d) { return "<path class=\"marker\" d=\"" + d + "\"" + paint; };
  auto at = [](double px, double py) { return num(px) + "," + num(py); };
  switch (rank % kMarkerShapes) {
    case 0:
      return "<circle class=\"marker\" cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"3.5\"" + paint;
    case 1:
      return path("M" + at(x - 3.2, y - 3.2) + "H" + num(x + 3.2) + "V" + num(y + 3.2) + "H" + num(x - 3.2) + "Z");
    case 2:
      return path("M" + at(x, y - 4.2) + "L" + at(x + 4, y + 3) + "L" + at(x - 4, y + 3) + "Z");
    case 3:
      return path("M" + at(x, y - 4.4) + "L" + at(x + 4.4, y) + "L" + at(x, y + 4.4) + "L" + at(x - 4.4, y) + "Z");
    default:
      return path("M" + at(x, y + 4.2) + "L" + at(x + 4, y - 3) + "L" + at(x - 4, y - 3) + "Z");
  }
}

bool marked(const Drawn& s) { return s.points.size() <= kMaxMarkedPoints; }

// `width`: lines drawn earlier are wider, so series that coincide show as nested bands, not one line.
std::string series_svg(const Drawn& s, size_t rank, const Style& style, const Plot& p, double width) {
  std::string out = "<g class=\"series\"><title>" + escape_xml(s.name) + "</title>\n";
  std::string points;
  for (const auto& pt : s.points) {
    if (!points.empty()) points += ' ';  // appended apart: GCC 12 -Wrestrict misfires on ("" or " ") + std::string
    points += num(p.sx(pt.x)) + "," + num(p.sy(pt.y));
  }
  if (s.points.size() > 1) {
    if (style.cased) out += "<polyline points=\"" + points + "\"" + stroke_attrs({"#555", style.dash, false}, width + 1.5) + "/>\n";
    out += "<polyline points=\"" + points + "\"" + stroke_attrs(style, width) + "/>\n";
  }
  if (marked(s) || s.points.size() == 1) {
    for (const auto& pt : s.points) out += marker_svg(rank, p.sx(pt.x), p.sy(pt.y), style.colour);
  }
  return out + "</g>\n";
}

struct LegendEntry {
  Label label;
  Style style;
  size_t rank = 0;
  bool marker = false;  // the series is drawn with markers: so is its swatch
  double x = 0, y = 0;  // swatch start and text baseline
};

constexpr double kSwatch = 22, kSwatchGap = 6, kEntryGap = 18, kLegendRow = 20;

double entry_width(const LegendEntry& e) { return kSwatch + kSwatchGap + text_width(e.label.shown); }

// Places entries left to right in rows within [x0, x1]; returns the height the rows take.
double layout_legend(std::vector<LegendEntry>& entries, double x0, double x1, double top) {
  double x = x0, y = top + 14;
  for (auto& e : entries) {
    const double w = entry_width(e);
    if (x > x0 && x + w > x1) {
      x = x0;
      y += kLegendRow;
    }
    e.x = x;
    e.y = y;
    x += w + kEntryGap;
  }
  return entries.empty() ? 0 : y - top + 10;
}

std::vector<LegendEntry> legend_entries(const std::vector<Drawn>& series, double available) {
  const size_t max_chars = std::min(kLabelChars, chars_fitting(available - kSwatch - kSwatchGap));
  std::vector<LegendEntry> entries;
  for (size_t i = 0; i < series.size(); ++i) {
    entries.push_back({make_label(series[i].name, max_chars), series_style(i, series[i].other), i, marked(series[i])});
  }
  return entries;
}

std::string legend_svg(const std::vector<LegendEntry>& entries) {
  std::string out = "<g class=\"legend\">\n";
  for (const auto& e : entries) {
    out += "<g class=\"legend-entry\">";
    if (e.label.cut()) out += "<title>" + escape_clean(e.label.full) + "</title>";
    const std::string coords = " x1=\"" + num(e.x) + "\" y1=\"" + num(e.y - 4) + "\" x2=\"" + num(e.x + kSwatch) +
                               "\" y2=\"" + num(e.y - 4) + "\"";
    if (e.style.cased) out += "<line" + coords + stroke_attrs({"#555", e.style.dash, false}, 4.5) + "/>";
    out += "<line" + coords + stroke_attrs(e.style, 3) + "/>";
    if (e.marker) out += marker_svg(e.rank, e.x + kSwatch / 2, e.y - 4, e.style.colour);
    out += text("legend", e.x + kSwatch + kSwatchGap, e.y, "", e.label.shown) + "</g>\n";
  }
  return out + "</g>\n";
}

std::string line_desc(const LineChart& chart, const std::vector<Drawn>& series, const LineLayout& layout) {
  std::string desc = "Line chart of " + (chart.y_label.empty() ? std::string("values") : chart.y_label) + " over " +
                     chart.x_label + ", " + count_of(series.size(), "line");
  if (series.back().other) desc += " (the smallest series summed into \"" + series.back().name + "\")";
  const Plot& p = layout.plot;
  const double span = p.x_hi - p.x_lo;
  const auto x_text = [&](double x) { return chart.time_axis ? utc_time_label(x, span) : compact_value(x); };
  desc += "; x from " + x_text(p.x_lo) + " to " + x_text(p.x_hi) + "; y from " + compact_value(p.y_lo) + " to " +
          compact_value(p.y_hi) + ".";
  return desc;
}

std::vector<std::string> series_names(const std::vector<Series>& series) {
  std::vector<std::string> names;
  for (const auto& s : series) names.push_back(s.name);
  return names;
}

std::vector<double> series_values(const std::vector<Series>& series) {
  std::vector<double> values;
  for (const auto& s : series) {
    for (const auto& p : s.points) values.insert(values.end(), {p.x, p.y});
  }
  return values;
}

// ---- bar chart --------------------------------------------------------------------------------

struct BarRow {
  Label label;
  double value;
  bool other;
};

constexpr double kBarRow = 24, kBarHeight = 16;

std::vector<BarRow> ranked_bars(const BarChart& chart, size_t max_chars) {
  std::vector<std::pair<size_t, Bar>> ranked;  // (position given, bar)
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    if (std::isfinite(chart.bars[i].value)) ranked.emplace_back(i, chart.bars[i]);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second.value != b.second.value ? a.second.value > b.second.value : a.second.label < b.second.label;
  });
  if (chart.in_given_order) {  // the kept bars back in the order given; "other" stays last
    const auto kept = static_cast<std::ptrdiff_t>(std::min(ranked.size(), chart.max_bars));
    std::stable_sort(ranked.begin(), ranked.begin() + kept, [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  std::vector<Bar> bars;
  for (auto& entry : ranked) bars.push_back(std::move(entry.second));
  std::vector<BarRow> rows;
  for (size_t i = 0; i < bars.size() && i < chart.max_bars; ++i) {
    rows.push_back({make_label(bars[i].label, max_chars), bars[i].value, false});
  }
  if (bars.size() > chart.max_bars) {
    double sum = 0;
    for (size_t i = chart.max_bars; i < bars.size(); ++i) sum += bars[i].value;
    rows.push_back({make_label("other (" + std::to_string(bars.size() - chart.max_bars) + ")", max_chars), sum, true});
  }
  return rows;
}

struct BarLayout {
  Plot plot;  // x is the value axis; y unused
  Ticks ticks;
};

BarLayout bar_layout(const std::vector<BarRow>& rows, int width, bool show_title) {
  double label_w = 0, value_w = 0, lo = 0, hi = 0;
  bool whole = true;
  for (const auto& r : rows) {
    whole = whole && is_whole(r.value);
    label_w = std::max(label_w, text_width(r.label.shown));
    value_w = std::max(value_w, text_width(compact_value(r.value)));
    lo = std::min(lo, r.value);
    hi = std::max(hi, r.value);
  }
  const double left = 22 + label_w, top = plot_top(show_title), bottom = top + static_cast<double>(rows.size()) * kBarRow;
  double right = width - 16 - value_w - 6;
  Ticks ticks = fit_value_ticks(lo, hi, right - left, true, whole);
  right = std::min(right, width - widest(ticks.texts) / 2 - 6);
  ticks = fit_value_ticks(lo, hi, right - left, true, whole);
  const double x_lo = ticks.values.empty() ? 0 : ticks.lo(), x_hi = ticks.values.empty() ? 1 : ticks.hi();
  return {Plot{left, top, right, bottom, x_lo, x_hi, 0, 1}, std::move(ticks)};
}

std::string value_axis_svg(const BarLayout& layout, std::string_view value_label) {
  return bottom_axis_svg(layout.plot, layout.ticks.values, layout.ticks.texts, value_label,
                         [](double value, double) { return value == 0 ? kAxisColour : kGridColour; });
}

std::string bar_svg(const BarRow& row, size_t index, const Plot& p) {
  const double row_top = p.top + static_cast<double>(index) * kBarRow;
  const double x0 = p.sx(0), x1 = p.sx(row.value);
  const std::string value = compact_value(row.value);
  std::string out = "<g class=\"bar\"><title>" + escape_clean(row.label.full) + ": " + escape_clean(value) + "</title>\n";
  out += text("bar-label", p.left - 10, row_top + kBarRow / 2 + 4, "end", row.label.shown);
  out += "<rect x=\"" + num(std::min(x0, x1)) + "\" y=\"" + num(row_top + (kBarRow - kBarHeight) / 2) + "\" width=\"" +
         num(std::fabs(x1 - x0)) + "\" height=\"" + num(kBarHeight) + "\" fill=\"" +
         (row.other ? kOtherColour : kPalette[0]) + "\" shape-rendering=\"crispEdges\"/>\n";
  out += text("bar-value", std::max(x0, x1) + 4, row_top + kBarRow / 2 + 4, "", value);
  return out + "</g>\n";
}

std::string bar_desc(const BarChart& chart, const std::vector<BarRow>& rows) {
  std::string desc = "Bar chart of " + (chart.value_label.empty() ? std::string("values") : chart.value_label) +
                     ", " + count_of(rows.size(), "bar") + ", largest first";
  if (rows.back().other) desc += " (the smallest summed into \"" + rows.back().label.full + "\")";
  desc += "; largest " + rows.front().label.full + " at " + compact_value(rows.front().value) + ".";
  return desc;
}

}  // namespace

std::vector<double> nice_ticks(double min, double max, int target_count) {
  if (!std::isfinite(min) || !std::isfinite(max)) return {};
  if (min > max) std::swap(min, max);
  if (min == max && min == 0) {
    max = 1;
  } else if (min == max) {
    const double pad = std::pow(10.0, std::floor(std::log10(std::fabs(min))));
    min -= pad;
    max += pad;
  }
  const double raw = (max - min) / std::max(2, target_count);
  if (!std::isfinite(raw) || raw <= 0) return {};
  const int exponent = static_cast<int>(std::floor(std::log10(raw)));
  const double magnitude = std::pow(10.0, exponent), fraction = raw / magnitude;
  const double multiple = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  const double step = multiple * magnitude;
  const auto first = static_cast<long long>(std::floor(min / step + 1e-9));
  const auto last = static_cast<long long>(std::ceil(max / step - 1e-9));
  std::vector<double> ticks;
  for (long long k = first; k <= last && ticks.size() < 1000; ++k) {
    const double v = exponent >= 0 ? static_cast<double>(k) * step
                                   : static_cast<double>(k) * multiple / std::pow(10.0, -exponent);
    ticks.push_back(v == 0 ? 0 : v);
  }
  return ticks;
}

std::string utc_time_label(double unix_seconds, double span_seconds) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (!std::isfinite(unix_seconds)) return "";
  const auto t = static_cast<std::time_t>(std::floor(unix_seconds));
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return "";
  const double span = std::fabs(span_seconds);
  char buf[32];
  if (span <= 86400) {
    std::snprintf(buf, sizeof buf, "%02d:%02d", tm.tm_hour, tm.tm_min);
  } else if (span <= 7 * 86400) {
    std::snprintf(buf, sizeof buf, "%s %d %02d:%02d", kMonths[static_cast<size_t>(tm.tm_mon)], tm.tm_mday, tm.tm_hour,
                  tm.tm_min);
  } else {
    std::snprintf(buf, sizeof buf, "%s %d", kMonths[static_cast<size_t>(tm.tm_mon)], tm.tm_mday);
  }
  return buf;
}

std::string escape_xml(std::string_view text) { return escape_clean(clean_text(text)); }

std::string line_chart_svg(const LineChart& chart) {
  const int width = std::max(chart.width, 240), height = std::max(chart.height, 180);
  const std::vector<Drawn> series = ranked_series(chart);
  if (series.empty()) return no_data_svg("Line chart", chart.title, width, 140);
  const LineLayout layout = line_layout(chart, extent_of(series, chart.time_axis), width, height);
  std::vector<LegendEntry> legend = legend_entries(series, width - 24.0);
  const double legend_height = layout_legend(legend, 12, width - 12.0, height);
  const std::string id = chart_id("line", chart.title, series_values(chart.series), series_names(chart.series));
  std::string out = svg_open(id, width, height + legend_height, chart.title, line_desc(chart, series, layout));
  if (chart.show_title) out += heading(chart.title, width);
  out += y_axis_svg(layout, chart.y_label) + x_axis_svg(layout, chart.x_label);
  out += "<g class=\"lines\">\n";
  for (size_t i = series.size(); i-- > 0;) {
    out += series_svg(series[i], i, series_style(i, series[i].other), layout.plot, 2 + 0.6 * static_cast<double>(i));
  }
  out += "</g>\n" + legend_svg(legend);
  return out + "</svg>\n";
}

std::string bar_chart_svg(const BarChart& chart) {
  const int width = std::max(chart.width, 240);
  const size_t max_chars = std::min(kLabelChars, chars_fitting(width * 0.4 - 22));
  const std::vector<BarRow> rows = ranked_bars(chart, max_chars);
  if (rows.empty()) return no_data_svg("Bar chart", chart.title, width, 140);
  const BarLayout layout = bar_layout(rows, width, chart.show_title);
  std::vector<std::string> names;
  std::vector<double> values;
  for (const auto& b : chart.bars) {
    names.push_back(b.label);
    values.push_back(b.value);
  }
  const std::string id = chart_id("bar", chart.title, values, names);
  std::string out = svg_open(id, width, layout.plot.bottom + 56, chart.title, bar_desc(chart, rows));
  if (chart.show_title) out += heading(chart.title, width);
  out += value_axis_svg(layout, chart.value_label);
  for (size_t i = 0; i < rows.size(); ++i) out += bar_svg(rows[i], i, layout.plot);
  return out + "</svg>\n";
}

}  // namespace proctrail::charts
