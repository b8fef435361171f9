// proctrail snap [--tag TEXT] [--trigger NAME] [--hook [--wait]] [--format text|json]
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "cli/app.hpp"
#include "cli/cmd_snap.hpp"
#include "proctrail/clock.hpp"
#include "proctrail/hook.hpp"
#include "proctrail/install.hpp"
#include "proctrail/paths.hpp"
#include "proctrail/recorder.hpp"

namespace proctrail::cli {
namespace {

constexpr std::chrono::milliseconds kHookBusyTimeout{3000};       // --hook --wait: a caller is waiting
constexpr std::chrono::milliseconds kDetachedBusyTimeout{60000};  // a detached worker: nobody waits on it

// What --trigger accepts: proctrail's own, and the claude-* of the hooks install-hooks writes.
std::vector<std::string> accepted_triggers() {
  std::vector<std::string> triggers = {"manual", "hook", "timer", "event", "exec-before", "exec-after",
                                       "cleanup-evidence", "cleanup-after"};
  for (auto& trigger : claude_triggers()) triggers.push_back(std::move(trigger));
  return triggers;
}

SnapshotRequest make_request(const SnapOptions& options) {
  SnapshotRequest request;
  request.requested_at_us = now_realtime_us();
  request.requested_boottime_ns = now_boottime_ns();
  request.collector_pid = ::getpid();
  request.trigger = !options.trigger.empty() ? options.trigger : (options.hook ? "hook" : "manual");
  if (!options.tag.empty()) request.tag = options.tag;
  return request;
}

Result<SnapshotSummary> take_snapshot(const std::filesystem::path& db, const SnapshotRequest& request,
                                      StoreOptions store_options, const CollectArgs& collect, const Logger& logger) {
  auto sources = make_sources(collect, logger);
  if (!sources) return sources.error();
  auto store = Store::open(db, store_options, logger);
  if (!store) return store.error();
  return (*sources)->recorder(*store).snapshot(request);
}

int64_t elapsed_ms_since(int64_t start_us) { return (now_realtime_us() - start_us) / 1000; }

// Hook mode: always exit 0, print nothing on stdout (hook callers may read it), errors to the log.
// Unless --wait, the snapshot is taken by a detached worker after the caller has been let go.
int run_hook(const SnapOptions& options, const GlobalOptions& global) {
  SnapshotRequest request = make_request(options);
  if (auto payload = read_hook_payload(STDIN_FILENO)) request.hook = std::move(*payload);
  request.hook.client = find_hook_client(::getppid());
  auto db = resolve_db_path(global);
  if (!db) {
    print_error("snap --hook: " + db.error().message);
    return 0;
  }
  if (!options.wait && detach_hook_worker() == HookRole::caller) return 0;
  const auto busy_timeout = options.wait ? kHookBusyTimeout : kDetachedBusyTimeout;
  Logger logger;
  try {
    logger = make_file_logger(log_path_for(*db), global.verbosity);
  } catch (const std::exception& e) {
    print_error("snap --hook: cannot open log beside " + db->string() + ": " + e.what());
    logger = make_stderr_logger(global.verbosity);
  }
  if (request.hook.error) logger->warn("snap --hook: {}; snapshot taken without payload fields", *request.hook.error);
  try {
    auto summary = take_snapshot(*db, request, StoreOptions{.busy_timeout = busy_timeout}, options.collect, logger);
    if (!summary) {
      logger->error("snap --hook: {}", summary.error().message);
      return 0;
    }
    logger->info("snap --hook: {}", summary_line(*summary, elapsed_ms_since(request.requested_at_us)));
  } catch (const std::exception& e) {
    logger->error("snap --hook: unexpected failure: {}", e.what());
  }
  return 0;
}

}  // namespace

CLI::App* setup_snap(CLI::App& app, SnapOptions& options) {
  auto* snap = app.add_subcommand("snap", "Take one snapshot of processes into the trail");
  snap->add_option("--tag", options.tag, "Label stored with the snapshot (a test run, a CI job)");
  snap->add_option("--trigger", options.trigger, "Why it was taken (default manual; hook with --hook)")
      ->check(CLI::IsMember(accepted_triggers()));
  snap->add_flag("--hook", options.hook,
                 "Hook mode: read the hook's JSON payload from stdin, print nothing, log errors beside the "
                 "database, always exit 0; returns at once while a detached worker records");
  snap->add_flag("--wait", options.wait, "With --hook: record before returning (the caller waits for the snapshot)")
      ->needs(snap->get_option("--hook"));
  snap->add_option("--format", options.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  add_collect_options(*snap, options.collect);
  return snap;
}

int run_snap(const SnapOptions& options, const GlobalOptions& global) {
  if (options.hook) return run_hook(options, global);
  SnapshotRequest request = make_request(options);
  auto db = resolve_db_path(global);
  if (!db) return fail_with(db.error());
  auto summary = take_snapshot(*db, request, StoreOptions{}, options.collect, make_stderr_logger(global.verbosity));
  if (!summary) return fail_with(summary.error());
  int64_t elapsed = elapsed_ms_since(request.requested_at_us);
  if (options.format == "json") {
    std::cout << summary_json(*summary, elapsed, *db) << '\n';
  } else {
    std::cout << summary_line(*summary, elapsed) << " → " << db->string() << '\n';
  }
  return 0;
}

}  // namespace proctrail::cli
