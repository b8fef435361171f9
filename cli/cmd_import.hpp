#pragma once
// proctrail import: its options struct and its setup and run (cli/cmd_import.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

// proctrail import ps|lsof FILE [--taken-at TIME] [--host NAME] [--tag T] [--format text|json]
struct ImportOptions {
  std::string source;    // ps or lsof: the subcommand given
  std::string file;      // "-": stdin (needs --taken-at)
  std::string taken_at;  // a UTC time (or a duration back from now); empty: the file's mtime
  std::string utc_offset;  // ps: "+01:00"; empty: this machine's zone at taken_at
  std::string host;      // empty: the file's name
  std::string tag;
  std::string format = "text";
};
CLI::App* setup_import(CLI::App& app, ImportOptions& options);
// 0: at least one process imported; 1: unreadable, not recognised, nothing in it, or already imported;
// 2: a bad --taken-at or --utc-offset, or stdin without --taken-at.
int run_import(const ImportOptions& options, const GlobalOptions& global);
// "imported 94 processes from evidence.txt (ps aux (macOS), 97 lines: 95 taken, 2 skipped) as snapshot 12"
// ps read at a non-zero UTC offset adds ", local times read at UTC+01:00" inside the parentheses.
std::string import_line(const ImportSummary& summary, const ImportedTable& table, const std::string& file,
                        std::optional<int64_t> utc_offset_s = std::nullopt);

}  // namespace proctrail::cli
