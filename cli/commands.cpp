// The command table: one line per subcommand. Its options struct, setup and run live in its own file.
#include "cli/app.hpp"
#include "cli/commands.hpp"

namespace proctrail::cli {
namespace {

template <class Options, auto Setup, auto Run>
std::unique_ptr<Subcommand> bound() {
  return std::make_unique<BoundSubcommand<Options, Setup, Run>>();
}

}  // namespace

std::vector<std::unique_ptr<Subcommand>> all_subcommands() {
  std::vector<std::unique_ptr<Subcommand>> table;
  table.push_back(bound<SnapOptions, setup_snap, run_snap>());
  table.push_back(bound<WatchOptions, setup_watch, run_watch>());
  table.push_back(bound<VerifyOptions, setup_verify, run_verify>());
  table.push_back(bound<QueryOptions, setup_query, run_query>());
  table.push_back(bound<SqlOptions, setup_sql, run_sql>());
  table.push_back(bound<SnapshotsOptions, setup_snapshots, run_snapshots>());
  table.push_back(bound<CleanupOptions, setup_cleanup, run_cleanup>());
  table.push_back(bound<ExecOptions, setup_exec, run_exec>());
  table.push_back(bound<GuardOptions, setup_guard, run_guard>());
  table.push_back(bound<ReportOptions, setup_report, run_report>());
  table.push_back(bound<ImportOptions, setup_import, run_import>());
  table.push_back(bound<PruneCliOptions, setup_prune, run_prune>());
  table.push_back(bound<HooksOptions, setup_install_hooks, run_install_hooks>());
  table.push_back(bound<HooksOptions, setup_uninstall_hooks, run_uninstall_hooks>());
  table.push_back(bound<TimerOptions, setup_install_timer, run_install_timer>());
  table.push_back(bound<TimerOptions, setup_uninstall_timer, run_uninstall_timer>());
  table.push_back(bound<CompletionOptions, setup_completion, run_completion>());
  table.push_back(bound<ManOptions, setup_man, run_man>());
  return table;
}

}  // namespace proctrail::cli
