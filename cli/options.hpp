#pragma once
// What every subcommand shares: the global options, and the collection options of those that snapshot.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "proctrail/logging.hpp"
#include "proctrail/result.hpp"
#include "proctrail/sources.hpp"

namespace proctrail::cli {

// What a snapshot command collects, as given on its command line (proctrail::CollectOptions once parsed).
struct CollectArgs {
  bool no_descriptors = false;
  bool no_leak_evidence = false;
  bool no_containers = false;
  std::string docker_socket;          // empty: $DOCKER_HOST (unix://) or /var/run/docker.sock
  std::string docker_timeout = "2s";  // budget for the whole engine query
};
void add_collect_options(CLI::App& command, CollectArgs& options);
// The collectors CollectArgs name. Fails on a malformed --docker-timeout.
Result<std::unique_ptr<Sources>> make_sources(const CollectArgs& args, const Logger& logger);

struct GlobalOptions {
  std::string db;     // --db; empty: $PROCTRAIL_DB, $XDG_STATE_HOME/..., ~/.local/state/...
  int verbosity = 0;  // -v count
  bool wide = false;  // --wide: tables are never cut to the terminal's width
};

}  // namespace proctrail::cli
