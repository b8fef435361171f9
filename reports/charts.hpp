#pragma once
// Inline SVG charts for the HTML leak report: line charts over local time and horizontal bar charts.
// No scripts, no external fonts, no dependencies; the same input renders byte-identical SVG.
//
//   charts::LineChart chart{.title = "Processes by command", .y_label = "processes", .series = ...};
//   html += charts::line_chart_svg(chart);   // <svg role="img" aria-labelledby="…">…</svg>
//
// Readability rules the renderers keep: labelled axes (put the unit in the label), tick labels that
// never overlap, time ticks on local-time boundaries, a legend below the plot laid out in rows,
// a marker shape per series (while a series has few enough points) so coinciding lines stay apart,
// labels longer than 40 characters cut with an ellipsis (the full text in a <title> tooltip), the
// Okabe–Ito colour-blind-safe palette, dashes once the colours run out, "other" in grey, and
// "no data" instead of an empty plot.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace proctrail::charts {

struct Point {
  double x;  // unix seconds when the x axis is time
  double y;
};

struct Series {
  std::string name;
  std::vector<Point> points;  // any order; points that are not finite are left out
};

struct LineChart {
  std::string title;                  // the SVG <title>, and a heading text when show_title
  bool show_title = true;             // false: the page already shows the title next to the chart
  std::string x_label = "time (local)";
  std::string y_label;                // with unit, e.g. "processes" or "RSS (MiB)"
  std::vector<Series> series;         // series without a finite point are left out
  // The series beyond this (ranked by their largest y, then by name) are summed, per x, into one
  // "other (N series)" series; a summed series without a point at some x counts 0 there.
  size_t max_series = 8;
  int width = 860, height = 340;      // height of title + plot + axes; the legend adds to it
  bool time_axis = true;              // false: x is a plain number, ticked like y
};
std::string line_chart_svg(const LineChart& chart);

struct Bar {
  std::string label;
  double value;
};

struct BarChart {
  std::string title;                  // the SVG <title>, and a heading text when show_title
  bool show_title = true;             // false: the page already shows the title next to the chart
  std::string value_label;            // with unit, e.g. "processes started per hour"
  std::vector<Bar> bars;              // drawn largest first (unless in_given_order); values that are not finite are left out
  size_t max_bars = 12;               // the rest summed into "other (N)"
  int width = 860;                    // height follows the number of bars
  bool in_given_order = false;        // true: the largest max_bars are kept but drawn in the order given (time order)
};
std::string bar_chart_svg(const BarChart& chart);

// Axis ticks in 1-2-5 steps covering [min, max], about target_count of them (at least 2 intervals'
// worth of range). A zero-width range is widened: 0..0 → 0..1, v..v → v ± 10^floor(log10|v|).
// Not-finite bounds → no ticks.
std::vector<double> nice_ticks(double min, double max, int target_count);

// UTC, whatever TZ says (the report gives every time in UTC): "14:05" when span_seconds is at most a day,
// "Nov 24 14:05" up to a week, "Nov 24" beyond. Month names are English whatever the locale.
std::string utc_time_label(double unix_seconds, double span_seconds);

// Text for XML content or attribute values: escapes & < > " ', turns tab/CR/LF into spaces and
// replaces invalid UTF-8 and characters XML 1.0 forbids with U+FFFD.
std::string escape_xml(std::string_view text);

}  // namespace proctrail::charts
