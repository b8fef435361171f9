// proctrail import ps|lsof FILE: a saved `ps` or `lsof -F` output becomes one snapshot (trigger
// 'import') that every question of `proctrail query` can answer from.
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "proctrail/query.hpp"
#include "cli/cmd_import.hpp"
#include "proctrail/clock.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/import.hpp"

namespace proctrail::cli {
namespace {

struct TakenAt {
  int64_t us = 0;
  std::string source;  // --taken-at or mtime
};

Result<TakenAt> taken_at_of(const ImportOptions& options, const ImportFile& file) {
  if (!options.taken_at.empty()) {
    auto time = parse_time_bound(options.taken_at, now_realtime_us());
    if (!time) return time.error().within("--taken-at");
    return TakenAt{*time, "--taken-at"};
  }
  if (!file.mtime_us) return Error{"reading stdin needs --taken-at (there is no file time to take)", ErrorKind::bad_input};
  return TakenAt{*file.mtime_us, "mtime"};
}

std::string json_line(const ImportSummary& summary, const ImportedTable& table, const ImportSource& source) {
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& line : table.skipped) skipped.push_back({{"line", line.line_number}, {"reason", line.reason}});
  nlohmann::json json = {
      {"snapshot_id", summary.snapshot_id}, {"processes", summary.processes},
      {"file", source.file_name},           {"sha256", source.file_sha256},
      {"format", table.format},             {"taken_at_us", source.taken_at_us},
      {"taken_at_source", source.taken_at_source},
      {"utc_offset", source.utc_offset_s ? nlohmann::json(format_utc_offset(*source.utc_offset_s)) : nlohmann::json(nullptr)},
      {"lines_read", table.lines_read},     {"lines_taken", table.lines_taken},
      {"lines_skipped", table.lines_read - table.lines_taken}, {"thread_repeats", table.thread_repeats},
      {"skipped", skipped},                 {"hash", summary.hash_hex},
  };
  json["descriptors"] = summary.fds;
  json["sockets"] = summary.sockets ? nlohmann::json(*summary.sockets) : nlohmann::json(nullptr);
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ps: --utc-offset, else this machine's zone at the capture time (where ps usually ran). lsof prints
// no times (and has no --utc-offset): nullopt.
Result<std::optional<int64_t>> utc_offset_of(const ImportOptions& options, int64_t taken_at_us) {
  if (options.source != "ps") return std::optional<int64_t>{};
  if (!options.utc_offset.empty()) {
    auto offset = parse_utc_offset(options.utc_offset);
    if (!offset) return offset.error().within("--utc-offset");
    return std::optional<int64_t>{*offset};
  }
  const std::time_t seconds = static_cast<std::time_t>(taken_at_us / 1'000'000);
  std::tm local{};
  if (::localtime_r(&seconds, &local) == nullptr) return std::optional<int64_t>{0};
  return std::optional<int64_t>{static_cast<int64_t>(local.tm_gmtoff)};
}

}  // namespace

std::string import_line(const ImportSummary& summary, const ImportedTable& table, const std::string& file,
                        std::optional<int64_t> utc_offset_s) {
  std::string line = "imported " + std::to_string(summary.processes) + " processes from " + file + " (" + table.format +
                     ", " + std::to_string(table.lines_read) + " lines: " + std::to_string(table.lines_taken) +
                     " taken, " + std::to_string(table.lines_read - table.lines_taken) + " skipped";
  if (table.thread_repeats > 0) line += ", " + std::to_string(table.thread_repeats) + " per-thread repeats folded";
  if (utc_offset_s && *utc_offset_s != 0) line += ", local times read at UTC" + format_utc_offset(*utc_offset_s);
  line += ")";
  if (summary.sockets) {
    line += " with " + std::to_string(summary.fds) + " descriptors and " + std::to_string(*summary.sockets) + " sockets";
  }
  return line + " as snapshot " + std::to_string(summary.snapshot_id);
}

CLI::App* setup_import(CLI::App& app, ImportOptions& options) {
  auto* import = app.add_subcommand("import", "Import saved ps or lsof -F output as a snapshot (trigger import)");
  import->require_subcommand(1);
  auto add = [&](const char* name, const char* description) {
    auto* source = import->add_subcommand(name, description);
    source->add_option("FILE", options.file, "The saved output; - reads stdin (needs --taken-at)")->required();
    source->add_option("--taken-at", options.taken_at,
                       "When the output was captured: a UTC time (2026-11-24T09:12:01Z) (default: the file's mtime)");
    if (std::string_view(name) == "ps") {
      source->add_option("--utc-offset", options.utc_offset,
                         "The capturing machine's offset from UTC, for the local times ps printed (+01:00, -05:30, Z)"
                         " (default: this machine's zone at the capture time)");
    }
    source->add_option("--host", options.host, "Host name to record (default: the file's name)");
    source->add_option("--tag", options.tag, "Tag the snapshot");
    source->add_option("--format", options.format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    source->parse_complete_callback([&options, name] { options.source = name; });
  };
  add("ps", "ps aux, ps -ef or ps -eo … output with its header line (Linux procps or macOS)");
  add("lsof", "lsof -F field output (Linux or macOS), newline- or NUL-separated");
  return import;
}

int run_import(const ImportOptions& options, const GlobalOptions& global) {
  auto file = read_import_file(options.file);
  if (!file) return fail_with(file.error());
  auto taken_at = taken_at_of(options, *file);
  if (!taken_at) return fail_with(taken_at.error());
  auto utc_offset = utc_offset_of(options, taken_at->us);
  if (!utc_offset) return fail_with(utc_offset.error());
  const ImportFormat format = options.source == "lsof" ? ImportFormat::lsof : ImportFormat::ps;
  auto table = parse_import_file(*file, format, taken_at->us, utc_offset->value_or(0));
  if (!table) return fail_with(table.error());
  for (const auto& line : table->skipped) {
    std::cerr << printable(options.file) << ':' << line.line_number << ": skipped: " << printable(line.reason) << '\n';
  }
  if (table->processes.empty()) {
    return fail_with(Error{options.file + ": no process could be read (" + std::to_string(table->lines_read) + " lines, " +
                           std::to_string(table->skipped.size()) + " skipped)",
                           ErrorKind::corrupt});
  }
  ImportSource source;
  source.source = options.source;
  source.file_name = options.file;
  source.file_sha256 = file->sha256_hex;
  source.file_bytes = static_cast<int64_t>(file->bytes.size());
  source.taken_at_us = taken_at->us;
  source.taken_at_source = taken_at->source;
  source.utc_offset_s = *utc_offset;
  source.host_name = options.host.empty() ? std::filesystem::path(options.file).filename().string() : options.host;
  if (!options.tag.empty()) source.tag = options.tag;

  auto db = resolve_db_path(global);
  if (!db) return fail_with(db.error());
  auto store = Store::open(*db, StoreOptions{}, make_stderr_logger(global.verbosity));
  if (!store) return fail_with(store.error());
  auto summary = store->record_import(*table, source);
  if (!summary) return fail_with(summary.error());
  if (options.format == "json") {
    std::cout << json_line(*summary, *table, source) << '\n';
  } else {
    std::cout << import_line(*summary, *table, options.file, source.utc_offset_s) << '\n';
  }
  return 0;
}

}  // namespace proctrail::cli
