#pragma once
// Leak detection: which processes and containers outlived a scope or a command.
//
//   proctrail::LeakGuard guard;                 // notes what runs now; exports PROCTRAIL_RUN
//   run_the_test();
//   auto leaks = guard.check();                 // descendants and containers that outlived it
//   if (leaks && !leaks->empty()) guard.terminate(*leaks);
//
// A leak is found three ways: as a descendant of the root process (with the root a child
// subreaper, daemonized and double-forked descendants are reparented to it rather than lost to
// init), by the marker in its environment (PROCTRAIL_RUN holds the run's id; inherited, it
// survives reparenting anywhere), and, for `proctrail exec`, by the fork events the recorder saw.
// Zombies are not leaks: they hold nothing but their pid.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proctrail/containers.hpp"
#include "proctrail/logging.hpp"
#include "proctrail/model.hpp"
#include "proctrail/process.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// The environment variable every guarded command inherits: run ids, ':'-separated, innermost last.
inline constexpr const char* kRunMarkerVariable = "PROCTRAIL_RUN";

// LeakedProcess, LeakedContainer and LeakReport: model.hpp.

// What one scan looks for.
struct LeakScan {
  std::filesystem::path proc_root = "/proc";
  pid_t root_pid = 0;                      // whose descendants leak (the guard's process, or proctrail exec)
  std::optional<pid_t> command_pid;        // exec: the command, so a child of root_pid other than it was reparented
  std::string marker;                      // a run id in PROCTRAIL_RUN; empty: not looked for
  std::set<ProcessKey> baseline;           // present before the run: never leaks
  std::vector<ProcessKey> from_events;     // descendants the event stream saw fork
};

// Every live, non-zombie process the scan finds, with how it escaped. Reads /proc once (plus
// environ of processes not already found, for the marker).
Result<std::vector<LeakedProcess>> scan_for_leaks(const LeakScan& scan);

// How a leaked process got away, from where it is now:
//   "child of leaked pid N"                  its parent leaked too
//   "daemonized (new session, reparented)"   in another session and its parent exited (a double fork)
//   "reparented (its parent exited)"         handed to the subreaper when its parent exited
//   "new session"                            setsid, parent still in the tree
//   "still a child (never waited for)"       a direct child of the root, still running
//   "escaped to pid N"                       found by marker or events under an outside parent
//   "child of pid N"                         under a process that was running before the run
struct EscapeFacts {
  ProcessKey key;
  pid_t ppid = 0;
  pid_t sid = 0;
  pid_t root_pid = 0;
  pid_t root_sid = 0;
  std::optional<pid_t> command_pid;
  bool parent_leaked = false;
  bool parent_in_tree = false;  // the parent is root_pid or one of its descendants
};
std::string classify_escape(const EscapeFacts& facts);

// Containers in `now` that were not in `before_ids`, still present and not exited, and either
// labelled proctrail.run=<marker> or created at or after `since_us`.
std::vector<LeakedContainer> new_containers(const std::set<std::string>& before_ids, const ContainerTable& now,
                                            int64_t since_us, const std::string& marker);

// A fresh run id: 16 hex digits from getrandom(2).
std::string new_run_id();

// PROCTRAIL_RUN's new value: `inherited` (may be empty) with `run_id` appended.
std::string append_run_marker(const std::string& inherited, const std::string& run_id);

// Whether an environ block (NUL-separated NAME=VALUE) carries run id `marker`.
bool environ_has_marker(std::string_view environ, std::string_view marker);

struct LeakGuardOptions {
  std::filesystem::path proc_root = "/proc";
  // Make this process a child subreaper while the guard lives, so orphaned descendants are
  // reparented to it and found as children. Off by default: a subreaper must reap what it
  // inherits, which a test process does not expect to do (the marker finds them anyway).
  bool subreaper = false;
  const DockerCollector* docker = nullptr;  // also report containers created while the guard lived
  // How long check() waits for descendants that are already on their way out.
  std::chrono::milliseconds settle{1000};
};

// Records on construction, reports on check(). Not copyable; one per scope.
class LeakGuard {
 public:
  explicit LeakGuard(LeakGuardOptions options = {}, Logger logger = nullptr);
  ~LeakGuard();  // restores PROCTRAIL_RUN and the subreaper flag
  LeakGuard(const LeakGuard&) = delete;
  LeakGuard& operator=(const LeakGuard&) = delete;

  const std::string& run_id() const { return run_id_; }

  // Descendants and containers that outlived the guard so far.
  Result<LeakReport> check() const;

  // Ends the leaked processes, each verified by identity through a pidfd: SIGTERM, then SIGKILL
  // after `grace`. Stops (does not remove) leaked containers. Returns how many processes survived.
  size_t terminate(const LeakReport& report, std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) const;

 private:
  LeakGuardOptions options_;
  Logger logger_;
  std::string run_id_;
  std::optional<std::string> previous_marker_;
  int previous_subreaper_ = 0;
  std::set<ProcessKey> baseline_;
  std::set<std::string> containers_before_;
  int64_t started_us_ = 0;
};

// Sends SIGTERM to each process (verified through a pidfd: same pid and start time), waits up to
// `grace` for them to exit, then SIGKILLs the rest. Returns how many were still running at the end.
size_t terminate_processes(const std::vector<ProcessKey>& processes, std::chrono::milliseconds grace,
                           const std::filesystem::path& proc_root = "/proc");

}  // namespace proctrail
