// proctrail prune --older-than 30d [--keep-tagged] [--dry-run] [--vacuum]: drops whole old ranges
// of the trail (closed entities, their change rows, old event batches) in one transaction; the
// library's notes are in recorder/prune.cpp.
#include <ctime>
#include <iostream>

#include "cli/app.hpp"
#include "proctrail/duration.hpp"
#include "recorder/fs_util.hpp"

namespace proctrail::cli {
namespace {

std::string utc(int64_t us) {
  const std::time_t seconds = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string mib(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

// "processes 5321, fds 84000, events 9000": the tables that lost rows.
std::string per_table(const PruneReport& report) {
  std::string text;
  for (const auto& table : report.deleted) {
    if (table.rows == 0) continue;
    if (!text.empty()) text += ", ";
    text += table.table + " " + std::to_string(table.rows);
  }
  return text;
}

std::string snapshot_range(const PruneReport& report) {
  if (!report.first_snapshot_id) return "no snapshot content";
  return std::to_string(report.snapshots_affected) + " snapshots' content (snapshots " +
         std::to_string(*report.first_snapshot_id) + "-" + std::to_string(*report.last_snapshot_id) + ")";
}

std::string summary(const PruneReport& report, bool dry_run) {
  std::string line = std::string(dry_run ? "dry run: would prune " : "pruned ") + std::to_string(report.rows_deleted()) +
                     " rows (" + per_table(report) + ") from before " + utc(report.cut_us) + ", " + snapshot_range(report);
  if (report.protected_snapshots > 0) {
    line += "; " + std::to_string(report.protected_snapshots) + " protected snapshots kept theirs";
  }
  if (report.processes_unparented > 0) {
    line += "; " + std::to_string(report.processes_unparented) + " kept processes " + (dry_run ? "would lose" : "lost") +
            " their parent's row (its pid and start time stay)";
  }
  if (dry_run) return line + "; nothing was changed";
  return line + "; prune " + std::to_string(report.prune_id);
}

std::string nothing_line(const PruneReport& report) {
  return "nothing to prune: no closed process, descriptor, socket or container, and no event batch, from before " +
         utc(report.cut_us) + " outside the " + std::to_string(report.protected_snapshots) + " protected snapshots";
}

std::string vacuum_text(const VacuumReport& vacuum) {
  return "vacuum freed " + mib(vacuum.bytes_freed()) + " (" + mib(vacuum.bytes_before) + " → " + mib(vacuum.bytes_after) + ")";
}

}  // namespace

CLI::App* setup_prune(CLI::App& app, PruneCliOptions& options) {
  auto* prune = app.add_subcommand(
      "prune", "Free space: delete closed processes, descriptors, sockets and containers (and old events) from before a cut");
  prune->add_option("--older-than", options.older_than,
                    "Prune what closed in snapshots older than this (30d, 12h, 90m); evidence snapshots keep theirs")
      ->required();
  prune->add_flag("--keep-tagged", options.keep_tagged, "Also keep everything alive at a tagged snapshot");
  prune->add_flag("--dry-run", options.dry_run, "Print what would go, per table; change nothing");
  prune->add_flag("--vacuum", options.vacuum,
                  "Then VACUUM, returning the space to the filesystem (needs free space about the database's size)");
  return prune;
}

int run_prune(const PruneCliOptions& options, const GlobalOptions& global) {
  auto fail = [](const std::string& message) {
    print_error(message);
    return 1;
  };
  auto older_than = parse_duration(options.older_than);
  if (!older_than) {
    print_error("--older-than: " + older_than.error().message);
    return 2;
  }
  auto db = resolve_db_path(global);
  if (!db) return fail(db.error().message);
  if (!std::filesystem::exists(*db)) return fail("pruning " + db->string() + ": no trail there");
  auto store = Store::open(*db, StoreOptions{}, make_stderr_logger(global.verbosity));
  if (!store) return fail(store.error().message);

  PruneOptions prune;
  prune.cut_us = fs::clock_us(CLOCK_REALTIME) - std::chrono::duration_cast<std::chrono::microseconds>(*older_than).count();
  prune.keep_tagged = options.keep_tagged;
  prune.dry_run = options.dry_run;
  auto report = store->prune(prune);
  if (!report) return fail(report.error().message);
  std::string line = report->nothing_to_prune() ? nothing_line(*report) : summary(*report, options.dry_run);
  if (!options.vacuum || options.dry_run) {
    std::cout << line << (options.vacuum ? "; no vacuum in a dry run" : "") << '\n';
    return 0;
  }
  auto vacuum = store->vacuum();
  if (!vacuum) {
    std::cout << line << '\n';
    return fail(vacuum.error().message + (report->prune_id ? "; the prune is committed" : ""));
  }
  std::cout << line << "; " << vacuum_text(*vacuum) << '\n';
  return 0;
}

}  // namespace proctrail::cli
