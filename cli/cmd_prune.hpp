#pragma once
// proctrail prune: its options struct and its setup and run (cli/cmd_prune.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

// proctrail prune --older-than 30d [--keep-tagged] [--dry-run] [--vacuum]
// (named apart from the library's PruneOptions, which it fills)
struct PruneCliOptions {
  std::string older_than;  // a duration back from now
  bool keep_tagged = false;
  bool dry_run = false;
  bool vacuum = false;
  std::string format = "text";  // text: one line; json: one object (for cron jobs and scripts)
};
CLI::App* setup_prune(CLI::App& app, PruneCliOptions& options);
// 0: pruned, or nothing to prune, or a dry run; 1: refused or failed (a failed vacuum keeps the
// committed prune); 2: a bad --older-than.
int run_prune(const PruneCliOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
