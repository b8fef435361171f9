// proctrail prune --older-than 30d [--keep-tagged] [--dry-run] [--vacuum] [--format json]: drops whole old ranges
// of the trail (closed entities, their change rows, old event batches) in one transaction; the
// library's notes are in recorder/store/prune.cpp.
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/cmd_prune.hpp"
#include "proctrail/clock.hpp"
#include "proctrail/duration.hpp"

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
  if (report.ancestors_kept > 0) {
    line += "; " + std::to_string(report.ancestors_kept) +
            " closed processes kept as ancestors of recorded ones (an orphan's original parent stays answerable)";
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

nlohmann::json optional_id(const std::optional<int64_t>& id) { return id ? nlohmann::json(*id) : nlohmann::json(nullptr); }

// The --format json object: every count the text line gives, zeros included, and the vacuum's sizes
// (null when none ran).
std::string json_line(const PruneReport& report, bool dry_run, const std::optional<VacuumReport>& vacuum) {
  nlohmann::json deleted = nlohmann::json::object();
  for (const auto& table : report.deleted) deleted[table.table] = table.rows;
  nlohmann::json json = {
      {"dry_run", dry_run},
      {"cut", utc(report.cut_us)},
      {"cut_us", report.cut_us},
      {"prune_id", report.prune_id ? nlohmann::json(report.prune_id) : nlohmann::json(nullptr)},
      {"nothing_to_prune", report.nothing_to_prune()},
      {"rows_deleted", report.rows_deleted()},
      {"deleted", deleted},
      {"ancestors_kept", report.ancestors_kept},
      {"spawn_counts_rekeyed", report.spawn_counts_rekeyed},
      {"protected_snapshots", report.protected_snapshots},
      {"snapshots_affected", report.snapshots_affected},
      {"first_snapshot_id", optional_id(report.first_snapshot_id)},
      {"last_snapshot_id", optional_id(report.last_snapshot_id)},
      {"vacuum", nullptr},
  };
  if (vacuum) {
    json["vacuum"] = {{"bytes_before", vacuum->bytes_before}, {"bytes_after", vacuum->bytes_after},
                      {"bytes_freed", vacuum->bytes_freed()}};
  }
  return json.dump();
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
  prune->add_option("--format", options.format, "Output format: one line of text, or one JSON object")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return prune;
}

int run_prune(const PruneCliOptions& options, const GlobalOptions& global) {
  auto older_than = parse_duration(options.older_than);
  if (!older_than) return fail_with(older_than.error().within("--older-than"));
  auto db = existing_trail_path(global);
  if (!db) return fail_with(db.error().within("prune"));
  auto store = Store::open(*db, StoreOptions{}, make_stderr_logger(global.verbosity));
  if (!store) return fail_with(store.error());

  PruneOptions prune;
  prune.cut_us = now_realtime_us() - std::chrono::duration_cast<std::chrono::microseconds>(*older_than).count();
  prune.keep_tagged = options.keep_tagged;
  prune.dry_run = options.dry_run;
  auto report = store->prune(prune);
  if (!report) return fail_with(report.error());
  const bool json = options.format == "json";
  const std::string line = report->nothing_to_prune() ? nothing_line(*report) : summary(*report, options.dry_run);
  if (!options.vacuum || options.dry_run) {
    std::cout << (json ? json_line(*report, options.dry_run, std::nullopt)
                       : line + (options.vacuum ? "; no vacuum in a dry run" : ""))
              << '\n';
    return 0;
  }
  auto vacuum = store->vacuum();
  if (!vacuum) {
    std::cout << (json ? json_line(*report, false, std::nullopt) : line) << '\n';
    Error error = vacuum.error();
    if (report->prune_id) error.message += "; the prune is committed";
    return fail_with(error);
  }
  std::cout << (json ? json_line(*report, false, *vacuum) : line + "; " + vacuum_text(*vacuum)) << '\n';
  return 0;
}

}  // namespace proctrail::cli
