#pragma once
// `proctrail exec` as a library call: run a command and report the processes and containers it
// left behind.
//
//   proctrail::Sources sources({.containers = false});
//   auto store = proctrail::Store::open(path);
//   auto run = proctrail::run_exec({.command = {"make", "test"}, .grace = 2s}, sources, &*store);
//   if (run && !run->leaks.empty()) ...
//
// The command runs as a child of this process, with PROCTRAIL_RUN naming the run, while this
// process is a child subreaper (so descendants that daemonize are reparented to it) and forwards
// SIGINT, SIGTERM, SIGHUP and SIGQUIT to it. When the command has exited its descendants get
// `grace` to finish; whatever still runs then is a leak (found by tree, marker or fork events; see
// leak_guard.hpp). With a trail: a snapshot before and after, the process events in between (when
// the proc connector is allowed), the run and its leaks recorded (exec_runs, exec_leaks), and on
// request the leaks ended through the evidence-first cleanup.
//
// While it runs, run_exec blocks those signals and SIGCHLD in the calling thread (start it before
// other threads, or block them there too, for the forwarding to be reliable) and reaps every child
// of this process that ends, as a subreaper has to. Before it returns it restores the signal mask
// and the subreaper flag; those signals still pending then (they came after the command ended, so
// there was nothing to forward them to) are discarded unless they were blocked before. Leaks it did
// not end stay children of this process: reap them once they end.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "proctrail/cleanup.hpp"
#include "proctrail/leak_guard.hpp"
#include "proctrail/result.hpp"
#include "proctrail/sources.hpp"
#include "proctrail/store.hpp"

namespace proctrail {

struct ExecRunOptions {
  std::vector<std::string> command;            // the command and its arguments; PATH is searched
  std::chrono::milliseconds grace{5000};       // how long descendants may take to exit; also SIGTERM → SIGKILL
  std::optional<std::string> tag;              // stored with both snapshots and the run
  bool cleanup = false;                        // end the leaks (needs a trail): processes by identity, containers stopped
  int64_t event_buffer_bytes = 8 << 20;        // the proc connector's receive buffer
};

struct ExecRunResult {
  std::string run_id;                          // this run's id in PROCTRAIL_RUN
  std::string argv;                            // the command, shell-quoted
  int exit_status = 0;                         // the command's own, or 128 + the signal that ended it
  std::optional<int64_t> before_snapshot_id;   // nullopt: no trail, or the snapshot failed
  std::optional<int64_t> after_snapshot_id;
  std::string events = "recorded";             // whether the process events were recorded, or why not
  int64_t started_at_us = 0;                   // wall clock when the command was started
  LeakReport leaks;
  std::vector<CleanupAction> cleanup;          // with options.cleanup: what was done to each leak
};

// Something that failed without ending the run (a snapshot, the leak scan, the event reader, the
// cleanup, recording the run). `message` says what was being done.
struct ExecProblem {
  enum class During { run, events, cleanup };
  During during = During::run;
  std::string message;
};

// Optional calls while the run goes on, so a caller can report as it happens.
struct ExecRunObserver {
  std::function<void(const ExecProblem&)> problem;  // unset: logged as a warning
  // The leaks are known (perhaps none) and the after snapshot taken; nothing has been ended yet.
  std::function<void(const ExecRunResult&)> leaks_known;
  // Everything is done but recording the run in the trail (the cleanup actions are in).
  std::function<void(const ExecRunResult&)> concluded;
};

// Runs options.command to its end and reports its leaks. `store` may be null: the run is then
// neither recorded nor cleaned up. An Error only when the command could not be started (no
// command, not found, not executable): nothing ran then.
Result<ExecRunResult> run_exec(const ExecRunOptions& options, const Sources& sources, Store* store,
                               const ExecRunObserver& observer = {});

}  // namespace proctrail
