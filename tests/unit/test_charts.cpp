// SVG charts: tick choice, local-time labels, escaping, legend and label layout, "other" grouping,
// empty input, accessibility attributes and byte-identical output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "reports/charts.hpp"

namespace proctrail::charts {
namespace {

constexpr double kCharWidth = 7.0;  // the renderer's width estimate for 12px text
constexpr double kNov24_1405Utc = 1700834700;

struct TextBox {
  double x, y;
  std::string text;
  double width() const {
    size_t chars = 0;
    for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
    return static_cast<double>(chars) * kCharWidth;
  }
};

// <text class="CLASS" x=".." y=".." [text-anchor=".."]>TEXT</text>
std::vector<TextBox> texts_of_class(const std::string& svg, const std::string& cls) {
  const std::regex re("<text class=\"" + cls + "\" x=\"(-?[0-9.]+)\" y=\"(-?[0-9.]+)\"[^>]*>([^<]*)</text>");
  std::vector<TextBox> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back({std::stod((*it)[1]), std::stod((*it)[2]), (*it)[3]});
  }
  return out;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

std::optional<double> attribute_number(const std::string& svg, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(svg, m, std::regex("<svg[^>]* " + name + "=\"([0-9.]+)\""))) return std::nullopt;
  return std::stod(m[1]);
}

// Left-aligned 12px legend texts: [x, x+width] × [y-12, y+3].
bool overlap(const TextBox& a, const TextBox& b) {
  const bool apart_x = a.x + a.width() <= b.x || b.x + b.width() <= a.x;
  const bool apart_y = a.y + 3 <= b.y - 12 || b.y + 3 <= a.y - 12;
  return !apart_x && !apart_y;
}

void expect_no_overlap(const std::vector<TextBox>& boxes) {
  for (size_t i = 0; i < boxes.size(); ++i) {
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      EXPECT_FALSE(overlap(boxes[i], boxes[j])) << boxes[i].text << " overlaps " << boxes[j].text;
    }
  }
}

// Middle-anchored labels on one row: neighbours at least their half widths apart.
void expect_centred_labels_apart(const std::vector<TextBox>& labels) {
  for (size_t i = 1; i < labels.size(); ++i) {
    const double needed = (labels[i - 1].width() + labels[i].width()) / 2;
    EXPECT_GE(labels[i].x - labels[i - 1].x, needed) << labels[i - 1].text << " / " << labels[i].text;
  }
}

LineChart many_series(size_t n, size_t points, double step_seconds) {
  LineChart chart{.title = "Processes by command", .y_label = "processes"};
  for (size_t i = 0; i < n; ++i) {
    Series s{"command-" + std::to_string(1000 + i) + (i % 7 == 0 ? " --with-a-rather-long-argument-list" : ""), {}};
    for (size_t k = 0; k < points; ++k) {
      s.points.push_back({kNov24_1405Utc + static_cast<double>(k) * step_seconds, static_cast<double>(i + k % 3)});
    }
    chart.series.push_back(std::move(s));
  }
  return chart;
}

class UtcTime : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    if (saved_) {
      setenv("TZ", saved_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> saved_;
};

TEST(NiceTicks, UsesOneTwoFiveStepsCoveringTheRange) {
  EXPECT_EQ(nice_ticks(0, 7, 5), (std::vector<double>{0, 2, 4, 6, 8}));
  EXPECT_EQ(nice_ticks(0, 100, 5), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(nice_ticks(0, 0.7, 5), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8}));
  EXPECT_EQ(nice_ticks(-7, 7, 3), (std::vector<double>{-10, -5, 0, 5, 10}));
}

TEST(NiceTicks, WidensAZeroWidthRange) {
  EXPECT_EQ(nice_ticks(0, 0, 5), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1}));
  const auto three = nice_ticks(3, 3, 5);
  ASSERT_GE(three.size(), 2u);
  EXPECT_LT(three.front(), 3);
  EXPECT_GT(three.back(), 3);
  EXPECT_NE(std::find(three.begin(), three.end(), 3.0), three.end());
}

TEST(NiceTicks, HandlesLargeValuesAndSwappedOrBadBounds) {
  EXPECT_EQ(nice_ticks(0, 1.234e9, 5), (std::vector<double>{0, 5e8, 1e9, 1.5e9}));
  EXPECT_EQ(nice_ticks(7, 0, 5), nice_ticks(0, 7, 5));
  EXPECT_TRUE(nice_ticks(0, std::numeric_limits<double>::infinity(), 5).empty());
  EXPECT_TRUE(nice_ticks(std::numeric_limits<double>::quiet_NaN(), 1, 5).empty());
}

TEST_F(UtcTime, LocalTimeLabelShowsTimeWithinADay) {
  EXPECT_EQ(utc_time_label(kNov24_1405Utc, 3600), "14:05");
  EXPECT_EQ(utc_time_label(kNov24_1405Utc, 86400), "14:05");
}

TEST_F(UtcTime, LocalTimeLabelShowsDateAndTimeWithinAWeek) {
  EXPECT_EQ(utc_time_label(kNov24_1405Utc, 2 * 86400), "Nov 24 14:05");
  EXPECT_EQ(utc_time_label(kNov24_1405Utc - 20 * 86400, 7 * 86400), "Nov 4 14:05");
}

TEST_F(UtcTime, LocalTimeLabelShowsTheDateBeyondAWeek) {
  EXPECT_EQ(utc_time_label(kNov24_1405Utc, 30 * 86400), "Nov 24");
}

// Issue 22: axes were in local time while the report's tables are in UTC.
TEST_F(UtcTime, TimeLabelsAreUtcWhateverTzSays) {
  setenv("TZ", "Asia/Kolkata", 1);  // UTC+05:30 without DST
  tzset();
  EXPECT_EQ(utc_time_label(kNov24_1405Utc, 3600), "14:05");
}

TEST(EscapeXml, EscapesMarkupCharacters) { EXPECT_EQ(escape_xml("<&>\"'"), "&lt;&amp;&gt;&quot;&apos;"); }

TEST(EscapeXml, ReplacesWhatXmlCannotHold) {
  EXPECT_EQ(escape_xml("a\tb\nc"), "a b c");
  EXPECT_EQ(escape_xml(std::string("x\x01y", 3)), "x\xEF\xBF\xBDy");
  EXPECT_EQ(escape_xml("bad \xC3 byte"), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(escape_xml("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST_F(UtcTime, HundredSeriesShowMaxSeriesNamedEntriesPlusOther) {
  const std::string svg = line_chart_svg(many_series(100, 12, 300));
  const auto legend = texts_of_class(svg, "legend");
  ASSERT_EQ(legend.size(), 9u);
  EXPECT_EQ(legend.back().text, "other (92 series)");
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(legend[i].text.rfind("command-" + std::to_string(1099 - i), 0), 0u);
  EXPECT_EQ(count(svg, "<g class=\"series\">"), 9u);
  expect_no_overlap(legend);
}

TEST_F(UtcTime, OtherSumsTheTailPerX) {
  LineChart chart{.title = "t", .y_label = "processes", .max_series = 1};
  chart.series = {{"big", {{kNov24_1405Utc, 10}, {kNov24_1405Utc + 60, 10}}},
                  {"a", {{kNov24_1405Utc, 6}, {kNov24_1405Utc + 60, 1}}},
                  {"b", {{kNov24_1405Utc, 5}}}};
  const std::string svg = line_chart_svg(chart);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("<title>other \\(2 series\\)</title>\n<polyline points=\"([^\"]+)\"")));
  const auto y_ticks = texts_of_class(svg, "y-tick");
  ASSERT_GE(y_ticks.size(), 2u);
  EXPECT_EQ(y_ticks.front().text, "0");
  const double zero = y_ticks.front().y - 4, top = y_ticks.back().y - 4, top_value = std::stod(y_ticks.back().text);
  const auto pixel = [&](double v) { return zero + (top - zero) * v / top_value; };
  std::vector<double> ys;
  const std::string points = m[1];
  const std::regex pair_re("[-0-9.]+,([-0-9.]+)");
  for (auto it = std::sregex_iterator(points.begin(), points.end(), pair_re); it != std::sregex_iterator(); ++it) {
    ys.push_back(std::stod((*it)[1]));
  }
  ASSERT_EQ(ys.size(), 2u);
  EXPECT_NEAR(ys[0], pixel(11), 0.2);  // 6 + 5
  EXPECT_NEAR(ys[1], pixel(1), 0.2);   // 1, and b has no point there
}

TEST_F(UtcTime, LegendOfAHundredShownSeriesWrapsWithoutOverlapAndGrowsTheSvg) {
  LineChart chart = many_series(100, 5, 3600);
  chart.max_series = 100;
  chart.series[3].name = std::string(120, 'x');
  const std::string svg = line_chart_svg(chart);
  const auto legend = texts_of_class(svg, "legend");
  ASSERT_EQ(legend.size(), 100u);
  expect_no_overlap(legend);
  double lowest = 0;
  for (const auto& box : legend) {
    EXPECT_GE(box.x, 0);
    EXPECT_LE(box.x + box.width(), chart.width);
    EXPECT_LE(box.width(), 40 * kCharWidth);
    lowest = std::max(lowest, box.y);
  }
  const auto height = attribute_number(svg, "height");
  ASSERT_TRUE(height);
  EXPECT_GT(*height, chart.height);
  EXPECT_LE(lowest + 3, *height);
  EXPECT_NE(svg.find("<title>" + std::string(120, 'x') + "</title>"), std::string::npos);
  EXPECT_NE(svg.find(std::string(20, 'x') + "\xE2\x80\xA6" + std::string(19, 'x') + "</text>"), std::string::npos);
}

TEST_F(UtcTime, TenSeriesUseDistinctStylesAndOtherIsGrey) {
  LineChart chart = many_series(10, 4, 600);
  chart.max_series = 9;
  const std::string svg = line_chart_svg(chart);
  EXPECT_NE(svg.find("stroke=\"#0072B2\""), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray=\"7 4\""), std::string::npos);  // the 9th series: colours ran out
  EXPECT_NE(svg.find("stroke=\"#8c8c8c\""), std::string::npos);
  expect_no_overlap(texts_of_class(svg, "legend"));
}

size_t count_of(const std::string& svg, const std::string& needle) {
  size_t n = 0;
  for (size_t at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
  return n;
}

// Bug: two series with the same points drew as one line, told apart only by nested stroke widths.
TEST_F(UtcTime, CoincidingSeriesCarryDistinctMarkerShapesInPlotAndLegend) {
  const std::vector<Point> same = {{kNov24_1405Utc, 1}, {kNov24_1405Utc + 3600, 3}, {kNov24_1405Utc + 7200, 2}};
  const std::string svg = line_chart_svg({.y_label = "processes", .series = {{"a", same}, {"b", same}}});
  EXPECT_EQ(count_of(svg, "<circle class=\"marker\""), 3u + 1u) << "series a: a circle per point and one in its legend";
  EXPECT_EQ(count_of(svg, "<path class=\"marker\""), 3u + 1u) << "series b: a square per point and one in its legend";
}

TEST_F(UtcTime, DenseSeriesDrawNoMarkers) {
  std::vector<Point> dense;
  for (int i = 0; i < 200; ++i) dense.push_back({kNov24_1405Utc + i * 60.0, static_cast<double>(i % 7)});
  const std::string svg = line_chart_svg({.y_label = "processes", .series = {{"a", dense}}});
  EXPECT_EQ(count_of(svg, "class=\"marker\""), 0u);
  EXPECT_EQ(count_of(svg, "<polyline"), 1u);
}

TEST_F(UtcTime, ShowTitleFalseDrawsNoHeadingButKeepsTheAccessibleTitle) {
  const std::vector<Point> points = {{kNov24_1405Utc, 1}, {kNov24_1405Utc + 3600, 3}};
  const std::string titled = line_chart_svg({.title = "Processes", .y_label = "processes", .series = {{"a", points}}});
  const std::string untitled =
      line_chart_svg({.title = "Processes", .show_title = false, .y_label = "processes", .series = {{"a", points}}});
  EXPECT_EQ(count_of(titled, "class=\"heading\""), 1u);
  EXPECT_EQ(count_of(untitled, "class=\"heading\""), 0u);
  EXPECT_NE(untitled.find("-title\">Processes</title>"), std::string::npos);
  const std::string bar = bar_chart_svg({.title = "Spawns", .show_title = false, .value_label = "n", .bars = {{"x", 2}}});
  EXPECT_EQ(count_of(bar, "class=\"heading\""), 0u);
}

TEST_F(UtcTime, TimeAxisLabelsNeverOverlap) {
  for (double step : {1.0, 60.0, 600.0, 3600.0, 86400.0}) {
    for (int width : {300, 860, 1600}) {
      LineChart chart = many_series(3, 200, step);
      chart.width = width;
      const auto labels = texts_of_class(line_chart_svg(chart), "x-tick");
      ASSERT_FALSE(labels.empty()) << step << " " << width;
      expect_centred_labels_apart(labels);
      for (const auto& label : labels) {
        EXPECT_GE(label.x - label.width() / 2, 0);
        EXPECT_LE(label.x + label.width() / 2, width);
      }
    }
  }
}

TEST_F(UtcTime, TimeAxisTicksFallOnLocalBoundaries) {
  LineChart chart{.title = "t", .y_label = "processes"};
  chart.series = {{"a", {{kNov24_1405Utc + 133, 1}, {kNov24_1405Utc + 3 * 3600 + 7, 2}}}};
  const auto labels = texts_of_class(line_chart_svg(chart), "x-tick");
  ASSERT_GE(labels.size(), 3u);
  for (const auto& label : labels) {
    ASSERT_EQ(label.text.size(), 5u) << label.text;
    EXPECT_EQ(std::stoi(label.text.substr(3)) % 15, 0) << label.text;
  }
  EXPECT_NE(labels.front().text, "14:07");
}

TEST_F(UtcTime, DayTicksStayOnUtcMidnightWhateverTzSays) {
  setenv("TZ", "Europe/Berlin", 1);  // summer time ends 2023-10-29 03:00 CEST: no matter, ticks are UTC
  tzset();
  const double oct26_noon_utc = 1698321600;
  LineChart chart{.title = "t", .y_label = "processes"};
  chart.series = {{"a", {{oct26_noon_utc, 1}, {oct26_noon_utc + 6 * 86400, 2}}}};
  const auto labels = texts_of_class(line_chart_svg(chart), "x-tick");
  ASSERT_GE(labels.size(), 5u);
  for (const auto& label : labels) EXPECT_TRUE(label.text.ends_with(" 00:00")) << label.text;
  EXPECT_EQ(labels.front().text, "Oct 27 00:00");
}

TEST_F(UtcTime, YAxisStartsAtZeroWithLabelledAxes) {
  LineChart chart = many_series(2, 5, 60);
  for (auto& s : chart.series) {
    for (auto& p : s.points) p.y += 500;
  }
  chart.y_label = "RSS (MiB)";
  const std::string svg = line_chart_svg(chart);
  const auto y_ticks = texts_of_class(svg, "y-tick");
  ASSERT_GE(y_ticks.size(), 2u);
  EXPECT_EQ(y_ticks.front().text, "0");
  for (size_t i = 1; i < y_ticks.size(); ++i) EXPECT_GE(y_ticks[i - 1].y - y_ticks[i].y, 18.0);
  EXPECT_NE(svg.find("transform=\"rotate(-90)\""), std::string::npos);
  EXPECT_NE(svg.find(">RSS (MiB)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">time (local)</text>"), std::string::npos);
}

TEST_F(UtcTime, SinglePointAndAllZeroValuesRenderFiniteNumbers) {
  LineChart one{.title = "one", .y_label = "processes"};
  one.series = {{"only", {{kNov24_1405Utc, 0}}}};
  LineChart zeros{.title = "zeros", .y_label = "processes"};
  zeros.series = {{"a", {{kNov24_1405Utc, 0}, {kNov24_1405Utc + 60, 0}}}};
  BarChart bars{.title = "zero bars", .value_label = "processes", .bars = {{"a", 0}, {"b", 0}}};
  for (const std::string& svg : {line_chart_svg(one), line_chart_svg(zeros), bar_chart_svg(bars)}) {
    EXPECT_EQ(svg.find("nan"), std::string::npos) << svg;
    EXPECT_EQ(svg.find("inf"), std::string::npos) << svg;
    EXPECT_EQ(svg.find("no data"), std::string::npos);
  }
  EXPECT_NE(line_chart_svg(one).find("<circle"), std::string::npos);
}

TEST_F(UtcTime, CountsGetWholeNumberTicks) {
  LineChart chart{.title = "t", .y_label = "processes"};
  chart.series = {{"a", {{kNov24_1405Utc, 1}, {kNov24_1405Utc + 60, 3}}}};
  std::vector<std::string> labels;
  for (const auto& tick : texts_of_class(line_chart_svg(chart), "y-tick")) labels.push_back(tick.text);
  EXPECT_EQ(labels, (std::vector<std::string>{"0", "1", "2", "3"}));
  chart.series[0].points[1].y = 2.5;
  const auto fractional = texts_of_class(line_chart_svg(chart), "y-tick");
  ASSERT_GE(fractional.size(), 2u);
  EXPECT_EQ(fractional[1].text, "0.5");
}

TEST(BarChart, WideCharactersCountDouble) {
  const std::string wide = "\xE6\xBC\xA2";  // U+6F22, a CJK ideograph
  std::string label;
  for (int i = 0; i < 30; ++i) label += wide;
  const auto labels = texts_of_class(bar_chart_svg({.title = "t", .bars = {{label, 1}}}), "bar-label");
  ASSERT_EQ(labels.size(), 1u);
  std::string head, tail;
  for (int i = 0; i < 10; ++i) head += wide;
  for (int i = 0; i < 9; ++i) tail += wide;
  EXPECT_EQ(labels[0].text, head + "\xE2\x80\xA6" + tail);
  EXPECT_GE(labels[0].x - 39 * kCharWidth, 0);
}

// Issue 22: labels were cut at the end, so servers differing only in their path's tail shared a label.
TEST(BarChart, LongCommandsKeepTheirTailsAndStayDistinct) {
  const std::string prefix = "node /home/dev/.npm/_npx/1f2e3d4c/node_modules/@modelcontextprotocol/";
  const auto labels = texts_of_class(
      bar_chart_svg({.title = "t", .bars = {{prefix + "server-github/dist/index.js", 2}, {prefix + "server-memory/dist/index.js", 1}}}),
      "bar-label");
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_NE(labels[0].text, labels[1].text);
  EXPECT_TRUE(labels[0].text.starts_with("node /home/")) << labels[0].text;
  EXPECT_NE(labels[0].text.find("\xE2\x80\xA6"), std::string::npos) << labels[0].text;
  EXPECT_TRUE(labels[0].text.ends_with("index.js")) << labels[0].text;
}

TEST(NumberAxis, NonTimeXUsesNiceTicks) {
  LineChart chart{.title = "by size", .x_label = "threads", .y_label = "processes", .time_axis = false};
  chart.series = {{"a", {{0, 1}, {7, 3}}}};
  const auto labels = texts_of_class(line_chart_svg(chart), "x-tick");
  ASSERT_GE(labels.size(), 2u);
  EXPECT_EQ(labels.front().text, "0");
  expect_centred_labels_apart(labels);
}

TEST(BarChart, ThirtyBarsShowTwelvePlusOther) {
  BarChart chart{.title = "Top commands", .value_label = "processes started per hour"};
  for (int i = 0; i < 30; ++i) chart.bars.push_back({"cmd-" + std::to_string(i), static_cast<double>(i)});
  const std::string svg = bar_chart_svg(chart);
  const auto labels = texts_of_class(svg, "bar-label");
  ASSERT_EQ(labels.size(), 13u);
  EXPECT_EQ(labels.front().text, "cmd-29");
  EXPECT_EQ(labels[11].text, "cmd-18");
  EXPECT_EQ(labels.back().text, "other (18)");
  EXPECT_EQ(count(svg, "<rect x="), 13u);
  const auto values = texts_of_class(svg, "bar-value");
  ASSERT_EQ(values.size(), 13u);
  EXPECT_EQ(values.back().text, "153");  // 0 + 1 + … + 17
  expect_centred_labels_apart(texts_of_class(svg, "x-tick"));
}

TEST(BarChart, LongLabelsAreCutWithTheFullLabelInATooltip) {
  const std::string label = "python3 -m pytest tests/integration/test_something_quite_long.py -k slow";
  const std::string svg = bar_chart_svg({.title = "t", .value_label = "processes", .bars = {{label, 4}}});
  const auto labels = texts_of_class(svg, "bar-label");
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_EQ(labels[0].width(), 40 * kCharWidth);
  EXPECT_EQ(labels[0].text, "python3 -m pytest te\xE2\x80\xA6ite_long.py -k slow");
  EXPECT_GE(labels[0].x - labels[0].width(), 0);
  EXPECT_NE(svg.find("<title>" + label + ": 4</title>"), std::string::npos);
}

TEST(BarChart, HeightFollowsTheNumberOfBars) {
  BarChart few{.title = "t", .value_label = "v", .bars = {{"a", 1}}};
  BarChart more = few;
  for (int i = 0; i < 9; ++i) {
    std::string name = "b";  // appended apart: GCC 12 -Wrestrict misfires on "b" + std::to_string(i)
    name += std::to_string(i);
    more.bars.push_back({name, 2});
  }
  const auto h_few = attribute_number(bar_chart_svg(few), "height");
  const auto h_more = attribute_number(bar_chart_svg(more), "height");
  ASSERT_TRUE(h_few && h_more);
  EXPECT_GT(*h_more, *h_few + 8 * 20);
}

TEST(EmptyCharts, SayNoData) {
  EXPECT_NE(line_chart_svg({.title = "nothing"}).find(">no data</text>"), std::string::npos);
  LineChart no_points{.title = "no points"};
  no_points.series = {{"a", {}}, {"b", {{1, std::numeric_limits<double>::quiet_NaN()}}}};
  EXPECT_NE(line_chart_svg(no_points).find(">no data</text>"), std::string::npos);
  EXPECT_NE(bar_chart_svg({.title = "nothing"}).find(">no data</text>"), std::string::npos);
  EXPECT_EQ(line_chart_svg(no_points).find("<polyline"), std::string::npos);
}

TEST_F(UtcTime, SvgCarriesTitleDescAndAriaLabels) {
  for (const std::string& svg :
       {line_chart_svg(many_series(3, 4, 60)), bar_chart_svg({.title = "Processes by command", .bars = {{"a", 1}}}),
        line_chart_svg({.title = "Processes by command"})}) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(svg, m, std::regex("aria-labelledby=\"([^ \"]+) ([^ \"]+)\""))) << svg;
    EXPECT_NE(svg.find("<title id=\"" + m[1].str() + "\">Processes by command</title>"), std::string::npos);
    EXPECT_NE(svg.find("<desc id=\"" + m[2].str() + "\">"), std::string::npos);
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
    EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
    EXPECT_NE(svg.find("font-family=\"system-ui, sans-serif\""), std::string::npos);
  }
}

TEST_F(UtcTime, TextIsEscaped) {
  LineChart chart{.title = "a<b & \"c\"", .y_label = "<y>"};
  chart.series = {{"<script>&'", {{kNov24_1405Utc, 1}, {kNov24_1405Utc + 60, 2}}}};
  const std::string svg = line_chart_svg(chart);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_EQ(svg.find("<b &"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;&amp;&apos;"), std::string::npos);
  EXPECT_NE(svg.find("a&lt;b &amp; &quot;c&quot;"), std::string::npos);
}

TEST_F(UtcTime, NumbersHaveAtMostOneDecimal) {
  LineChart chart = many_series(5, 37, 97);
  chart.width = 777;
  const std::string svg = line_chart_svg(chart) + bar_chart_svg({.title = "t", .bars = {{"a", 1.0 / 3}, {"b", 2.0 / 3}}});
  EXPECT_FALSE(std::regex_search(svg, std::regex("[0-9]\\.[0-9]{2}")));
  EXPECT_FALSE(std::regex_search(svg, std::regex("[0-9]\\.0[^0-9]")));
}

TEST_F(UtcTime, SameInputGivesByteIdenticalSvg) {
  const LineChart chart = many_series(20, 30, 120);
  EXPECT_EQ(line_chart_svg(chart), line_chart_svg(chart));
  const BarChart bars{.title = "t", .value_label = "v", .bars = {{"a", 3}, {"b", 1}, {"c", 2}}};
  EXPECT_EQ(bar_chart_svg(bars), bar_chart_svg(bars));
  BarChart changed = bars;
  changed.bars[1].value = 1.5;
  EXPECT_NE(bar_chart_svg(bars), bar_chart_svg(changed));
}

TEST(ChartIds, DifferForDifferentCharts) {
  const auto id_of = [](const std::string& svg) {
    std::smatch m;
    return std::regex_search(svg, m, std::regex("<title id=\"([^\"]+)\"")) ? m[1].str() : std::string();
  };
  const std::string a = id_of(bar_chart_svg({.title = "a", .bars = {{"x", 1}}}));
  const std::string b = id_of(bar_chart_svg({.title = "b", .bars = {{"x", 1}}}));
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, b);
}

TEST(BarChartOrder, InGivenOrderKeepsTheLargestButDrawsThemInTheOrderGiven) {
  BarChart chart;
  chart.title = "by hour";
  chart.value_label = "processes";
  chart.max_bars = 3;
  chart.in_given_order = true;
  chart.bars = {{"09:00", 1}, {"10:00", 5}, {"11:00", 3}, {"12:00", 4}};
  const std::string svg = bar_chart_svg(chart);
  const size_t ten = svg.find(">10:00<"), eleven = svg.find(">11:00<"), twelve = svg.find(">12:00<");
  ASSERT_NE(ten, std::string::npos) << svg;
  ASSERT_NE(eleven, std::string::npos);
  ASSERT_NE(twelve, std::string::npos);
  EXPECT_LT(ten, eleven);
  EXPECT_LT(eleven, twelve);
  EXPECT_EQ(svg.find(">09:00<"), std::string::npos) << "the smallest goes into other";
  EXPECT_NE(svg.find("other (1)"), std::string::npos);
}

}  // namespace
}  // namespace proctrail::charts
