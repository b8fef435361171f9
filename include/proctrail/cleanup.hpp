#pragma once
// Evidence-first cleanup: choose targets from a committed snapshot, verify each target's identity
// through a pidfd, escalate SIGTERM to SIGKILL, and write every action to a hash-chained audit trail,
// each signal's row committed before the signal.
//
//   proctrail::Cleaner cleaner(store, recorder, &docker);
//   auto plan = cleaner.plan(selectors, "my-launcher --cleanup");   // takes the evidence snapshot
//   auto done = cleaner.execute(*plan, selectors);                  // signals; cleanup-after snapshot
#include <sys/types.h>

#include <csignal>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "proctrail/containers.hpp"
#include "proctrail/logging.hpp"
#include "proctrail/recorder.hpp"
#include "proctrail/result.hpp"
#include "proctrail/store.hpp"

namespace proctrail {

// Selectors combine with AND. At least one that narrows the set is required.
struct CleanupSelectors {
  std::optional<std::string> match;        // RE2 regex over argv (containers: name, image, command)
  bool orphans = false;                    // original parent gone or reparented (view snapshot_orphans)
  bool unreachable = false;                // reachability verdict "unreachable" (needs descriptors)
  std::vector<std::string> verdicts;       // leak verdicts (view snapshot_leak_suspects: outlived-session, orphaned,
                                           // abandoned, spinning, unreachable), any of them
  std::optional<int64_t> older_than_s;     // age at the evidence snapshot
  std::optional<pid_t> parent;             // children (current or original) of this process: with
  std::optional<uint64_t> parent_start_ticks;  // its start_ticks, that identity; without, the process with this pid alive at the evidence
  std::optional<uid_t> user;               // real uid
  std::optional<std::string> from_sql;     // a read-only SELECT returning pid, start_ticks
  bool tree = false;                       // add each target's descendants, deepest first
  bool all_users = false;                  // allow other users' processes (root only)
  bool containers = false;                 // containers instead of processes
  std::optional<std::string> container_label;  // KEY=VALUE
  bool remove = false;                     // containers: remove after stopping
  bool creator_gone = false;               // containers: only those whose creating client was seen and has exited
  std::chrono::milliseconds grace{5000};   // SIGTERM → SIGKILL; the container stop timeout
  std::optional<std::string> rule;         // proctrail guard: the policy rule acting (in the run's selectors and each target's why)
  std::optional<std::vector<ProcessKey>> chosen;  // the caller chose these identities itself (guard): only they, AND the rest

  bool narrows() const;
  // The verdicts `verdicts` may name.
  static const std::vector<std::string>& known_verdicts();
  std::string to_json() const;
};

struct CleanupTarget {
  std::string kind = "process";             // process or container
  ProcessKey key;                           // process identity (container: init pid, start 0)
  std::string start_time;                   // UTC
  int64_t age_s = 0;
  int64_t rss_kb = 0;
  std::optional<int64_t> frees_kb;          // USS + swap (smaps_rollup) as last measured: what ending it frees; nullopt if never measured
  std::optional<std::string> verdict;       // its leak verdict at the evidence snapshot, if any
  std::optional<uid_t> uid;
  pid_t ppid = 0;
  std::string argv;                         // container: image and command
  std::string container_id;                 // containers only
  std::string container_state;              // containers only
  std::string why;                          // which selectors chose it
  std::optional<std::string> protection;    // set: shown in the plan, never acted on
  int depth = 0;                            // --tree: distance below a selected target
};

// A target's final action. (A signalled target's intent row, written before its signal, is in the
// trail only: view cleanup_outcomes pairs the two.)
struct CleanupAction {
  CleanupTarget target;
  std::string signal;   // TERM, TERM+KILL, stop, stop+remove, none
  std::string outcome;  // exited, killed, identity-mismatch, permission-denied, still-running, zombie, gone,
                        // stopped, removed, failed, protected, interrupted
  std::string detail;
};

struct CleanupReport {
  int64_t run_id = 0;
  int64_t evidence_snapshot_id = 0;
  std::string evidence_hash_hex;
  int64_t evidence_committed_us = 0;        // wall clock just after the evidence commit
  std::vector<CleanupTarget> plan;          // in action order (children before parents)
  std::vector<CleanupAction> actions;
  std::optional<int64_t> after_snapshot_id;  // none when the run was interrupted
  int64_t survivors = 0;
  int interrupted_by = 0;                   // the signal (SIGINT, SIGTERM) that stopped execute early; 0 if none
};

struct CleanerOptions {
  const DockerCollector* docker = nullptr;    // needed for --containers
  std::filesystem::path proc_root = "/proc";  // where a target's start time is re-read before it is signalled
  // While execute runs, these signals stop it early instead of ending the process (their handlers
  // are replaced, then restored): no new target is signalled, no SIGKILL follows the grace, each
  // outcome known is recorded and the run is finished as interrupted. Empty: handlers left alone.
  std::vector<int> interrupt_signals = {SIGINT, SIGTERM};
};

// A committed cleanup-evidence snapshot and when the cleanup that took it began (anything started
// after that is protected). One evidence may serve several plans (proctrail guard: one per rule).
struct CleanupEvidence {
  SnapshotSummary snapshot;
  int64_t began_us = 0;            // wall clock before the snapshot
  int64_t began_boottime_ns = 0;   // CLOCK_BOOTTIME before the snapshot
  int64_t committed_us = 0;        // wall clock just after its commit
};

class Cleaner {
 public:
  Cleaner(Store& store, Recorder& recorder, const DockerCollector* docker = nullptr, Logger logger = nullptr);
  Cleaner(Store& store, Recorder& recorder, CleanerOptions options, Logger logger = nullptr);

  // Takes and commits the cleanup-evidence snapshot, then chooses targets from it and marks the
  // protected ones. Records the run (dry_run until execute). Nothing is signalled.
  Result<CleanupReport> plan(const CleanupSelectors& selectors, const std::string& own_argv);
  // plan()'s two halves: the evidence snapshot (measuring the memory of what `memory_match` names),
  // and a plan chosen from it, recorded as a run of its own.
  Result<CleanupEvidence> take_evidence(std::optional<std::string> memory_match, std::string trigger = "cleanup-evidence");
  Result<CleanupReport> plan_from(const CleanupEvidence& evidence, const CleanupSelectors& selectors, const std::string& own_argv);

  // Acts on every unprotected target of `report.plan`: commits a target's intent row before its
  // first signal and its outcome row as the outcome becomes known, then takes the cleanup-after
  // snapshot and counts survivors. If an audit row cannot be written, nothing more is signalled and
  // the error is returned. Interrupted (CleanerOptions::interrupt_signals), it signals no more,
  // records what it knows, finishes the run as interrupted and returns the report with
  // interrupted_by set (and no cleanup-after snapshot).
  Result<CleanupReport> execute(CleanupReport report, const CleanupSelectors& selectors);

  // Called after the plan and before the first signal (tests use it to exercise PID reuse).
  std::function<void(const CleanupReport&)> before_signals;
  // Called once the cleanup has begun, before the evidence snapshot (tests start a latecomer there).
  std::function<void()> after_begin;

 private:
  Store& store_;
  Recorder& recorder_;
  CleanerOptions options_;
  Logger logger_;
};

// Writes the evidence file for a plan: the targets, their descriptors and peers, their parents, and
// the evidence snapshot's id and hash, as one JSON document.
Status write_evidence_file(const std::filesystem::path& trail, const CleanupReport& report, const std::filesystem::path& out);

}  // namespace proctrail
