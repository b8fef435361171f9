#pragma once
// proctrail cleanup: its options struct and its setup and run (cli/cmd_cleanup.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

// proctrail cleanup [selectors] [--yes]
struct CleanupOptions {
  std::string match, older_than, user, from_sql, container_label, evidence_out;
  std::string parent;  // PID (alive now) or PID@START_TICKS
  bool orphans = false, unreachable = false, tree = false, all_users = false, containers = false, remove = false;
  bool yes = false;
  std::vector<std::string> verdicts;  // --verdict a,b
  std::string grace = "5s";
  std::string format = "table";
  CollectArgs collect;
};
CLI::App* setup_cleanup(CLI::App& app, CleanupOptions& options);
// 0: every target gone (or a dry run); 3: some survived; 1: could not act; 2: bad request.
int run_cleanup(const CleanupOptions& options, const GlobalOptions& global, const std::string& own_argv);

}  // namespace proctrail::cli
