#pragma once
// proctrail snap: its options struct and its setup and run (cli/cmd_snap.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

struct SnapOptions {
  std::string tag;
  std::string trigger;  // empty: "manual", or "hook" with --hook
  bool hook = false;
  bool wait = false;  // --hook --wait: record before returning instead of in a detached worker
  std::string format = "text";
  CollectArgs collect;
};
CLI::App* setup_snap(CLI::App& app, SnapOptions& options);
int run_snap(const SnapOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
