// proctrail snap [--tag TEXT] [--trigger NAME] [--hook [--wait]] [--format text|json]
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "cli/app.hpp"
#include "proctrail/hook.hpp"
#include "proctrail/install.hpp"
#include "proctrail/paths.hpp"
#include "proctrail/recorder.hpp"
#include "common/fs_util.hpp"

namespace proctrail::cli {
namespace {

constexpr std::chrono::milliseconds kHookBusyTimeout{3000};       // --hook --wait: a caller is waiting
constexpr std::chrono::milliseconds kDetachedBusyTimeout{60000};  // a detached worker: nobody waits on it
constexpr int kStdinDeadlineMs = 300;

// What --trigger accepts: proctrail's own, and the claude-* of the hooks install-hooks writes.
std::vector<std::string> accepted_triggers() {
  std::vector<std::string> triggers = {"manual", "hook", "timer", "event", "exec-before", "exec-after",
                                       "cleanup-evidence", "cleanup-after"};
  for (auto& trigger : claude_triggers()) triggers.push_back(std::move(trigger));
  return triggers;
}

struct StdinPayload {
  bool present = false;
  std::string text;
  bool truncated = false;
};

// Reads a hook payload from stdin without ever stalling: nothing when stdin is a terminal or
// closed; otherwise until EOF, the size bound, or a short deadline (a caller that keeps the pipe
// open without writing must not hold us).
StdinPayload read_hook_stdin(int fd) {
  StdinPayload payload;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || ::isatty(fd)) return payload;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStdinDeadlineMs);
  char buffer[65536];
  while (payload.text.size() <= kMaxHookPayloadBytes) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd poll_fd{fd, POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    payload.present = true;
    payload.text.append(buffer, static_cast<size_t>(n));
  }
  payload.truncated = payload.text.size() > kMaxHookPayloadBytes;
  return payload;
}

SnapshotRequest make_request(const SnapOptions& options) {
  SnapshotRequest request;
  request.requested_at_us = fs::clock_us(CLOCK_REALTIME);
  request.requested_boottime_ns = fs::clock_ns(CLOCK_BOOTTIME);
  request.collector_pid = ::getpid();
  request.trigger = !options.trigger.empty() ? options.trigger : (options.hook ? "hook" : "manual");
  if (!options.tag.empty()) request.tag = options.tag;
  return request;
}

Result<SnapshotSummary> take_snapshot(const std::filesystem::path& db, const SnapshotRequest& request,
                                      StoreOptions store_options, const CollectOptions& collect, const Logger& logger) {
  auto sources = Sources::make(collect, logger);
  if (!sources) return sources.error();
  auto store = Store::open(db, store_options, logger);
  if (!store) return store.error();
  return (*sources)->recorder(*store).snapshot(request);
}

int64_t elapsed_ms_since(int64_t start_us) { return (fs::clock_us(CLOCK_REALTIME) - start_us) / 1000; }

enum class HookRole { caller, worker };

// Hands the snapshot to a worker in a session of its own, with stdio on /dev/null and no inherited
// descriptor, so the hook's caller (which may read our stdout to EOF) returns at once. The caller
// waits only for the short-lived middle process, so no zombie is left. If a fork fails, whoever is
// left records the snapshot itself: a hook may be slow, never lost.
HookRole detach_worker() {
  const pid_t middle = ::fork();
  if (middle < 0) return HookRole::worker;
  if (middle > 0) {
    ::waitpid(middle, nullptr, 0);
    return HookRole::caller;
  }
  ::setsid();
  const pid_t worker = ::fork();
  if (worker > 0) ::_exit(0);
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (null_fd >= 0) ::dup2(null_fd, fd);
  }
  ::close_range(3, ~0U, 0);
  ::setpriority(PRIO_PROCESS, 0, 19);  // background work: hook callers and the user's own work come first
  return HookRole::worker;
}

// Hook mode: always exit 0, print nothing on stdout (hook callers may read it), errors to the log.
// Unless --wait, the snapshot is taken by a detached worker after the caller has been let go.
int run_hook(const SnapOptions& options, const GlobalOptions& global) {
  SnapshotRequest request = make_request(options);
  StdinPayload payload = read_hook_stdin(STDIN_FILENO);
  if (payload.present) {
    request.hook = payload.truncated ? HookPayload{.error = "hook payload larger than " +
                                                            std::to_string(kMaxHookPayloadBytes) + " bytes"}
                                     : parse_hook_payload(payload.text);
  }
  auto db = resolve_db_path(global);
  if (!db) {
    print_error("snap --hook: " + db.error().message);
    return 0;
  }
  if (!options.wait && detach_worker() == HookRole::caller) return 0;
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
