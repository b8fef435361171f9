#pragma once
// proctrail report: the leak report a person reads, as self-contained HTML (inline SVG charts) or
// Markdown. The content lives in reports/: one SQL query and one template per format per section,
// compiled in; this code only runs the queries, draws the charts and fills the templates.
//
// A section file reports/sections/NN_name.sql starts with header comments:
//   -- title: Instances grouped by start time
//   -- chart: bar LABEL_COLUMN VALUE_COLUMN unit text      (bar-in-order: keep the query's row order;
//                                                           line SERIES_COLUMN X_COLUMN Y_COLUMN unit text)
//   -- command: proctrail query groups --snapshot {{SNAPSHOT}}
//   -- empty: No guard runs in this window.                  (optional: shown as the section's one
//                                                           line when its query returns no rows)
// and may use the parameters :snapshot, :first_snapshot, :since_us (the window as asked), :sample_from_us
// (the first snapshot's time in the window), :until_us and :match. Its
// templates NN_name.html.tpl and NN_name.md.tpl (ctemplate syntax) get one ROW per result row with
// each column upper-cased, CHART (the SVG) and, for line charts, one SERIES per line (NAME, FIRST,
// LAST, PEAK). A section whose query returns no rows is left out, unless it has an empty line.
#include <filesystem>
#include <optional>
#include <string>

#include "proctrail/query.hpp"
#include "proctrail/result.hpp"

namespace proctrail::reports {

struct ReportRequest {
  std::string format = "html";              // html or md
  std::string since = "7d";                 // as given, for the reproduce commands
  TimeWindow window;
  std::optional<std::string> match;         // RE2 regex over argv
  std::string snapshot = "last";            // the snapshot the report describes
  std::filesystem::path trail_path;         // shown in the header
  std::string hostname;                     // shown in the header
  std::optional<std::string> verify_verdict;  // "verify: intact …" when the caller ran it
  int64_t written_at_us = 0;                // 0: now
};

struct Report {
  std::string text;
  int sections = 0;  // sections with data (not those that only say they have none)
};

Result<Report> render_report(TrailReader& trail, const ReportRequest& request);

}  // namespace proctrail::reports
