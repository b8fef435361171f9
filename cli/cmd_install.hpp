#pragma once
// proctrail install: its options struct and its setup and run (cli/cmd_install.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

// proctrail install-hooks claude [--guard] / uninstall-hooks claude [--settings PATH] [--scope user|project] [--dry-run]
struct HooksOptions {
  std::string agent;           // claude
  std::string settings;        // empty: the settings.json of --scope
  std::string scope = "user";  // user: $CLAUDE_CONFIG_DIR or ~/.claude; project: ./.claude
  bool dry_run = false;
  bool guard = false;          // install-hooks: SessionStart also starts `proctrail guard --once`, detached
};
CLI::App* setup_install_hooks(CLI::App& app, HooksOptions& options);
CLI::App* setup_uninstall_hooks(CLI::App& app, HooksOptions& options);
int run_install_hooks(const HooksOptions& options, const GlobalOptions& global);
int run_uninstall_hooks(const HooksOptions& options, const GlobalOptions& global);

// proctrail install-timer [--interval 5m] [--user|--system] [--print] [--cron] [--guard]; uninstall-timer [--user|--system]
struct TimerOptions {
  std::string interval = "5m";
  bool user = false;    // the default
  bool system = false;  // /etc/systemd/system instead of the user's units
  bool print = false;   // the units on stdout, nothing written
  bool cron = false;    // a crontab line on stdout instead
  bool guard = false;   // each tick also runs `proctrail guard --once` after the snapshot
  std::string exec;     // the proctrail the units run; empty: this binary (a package writes /usr/bin/proctrail)
};
CLI::App* setup_install_timer(CLI::App& app, TimerOptions& options);
CLI::App* setup_uninstall_timer(CLI::App& app, TimerOptions& options);
// 2: an interval that is not a duration, or that cron cannot express.
int run_install_timer(const TimerOptions& options, const GlobalOptions& global);
int run_uninstall_timer(const TimerOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
