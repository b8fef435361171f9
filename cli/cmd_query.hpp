#pragma once
// proctrail query: its options struct and its setup and run (cli/cmd_query.cpp); listed in cli/commands.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

// --since/--until as given (a duration back from now or a UTC time) → a window; empty: unbounded.
Result<TimeWindow> window_of(const std::string& since, const std::string& until);

struct QueryOptions {
  std::string format = "table";
  std::string snapshot = "last";
  int64_t inode = 0;                     // holders
  int64_t pid = 0;                       // peers
  std::optional<int64_t> start_ticks;    // peers
  std::string match;                     // reachable
  std::string older_than;                // containers: a duration
  std::string label;                     // containers: KEY=VALUE
  std::string state = "all";             // containers
  std::string since, until;              // a duration back from now, or a UTC time
  std::string spawn_by = "parent";       // spawn-rate: parent or argv
  std::string per = "hour";              // spawn-rate: minute, hour or day
  std::string bucket = "hour";           // groups: hour or day
  std::string memory_by = "argv";        // memory: argv, parent or group
  std::string diff_a, diff_b;            // diff: snapshot ids, tags, last or last~N
  std::string idle_for = "10m";          // leaks: abandoned and spinning after this long
  std::string session_grace = "30s";     // leaks: outlived-session this long after the session ended
  std::vector<std::string> hosts;        // --host: host names; empty: the hosts recorded live
};
CLI::App* setup_query(CLI::App& app, QueryOptions& options);
int run_query(CLI::App& query, const QueryOptions& options, const GlobalOptions& global);

// proctrail sql "SELECT …": any one read-only statement.
struct SqlOptions {
  std::string statement;
  std::string format = "table";
  std::string timeout = "30s";  // the statement is stopped after this long
};
CLI::App* setup_sql(CLI::App& app, SqlOptions& options);
int run_sql(const SqlOptions& options, const GlobalOptions& global);

// proctrail snapshots [--since …] [--until …]
struct SnapshotsOptions {
  std::string since, until;
  std::string format = "table";
};
CLI::App* setup_snapshots(CLI::App& app, SnapshotsOptions& options);
int run_snapshots(const SnapshotsOptions& options, const GlobalOptions& global);

}  // namespace proctrail::cli
