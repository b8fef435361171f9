// proctrail report [--since 7d] [--match REGEX] [--format html|md] [-o FILE] [--snapshot last]:
// writes the leak report (reports/) and prints its path.
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <iostream>

#include "cli/app.hpp"
#include "proctrail/paths.hpp"
#include "cli/cmd_report.hpp"
#include "cli/cmd_query.hpp"
#include "proctrail/clock.hpp"
#include "proctrail/store.hpp"
#include "reports/report.hpp"

namespace proctrail::cli {
namespace {

// Verifying rehashes every snapshot's rows, so its cost follows the rows: 79 s for 259,200 snapshots,
// 10.6 s for 4,320 snapshots of 10,000 processes (1.4 M process rows). By default only small trails.
constexpr int64_t kVerifyByDefaultUpTo = 20'000;           // snapshots
constexpr int64_t kVerifyByDefaultUpToRows = 250'000;      // process rows

std::string default_name(const std::string& host, const std::string& format) {
  const time_t now = ::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return "proctrail-report-" + (host.empty() ? std::string("host") : host) + "-" + stamp + "." + (format == "md" ? "md" : "html");
}

// "verify: ..." for the report's integrity line; the store is opened only to read the chains.
std::optional<std::string> verify_verdict(const std::filesystem::path& db) {
  auto store = Store::open(db);
  if (!store) return "could not verify: " + store.error().message;
  auto report = store->verify();
  if (!report) return "could not verify: " + report.error().message;
  if (report->intact()) {
    const std::string link_only = report->snapshots_link_only > 0
                                      ? " (" + std::to_string(report->snapshots_link_only) + " pruned: link only)"
                                      : "";
    return "Every hash chain is intact: " + std::to_string(report->snapshots_checked) + " snapshots" + link_only + ", " +
           std::to_string(report->event_batches_checked) + " event batches and " +
           std::to_string(report->actions_checked) + " cleanup actions verified.";
  }
  return "VERIFY FAILED: the trail was edited after it was written (run proctrail verify for the first broken link).";
}

}  // namespace

CLI::App* setup_report(CLI::App& app, ReportOptions& options) {
  auto* report = app.add_subcommand("report", "Write the leak report (HTML with charts, or Markdown) and print its path");
  report->add_option("--since", options.since, "Window start: a duration back from now (7d) or a UTC time")->capture_default_str();
  report->add_option("--match", options.match, "Only processes whose argv matches this regex (RE2 syntax)");
  report->add_option("--format", options.format, "html (self-contained, inline SVG charts) or md")
      ->check(CLI::IsMember({"html", "md"}))
      ->capture_default_str();
  report->add_option("-o,--output", options.out, "Output file (default ./proctrail-report-HOST-TIME.html)")
      ->type_name("FILE");
  report->add_flag("--verify", options.verify, "Check every hash chain even on a large trail (over 20,000 snapshots or 250,000 process rows; slow)");
  report->add_option("--snapshot", options.snapshot, "The snapshot the report describes: id, tag, last, last~N")->capture_default_str();
  return report;
}

int run_report(const ReportOptions& options, const GlobalOptions& global) {
  auto db = existing_trail_path(global);
  if (!db) return fail_with(db.error().within("report"));
  auto window = window_of(options.since, "");
  if (!window) return fail_with(window.error().within("report"));
  auto trail = TrailReader::open(*db);
  if (!trail) return fail_with(trail.error());
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  auto sizes = trail->select("SELECT (SELECT count(*) FROM snapshots), (SELECT COALESCE(max(process_id), 0) FROM processes)", {});
  const bool sized = sizes && !sizes->rows.empty();
  const int64_t snapshot_count = sized ? std::get<int64_t>(sizes->rows[0][0]) : 0;
  const int64_t process_rows = sized ? std::get<int64_t>(sizes->rows[0][1]) : 0;
  std::string verdict = "Not checked in this report (" + std::to_string(snapshot_count) + " snapshots, " +
                        std::to_string(process_rows) +
                        " process rows); `proctrail report --verify` or `proctrail verify` checks every hash chain.";
  if (options.verify || (snapshot_count <= kVerifyByDefaultUpTo && process_rows <= kVerifyByDefaultUpToRows)) {
    verdict = *verify_verdict(*db);
  }
  reports::ReportRequest request{.format = options.format, .since = options.since, .window = *window,
                                 .match = options.match.empty() ? std::nullopt : std::optional(options.match),
                                 .snapshot = options.snapshot, .trail_path = *db, .hostname = host,
                                 .verify_verdict = verdict};
  auto report = reports::render_report(*trail, request);
  if (!report) return fail_with(report.error().within("report"));
  const std::string path = options.out.empty() ? default_name(host, options.format) : options.out;
  if (auto written = write_private_file(path, report->text); !written) return fail_with(written.error().within("report"));
  std::cout << path << "\n";
  return 0;
}

}  // namespace proctrail::cli
