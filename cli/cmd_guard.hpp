#pragma once
// proctrail guard: its options struct and its setup and run (cli/cmd_guard.cpp); listed in cli/commands.cpp.
#include <string>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"

namespace proctrail::cli {

// proctrail guard [--policy FILE] [--once] [--interval 5m] [--dry-run] [--format table|json] [--all-users]
struct GuardOptions {
  std::string policy;             // empty: ~/.config/proctrail/policy.toml
  bool once = false;
  std::string interval = "5m";
  bool dry_run = false;
  bool all_users = false;
  std::string format = "table";
  CollectArgs collect;
};
CLI::App* setup_guard(CLI::App& app, GuardOptions& options);
// 0: the runs finished (targets that survived are said, not an error); 1: could not run; 2: bad
// request or policy; 128 + signal: stopped by SIGINT/SIGTERM in the middle of a run.
int run_guard(const GuardOptions& options, const GlobalOptions& global, const std::string& own_argv);

}  // namespace proctrail::cli
