#pragma once
// proctrail watch: its options struct and its setup and run (cli/cmd_watch.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

struct WatchOptions {
  std::string interval = "10s";
  int64_t count = 0;  // 0: until SIGINT/SIGTERM
  std::string tag;
  std::string format = "text";
  bool events = false;                 // also record the kernel's process events
  std::string flush_interval = "250ms";  // how often events are written (one transaction per batch)
  int64_t event_buffer = 8 << 20;     // the connector socket's receive buffer, bytes
  CollectArgs collect;
};
CLI::App* setup_watch(CLI::App& app, WatchOptions& options);
int run_watch(const WatchOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
