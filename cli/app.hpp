#pragma once
// The command line: one options struct plus setup/run per subcommand. cli/ only parses arguments
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

namespace proctrail::cli {

// What a snapshot command collects, as given on its command line (proctrail::CollectOptions once parsed).
struct CollectArgs {
  bool no_descriptors = false;
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
};

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
};
CLI::App* setup_query(CLI::App& app, QueryOptions& options);
int run_query(CLI::App& query, const QueryOptions& options, const GlobalOptions& global);

// proctrail sql "SELECT …": any one read-only statement.
struct SqlOptions {
  std::string statement;
  std::string format = "table";
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

// proctrail cleanup [selectors] [--yes]
struct CleanupOptions {
  std::string match, older_than, user, from_sql, container_label, evidence_out;
  std::optional<int64_t> parent;
  bool orphans = false, unreachable = false, tree = false, all_users = false, containers = false, remove = false;
  bool yes = false;
  std::string grace = "5s";
  std::string format = "table";
  CollectArgs collect;
};
CLI::App* setup_cleanup(CLI::App& app, CleanupOptions& options);
// 0: every target gone (or a dry run); 3: some survived; 1: could not act; 2: bad request.
int run_cleanup(const CleanupOptions& options, const GlobalOptions& global, const std::string& own_argv);

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

// proctrail report [--since 7d] [--match REGEX] [--format html|md] [-o FILE]
struct ReportOptions {
  std::string since = "7d";
  std::string match;
  std::string format = "html";
  std::string out;  // empty: ./proctrail-report-<host>-<time>.<ext>
  std::string snapshot = "last";
  bool verify = false;  // verify even a trail with more than 20,000 snapshots
};
CLI::App* setup_report(CLI::App& app, ReportOptions& options);
int run_report(const ReportOptions& options, const GlobalOptions& global);

// proctrail import ps|lsof FILE [--taken-at TIME] [--host NAME] [--tag T] [--format text|json]
struct ImportOptions {
  std::string source;    // ps or lsof: the subcommand given
  std::string file;      // "-": stdin (needs --taken-at)
  std::string taken_at;  // a UTC time (or a duration back from now); empty: the file's mtime
  std::string utc_offset;  // ps: "+01:00"; empty: this machine's zone at taken_at
  std::string host;      // empty: the file's name
  std::string tag;
  std::string format = "text";
};
CLI::App* setup_import(CLI::App& app, ImportOptions& options);
// 0: at least one process imported; 1: unreadable, not recognised, nothing in it, or already imported;
// 2: a bad --taken-at or --utc-offset, or stdin without --taken-at.
int run_import(const ImportOptions& options, const GlobalOptions& global);
// "imported 94 processes from evidence.txt (ps aux (macOS), 97 lines: 95 taken, 2 skipped) as snapshot 12"
// ps read at a non-zero UTC offset adds ", local times read at UTC+01:00" inside the parentheses.
std::string import_line(const ImportSummary& summary, const ImportedTable& table, const std::string& file,
                        std::optional<int64_t> utc_offset_s = std::nullopt);

// proctrail install-hooks claude / uninstall-hooks claude [--settings PATH] [--scope user|project] [--dry-run]
struct HooksOptions {
  std::string agent;           // claude
  std::string settings;        // empty: the settings.json of --scope
  std::string scope = "user";  // user: $CLAUDE_CONFIG_DIR or ~/.claude; project: ./.claude
  bool dry_run = false;
};
CLI::App* setup_install_hooks(CLI::App& app, HooksOptions& options);
CLI::App* setup_uninstall_hooks(CLI::App& app, HooksOptions& options);
int run_install_hooks(const HooksOptions& options, const GlobalOptions& global);
int run_uninstall_hooks(const HooksOptions& options, const GlobalOptions& global);

// proctrail install-timer [--interval 5m] [--user|--system] [--print] [--cron]; uninstall-timer [--user|--system]
struct TimerOptions {
  std::string interval = "5m";
  bool user = false;    // the default
  bool system = false;  // /etc/systemd/system instead of the user's units
  bool print = false;   // the units on stdout, nothing written
  bool cron = false;    // a crontab line on stdout instead
};
CLI::App* setup_install_timer(CLI::App& app, TimerOptions& options);
CLI::App* setup_uninstall_timer(CLI::App& app, TimerOptions& options);
// 2: an interval that is not a duration, or that cron cannot express.
int run_install_timer(const TimerOptions& options, const GlobalOptions& global);
int run_uninstall_timer(const TimerOptions& options, const GlobalOptions& global);

// proctrail completion bash|zsh
struct CompletionOptions {
  std::string shell;
};
CLI::App* setup_completion(CLI::App& app, CompletionOptions& options);
int run_completion(const CLI::App& app, const CompletionOptions& options);

// proctrail man [-o FILE]
struct ManOptions {
  std::string out;  // empty: stdout
};
CLI::App* setup_man(CLI::App& app, ManOptions& options);
int run_man(const CLI::App& app, const ManOptions& options);

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

struct VerifyOptions {};
CLI::App* setup_verify(CLI::App& app, VerifyOptions& options);
int run_verify(const VerifyOptions& options, const GlobalOptions& global);

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
Result<std::filesystem::path> resolve_db_path(const GlobalOptions& global);
Logger make_stderr_logger(int verbosity);
Logger make_file_logger(const std::filesystem::path& file, int verbosity);
// "proctrail: <message>" on stderr.
void print_error(const std::string& message);
std::string summary_line(const SnapshotSummary& summary, int64_t elapsed_ms);
std::string summary_json(const SnapshotSummary& summary, int64_t elapsed_ms, const std::filesystem::path& db);

}  // namespace proctrail::cli
