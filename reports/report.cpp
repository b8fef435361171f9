// The report renderer: runs each section's SQL, draws its chart, fills its template, and wraps the
// sections in the page template. See report.hpp for the section file format.
#include "reports/report.hpp"

#include <ctemplate/template.h>
#include <ctemplate/template_emitter.h>
#include <ctemplate/template_modifiers.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <limits>
#include <map>
#include <sstream>

#include "proctrail/clock.hpp"
#include "reports/charts.hpp"
#include "reports/embedded.hpp"

namespace proctrail::reports {
namespace {

struct ChartSpec {
  std::string kind;                 // line, bar (largest first) or bar-in-order (the query's order)
  std::vector<std::string> columns; // line: series, x, y; bar: label, value
  std::string unit;
};

struct Section {
  std::string id;  // file name without .sql
  std::string title;
  std::string command;
  std::optional<ChartSpec> chart;
  std::string sql;
  std::optional<std::string> when_empty;  // kept with this one line when its query returns no rows
};

const char* embedded_text(const std::string& name) {
  for (const auto& file : embedded_files()) {
    if (name == file.name) return file.text;
  }
  return nullptr;
}

ChartSpec parse_chart(const std::string& directive) {
  std::istringstream words(directive);
  ChartSpec chart;
  words >> chart.kind;
  const size_t columns = chart.kind == "line" ? 3 : 2;  // bar and bar-in-order: label, value
  for (size_t i = 0; i < columns; ++i) {
    std::string column;
    words >> column;
    chart.columns.push_back(column);
  }
  std::getline(words >> std::ws, chart.unit);
  return chart;
}

// The sections, in file-name order, with their header comments read.
std::vector<Section> load_sections() {
  std::vector<Section> sections;
  for (const auto& file : embedded_files()) {
    std::string name = file.name;
    if (!name.starts_with("sections/") || !name.ends_with(".sql")) continue;
    Section section{name.substr(9, name.size() - 13), "", "", std::nullopt, file.text, std::nullopt};
    std::istringstream lines(section.sql);
    for (std::string line; std::getline(lines, line) && line.starts_with("--");) {
      auto value = [&](const std::string& key) { return line.substr(key.size()); };
      if (line.starts_with("-- title: ")) section.title = value("-- title: ");
      if (line.starts_with("-- command: ")) section.command = value("-- command: ");
      if (line.starts_with("-- chart: ")) section.chart = parse_chart(value("-- chart: "));
      if (line.starts_with("-- empty: ")) section.when_empty = value("-- empty: ");
    }
    sections.push_back(std::move(section));
  }
  return sections;
}

Result<ResultTable> run_section(TrailReader& trail, const Section& section, const std::map<std::string, Cell>& parameters) {
  auto rows = trail.select_named(section.sql, parameters);
  if (!rows) return rows.error().within("report section " + section.id);
  return rows;
}

double number(const Cell& cell) {
  if (const auto* integer = std::get_if<int64_t>(&cell)) return static_cast<double>(*integer);
  if (const auto* real = std::get_if<double>(&cell)) return *real;
  return 0;
}

size_t column_index(const ResultTable& rows, const std::string& name) {
  auto found = std::find(rows.columns.begin(), rows.columns.end(), name);
  return static_cast<size_t>(found - rows.columns.begin());
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// Markdown table cells: a pipe or newline would end the cell.
std::string cell_value(const Cell& cell, bool markdown) {
  std::string text = cell_text(cell);
  if (const auto* real = std::get_if<double>(&cell)) {  // the queries round to 0.1; never exponent notation
    char fixed[64];
    std::snprintf(fixed, sizeof fixed, "%.1f", *real);
    text = fixed;
  }
  if (!markdown) return text;
  std::string escaped;
  for (char c : text) {
    if (c == '|') escaped += "\\|";
    else if (c == '\n') escaped += ' ';
    else escaped += c;
  }
  return escaped;
}

std::vector<charts::Series> line_series(const ResultTable& rows, const ChartSpec& chart) {
  const size_t name = column_index(rows, chart.columns[0]), x = column_index(rows, chart.columns[1]),
               y = column_index(rows, chart.columns[2]);
  std::map<std::string, charts::Series> by_name;
  for (const auto& row : rows.rows) {
    auto& series = by_name[cell_text(row[name])];
    series.name = cell_text(row[name]);
    series.points.push_back({number(row[x]), number(row[y])});
  }
  std::vector<charts::Series> series;
  for (auto& [key, value] : by_name) series.push_back(std::move(value));
  return series;
}

std::string chart_svg(const ResultTable& rows, const Section& section) {
  const ChartSpec& chart = *section.chart;
  if (chart.kind == "line") {
    charts::LineChart line;
    line.title = section.title;
    line.show_title = false;  // the section's <h2> says it
    line.y_label = chart.unit;
    line.series = line_series(rows, chart);
    return charts::line_chart_svg(line);
  }
  charts::BarChart bar;
  bar.title = section.title;
  bar.show_title = false;  // the section's <h2> says it
  bar.value_label = chart.unit;
  bar.in_given_order = chart.kind == "bar-in-order";
  const size_t label = column_index(rows, chart.columns[0]), value = column_index(rows, chart.columns[1]);
  for (const auto& row : rows.rows) bar.bars.push_back({cell_text(row[label]), number(row[value])});
  return charts::bar_chart_svg(bar);
}

void fill_section(ctemplate::TemplateDictionary& dict, const ResultTable& rows, const Section& section, bool markdown) {
  for (const auto& row : rows.rows) {
    auto* row_dict = dict.AddSectionDictionary("ROW");
    for (size_t i = 0; i < rows.columns.size(); ++i) row_dict->SetValue(upper(rows.columns[i]), cell_value(row[i], markdown));
  }
  if (!section.chart) return;
  if (!markdown) dict.SetValue("CHART", chart_svg(rows, section));
  if (section.chart->kind != "line") return;
  for (const auto& series : line_series(rows, *section.chart)) {
    auto* series_dict = dict.AddSectionDictionary("SERIES");
    double peak = 0;
    for (const auto& point : series.points) peak = std::max(peak, point.y);
    series_dict->SetValue("NAME", cell_value(Cell{series.name}, markdown));
    series_dict->SetFormattedValue("FIRST", "%g", series.points.front().y);
    series_dict->SetFormattedValue("LAST", "%g", series.points.back().y);
    series_dict->SetFormattedValue("PEAK", "%g", peak);
  }
}

// {{VALUE:x-code}} in a Markdown template: the value as a code span that no text can leave. The fence
// is one backtick more than the longest run of backticks inside, with a space either side when the
// value starts or ends with a backtick (CommonMark); an argv with backticks stays inert.
class MarkdownCodeSpan : public ctemplate::TemplateModifier {
 public:
  void Modify(const char* in, size_t length, const ctemplate::PerExpandData*, ctemplate::ExpandEmitter* out,
              const std::string&) const override {
    out->Emit(code_span(std::string_view(in, length)));
  }

  static std::string code_span(std::string_view text) {
    size_t longest = 0, run = 0;
    for (char c : text) {
      run = c == '`' ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    const std::string fence(longest + 1, '`');
    const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
    return fence + (pad ? " " : "") + std::string(text) + (pad ? " " : "") + fence;
  }
};

// {{VALUE:x-text}} in a Markdown template: untrusted prose (evidence, names, images) with the characters
// that open Markdown's inline constructs (emphasis, code, links, images, raw HTML) escaped.
class MarkdownText : public ctemplate::TemplateModifier {
 public:
  void Modify(const char* in, size_t length, const ctemplate::PerExpandData*, ctemplate::ExpandEmitter* out,
              const std::string&) const override {
    std::string escaped;
    for (char c : std::string_view(in, length)) {
      if (std::string_view("\\`*_[]<>!~").find(c) != std::string_view::npos) escaped += '\\';
      escaped += c;
    }
    out->Emit(escaped);
  }
};

Result<std::string> expand(const std::string& name, const ctemplate::TemplateDictionary& dict) {
  static const bool registered = [] {
    static const MarkdownCodeSpan code_span;
    static const MarkdownText text;
    return ctemplate::AddModifier("x-code", &code_span) && ctemplate::AddModifier("x-text", &text);
  }();
  (void)registered;
  const char* text = embedded_text(name);
  if (!text) return Error{"report template " + name + " is missing from this build"};
  ctemplate::StringToTemplateCache(name, text, ctemplate::DO_NOT_STRIP);
  std::string out;
  if (!ctemplate::ExpandTemplate(name, ctemplate::DO_NOT_STRIP, &dict, &out)) return Error{"report template " + name + " failed"};
  return out;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  return text;
}

// One word for a POSIX shell: single-quoted unless it is plain.
std::string shell_word(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") ==
                           std::string::npos) {
    return text;
  }
  return "'" + replace_all(text, "'", "'\\''") + "'";
}

// A section's command as a user runs it: the trail named (--db) and the options filled in, quoted.
std::string reproduce(std::string command, const ReportRequest& request, int64_t snapshot) {
  const std::string match = shell_word(request.match.value_or("."));
  command = replace_all(command, "{{SNAPSHOT}}", std::to_string(snapshot));
  command = replace_all(command, "{{MATCH_OPTION}}", request.match ? " --match " + match : "");
  command = replace_all(command, "{{MATCH}}", match);
  command = replace_all(command, "{{SINCE}}", shell_word(request.since));
  if (request.trail_path.empty()) return command;
  const std::string with_db = "proctrail --db " + shell_word(request.trail_path.string()) + " ";
  if (command.starts_with("proctrail ")) command = with_db + command.substr(10);
  return replace_all(command, "&& proctrail ", "&& " + with_db);
}

std::string utc(int64_t unix_us) {
  const time_t seconds = static_cast<time_t>(unix_us / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

ctemplate::TemplateDictionary* add_section_entry(ctemplate::TemplateDictionary& page, const Section& section,
                                                 const ReportRequest& request, int64_t snapshot) {
  auto* entry = page.AddSectionDictionary("SECTION");
  entry->SetValue("ID", section.id);
  entry->SetValue("HEADING", section.title);
  entry->SetValue("COMMAND", reproduce(section.command, request, snapshot));
  return entry;
}

std::optional<int64_t> scalar(TrailReader& trail, const std::string& sql, const std::vector<Cell>& parameters) {
  auto result = trail.select(sql, parameters);
  if (!result || result->rows.empty() || std::holds_alternative<std::monostate>(result->rows[0][0])) return std::nullopt;
  return static_cast<int64_t>(number(result->rows[0][0]));
}

}  // namespace

Result<Report> render_report(TrailReader& trail, const ReportRequest& request) {
  const bool markdown = request.format == "md";
  const int64_t written_us = request.written_at_us ? request.written_at_us : now_realtime_us();
  const int64_t until_us = request.window.until_us.value_or(written_us + 1);
  const auto earliest = scalar(trail, "SELECT min(started_at_us) FROM snapshots", {});
  const int64_t since_us = std::max(request.window.since_us.value_or(0), earliest.value_or(0));

  auto snapshot = earliest ? trail.resolve_snapshot(request.snapshot) : Result<int64_t>(Error{"the trail has no snapshots yet", ErrorKind::not_found});
  // The host the report describes: the one its snapshot was taken on (an imported file's name for an import).
  std::string host = request.hostname;
  if (snapshot) {
    auto recorded = trail.select("SELECT h.hostname FROM snapshots s JOIN hosts h USING (host_id) WHERE s.snapshot_id = ?1", {*snapshot});
    if (recorded && !recorded->rows.empty()) host = cell_text(recorded->rows[0][0], request.hostname.c_str());
  }
  ctemplate::TemplateDictionary page("page");
  page.SetValue("TITLE", "proctrail leak report" + (host.empty() ? "" : " · " + host));
  page.SetValue("TRAIL", request.trail_path.string());
  page.SetValue("HOST", host);
  page.SetValue("SINCE", utc(since_us));
  page.SetValue("UNTIL", utc(std::min(until_us, written_us)));
  page.SetValue("WRITTEN", utc(written_us));
  if (request.match) page.AddSectionDictionary("FILTER")->SetValue("MATCH", *request.match);
  if (request.verify_verdict) page.AddSectionDictionary("VERIFY")->SetValue("VERDICT", *request.verify_verdict);

  const auto first = scalar(trail, "SELECT min(snapshot_id) FROM snapshots WHERE started_at_us >= ?1 AND started_at_us < ?2 AND coalesced_with IS NULL",
                            {since_us, until_us});
  Report report;
  if (!snapshot || !first) {
    page.SetValue("SNAPSHOT", "none");
    page.AddSectionDictionary("EMPTY")->SetValue("WHY", snapshot ? "no snapshot was taken in this window; widen --since"
                                                                  : snapshot.error().message + "; record with `proctrail snap` or `proctrail watch`");
  } else {
    page.SetValue("SNAPSHOT", std::to_string(*snapshot));
    // :since_us is the window as asked (processes started before the trail began are in it);
    // :sample_from_us is where the trail's snapshots in the window begin.
    const std::map<std::string, Cell> parameters = {
        {":snapshot", *snapshot}, {":first_snapshot", *first},
        {":since_us", request.window.since_us.value_or(std::numeric_limits<int64_t>::min())},
        {":sample_from_us", since_us}, {":until_us", until_us}, {":match", request.match ? Cell{*request.match} : Cell{}}};
    for (const auto& section : load_sections()) {
      auto rows = run_section(trail, section, parameters);
      if (!rows) return rows.error();
      if (rows->rows.empty()) {
        if (section.when_empty) {
          add_section_entry(page, section, request, *snapshot)->AddSectionDictionary("NONE")->SetValue("LINE", *section.when_empty);
        }
        continue;
      }
      ctemplate::TemplateDictionary body("section");
      fill_section(body, *rows, section, markdown);
      auto text = expand("sections/" + section.id + (markdown ? ".md.tpl" : ".html.tpl"), body);
      if (!text) return text.error();
      add_section_entry(page, section, request, *snapshot)->SetValue("BODY", *text);
      ++report.sections;
    }
  }
  auto text = expand(markdown ? "page.md.tpl" : "page.html.tpl", page);
  if (!text) return text.error();
  report.text = std::move(*text);
  return report;
}

}  // namespace proctrail::reports
