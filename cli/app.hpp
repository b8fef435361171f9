#pragma once
// The command line: the command table, global options and the helpers the subcommands share; each
// subcommand's options struct, setup and run are in cli/cmd_NAME.hpp/.cpp. cli/ only parses arguments
// and calls the library; it is also the only place that configures spdlog sinks.
#include <cstdint>
#include <memory>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "proctrail/logging.hpp"
#include "proctrail/query.hpp"
#include "proctrail/result.hpp"
#include "proctrail/store.hpp"
#include "cli/exit_codes.hpp"
#include "cli/subcommand.hpp"
#include "proctrail/sources.hpp"
#include "cli/options.hpp"

namespace proctrail::cli {

struct Cli {
  CLI::App app{"proctrail: record what processes ran, who started them and who still talks to them"};
  GlobalOptions global;
  std::string own_argv;  // the command line, for the audit trail
  struct Entry {
    std::unique_ptr<Subcommand> subcommand;
    CLI::App* app = nullptr;
  };
  std::vector<Entry> subcommands;  // the command table (cli/commands.cpp), each set up on `app`

  // The subcommand named `name` (nullptr if none), and the options of the first subcommand whose
  // options are an `Options` (tests read parsed options through these).
  CLI::App* command(std::string_view name) const;
  template <class Options>
  Options& options() {
    for (auto& entry : subcommands) {
      if (auto* typed = dynamic_cast<SubcommandWith<Options>*>(entry.subcommand.get())) return typed->options;
    }
    throw std::logic_error("no subcommand takes these options");
  }
  // The options of the subcommand named `name` (install-hooks and uninstall-hooks share a type).
  template <class Options>
  Options& options(std::string_view name) {
    for (auto& entry : subcommands) {
      auto* typed = dynamic_cast<SubcommandWith<Options>*>(entry.subcommand.get());
      if (typed && entry.app->get_name() == name) return typed->options;
    }
    throw std::logic_error("no subcommand " + std::string(name) + " takes these options");
  }
};

std::unique_ptr<Cli> make_cli();
// Runs the subcommand that was parsed.
int dispatch(Cli& cli);
// main(): parse, then dispatch.
int main_entry(int argc, char** argv);

// ---- shared by the subcommands ----
// The trail --db names, else the default ($PROCTRAIL_DB, ...); nothing is created.
Result<std::filesystem::path> chosen_db_path(const GlobalOptions& global);
// The same, for a command that writes: its folder is created (0700) when missing.
Result<std::filesystem::path> resolve_db_path(const GlobalOptions& global);
// The same, for a command that only reads: a trail that does not exist is an error (not_found), and
// no file or folder is created.
Result<std::filesystem::path> existing_trail_path(const GlobalOptions& global);
Logger make_stderr_logger(int verbosity);
Logger make_file_logger(const std::filesystem::path& file, int verbosity);
// The terminal's width for tables (ioctl on stdout, else $COLUMNS), or no limit with --wide or
// when neither says.
TableLayout table_layout(const GlobalOptions& global);
// "proctrail: <message>" on stderr.
void print_error(const std::string& message);
std::string summary_line(const SnapshotSummary& summary, int64_t elapsed_ms);
std::string summary_json(const SnapshotSummary& summary, int64_t elapsed_ms, const std::filesystem::path& db);

}  // namespace proctrail::cli
