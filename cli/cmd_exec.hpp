#pragma once
// proctrail exec: its options struct and its setup and run (cli/cmd_exec.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

// proctrail exec [--fail-on-leak] [--cleanup] [--grace 5s] [--tag T] [--json FILE] -- CMD ARGS...
struct ExecOptions {
  bool fail_on_leak = false;
  bool cleanup = false;
  std::string grace = "5s";
  std::string tag;
  std::string json_out;
  int64_t event_buffer = 8 << 20;
  std::vector<std::string> command;
  CollectArgs collect;
};
CLI::App* setup_exec(CLI::App& app, ExecOptions& options);
// The command's status; 2 with --fail-on-leak and a leak; 125 when the command could not be run;
// 2 for a bad option value (before the command runs).
int run_exec(const ExecOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
