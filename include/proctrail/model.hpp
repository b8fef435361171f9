#pragma once
// The plain data the store's API takes and returns: requests, summaries and the rows of the
// trail's tables, with no behaviour beyond small accessors. The headers that parse or produce them
// (events.hpp, hook.hpp, import.hpp, leak_guard.hpp, prune.hpp) include this one.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proctrail/process.hpp"

namespace proctrail {

// ---- snapshots --------------------------------------------------------------------------------

// What a hook caller (Claude Code and the like) said about itself; parse_hook_payload (hook.hpp).
struct HookPayload {
  std::optional<std::string> event;            // hook_event_name
  std::optional<std::string> session_id;       // session_id
  std::optional<std::string> cwd;              // cwd
  std::optional<std::string> transcript_path;  // transcript_path
  std::optional<std::string> reason;           // source (SessionStart) or reason (SessionEnd)
  std::optional<std::string> error;            // why the payload could not be used; nullopt if fine
  std::optional<ProcessKey> client;            // the hook's nearest ancestor that is not a shell (find_hook_client)
};

// What a snapshot is asked for; the collection itself comes from a callback.
struct SnapshotRequest {
  std::string trigger = "manual";  // manual, hook, timer, event, exec-before, exec-after, cleanup-*
  std::optional<std::string> tag;
  HookPayload hook;
  int64_t requested_at_us = 0;        // wall clock of the request (0: now, by StoreOptions::clock)
  int64_t requested_boottime_ns = 0;  // CLOCK_BOOTTIME of the request (0: now, by StoreOptions::clock)
  pid_t collector_pid = 0;            // the recording process (0: this one)
  std::vector<ProcessKey> memory_targets;  // read these processes' smaps_rollup first (cleanup targets)
  std::optional<std::string> memory_match;  // and those whose argv matches this regex (cleanup --match)
};

struct SnapshotSummary {
  int64_t snapshot_id = 0;
  int64_t seen = 0;
  int64_t created = 0;   // process rows first seen
  int64_t gone = 0;      // process rows closed
  int64_t changed = 0;   // change rows written
  int64_t vanished = 0;
  int64_t parse_errors = 0;
  std::optional<int64_t> coalesced_with;
  std::string hash_hex;
  int64_t fds_seen = 0;                 // descriptors present (0 when not collected)
  int64_t fds_new = 0;
  int64_t fds_gone = 0;
  std::optional<int64_t> sockets_seen;  // nullopt: sockets not collected
  std::string sockets_source;           // sock_diag, proc-net, or why none
  std::optional<int64_t> containers_seen;  // nullopt: the engine was not asked, or could not be
  std::string containers_source;           // "docker unix:///path", "unavailable: why", or empty (not asked)
};

// ---- process events (events.hpp reads them from the kernel) -------------------------------------

enum class EventKind { fork, exec, exit, uid, sid, comm, coredump, gap };

// A recorded event (a row of the events table).
struct ProcEvent {
  EventKind kind = EventKind::fork;
  int64_t at_us = 0;                       // wall clock, unix µs
  pid_t pid = 0;                           // the process (tgid); 0 for a gap
  std::optional<uint64_t> start_ticks;     // (22) starttime: with pid, the identity
  bool start_estimated = false;            // start_ticks from the fork's timestamp: the process was gone before /proc could be read
  pid_t ppid = 0;                          // fork: the parent; exit: the parent at exit; else the parent when read
  std::optional<uint64_t> parent_start_ticks;
  std::optional<std::string> argv;         // exec (and fork): /proc/PID/cmdline, shell-quoted
  std::optional<std::string> comm;         // comm: the new name
  std::optional<int64_t> uid, euid;        // uid: the new ids
  std::optional<int64_t> sid;              // sid: the new session (= pid)
  std::optional<int64_t> exit_code;        // exit: WEXITSTATUS when it exited normally
  std::optional<int64_t> exit_signal;      // exit: the signal that ended it
  std::string detail;                      // gap: what was lost
};

struct EventBatchSummary {
  int64_t batch_id = 0;  // 0: nothing written
  int64_t events = 0;
  int64_t gaps = 0;
};

// ---- imports (import.hpp parses them) -----------------------------------------------------------

// One process as ps or lsof printed it.
struct ImportedProcess {
  pid_t pid = 0;
  std::optional<pid_t> ppid;
  std::optional<pid_t> pgid;
  std::optional<pid_t> sid;
  std::optional<uid_t> uid;               // a numeric UID column (or lsof's u)
  std::optional<std::string> user;        // a user name as printed (USER, or a UID column printing names)
  std::optional<std::string> state;       // first letter of STAT/S (R S D Z T I U ...)
  std::optional<std::string> comm;        // COMM/UCOMM column, or lsof's c
  std::optional<std::string> command;     // COMMAND/ARGS/CMD text verbatim (argument boundaries are lost)
  std::optional<int64_t> threads;         // NLWP/THCNT
  std::optional<int64_t> rss_kb;          // RSS, KiB
  std::optional<int64_t> vsz_kb;          // VSZ, KiB
  std::optional<int64_t> cpu_ticks;       // TIME: user + system CPU, 1/100 s
  std::optional<int64_t> start_time_us;   // start, or the start of the interval it lies in (unix µs, UTC)
  std::optional<int64_t> start_precision_s;  // width of that interval: 1 (lstart, etime), 60, 3600, 86400, a year
  std::optional<std::string> cwd;         // lsof's cwd
  std::vector<FdSample> fds;              // lsof's numbered descriptors
};

// A line that was not taken, and why.
struct SkippedLine {
  int64_t line_number = 0;  // 1-based line of the source file
  std::string reason;
  std::string text;         // the line, truncated to kSkippedTextMax bytes
};
inline constexpr size_t kSkippedTextMax = 200;

struct ImportedTable {
  std::string format;                      // "ps aux (procps)", "ps aux (macOS)", "ps -ef", "ps -eo pid,…", "lsof -F"
  std::vector<ImportedProcess> processes;  // in source order, one per pid
  std::vector<SkippedLine> skipped;
  int64_t lines_read = 0;                  // non-blank lines after the header (ps) or field lines (lsof)
  int64_t lines_taken = 0;                 // lines_read minus the skipped ones
  std::vector<SocketSample> sockets;       // lsof: sockets with a known inode, one per inode
  int64_t fds_not_numbered = 0;            // lsof: txt, mem, rtd, ... entries (cwd goes to the process)
  int64_t thread_repeats = 0;              // lsof: sets repeating a listed process for one of its threads (folded, taken)
};

// Where an imported table came from (`proctrail import`): the imports row of its snapshot.
struct ImportSource {
  std::string source;                   // ps or lsof
  std::string file_name;                // as given ("-" for stdin)
  std::string file_sha256;              // hex; the import's host is boot_id "import:" + this
  int64_t file_bytes = 0;
  int64_t taken_at_us = 0;              // when the output was captured
  std::string taken_at_source;          // --taken-at or mtime
  std::optional<int64_t> utc_offset_s;  // ps: the offset its local times were read at (parse_ps); nullopt for lsof
  std::optional<std::string> host_name; // --host; default: file_name
  std::optional<std::string> tag;       // --tag
};

struct ImportSummary {
  int64_t snapshot_id = 0;
  int64_t processes = 0;
  int64_t fds = 0;                      // descriptors written (lsof)
  std::optional<int64_t> sockets;       // sockets written (lsof); nullopt for ps
  std::string hash_hex;
};

// ---- exec runs and their leaks (leak_guard.hpp finds them) ---------------------------------------

struct LeakedProcess {
  ProcessKey key;
  pid_t ppid = 0;
  pid_t sid = 0;
  std::string argv;          // shell-quoted; "[comm]" when cmdline is empty
  int64_t age_ms = 0;
  int64_t rss_kb = 0;
  std::string escape;        // how it got away: see classify_escape
  std::string found_by;      // tree, marker, events (the first that found it)
};

struct LeakedContainer {
  std::string id;
  std::string name;
  std::string image;
  std::string state;
  int64_t created_at_us = 0;
  std::string found_by;  // label (proctrail.run = the run id) or time (created during the run)
};

struct LeakReport {
  std::vector<LeakedProcess> processes;
  std::vector<LeakedContainer> containers;
  std::string containers_source;  // where containers were looked for, or why not
  bool empty() const { return processes.empty() && containers.empty(); }
};

// One `proctrail exec` run and what it left behind (tables exec_runs, exec_leaks).
struct ExecRunRecord {
  std::string marker;
  std::string argv;
  std::optional<std::string> tag;
  int64_t started_at_us = 0;
  int64_t ended_at_us = 0;
  std::optional<int64_t> before_snapshot_id, after_snapshot_id;
  int exit_code = 0;
  std::string events;  // "recorded" or why not
  LeakReport leaks;
};

// ---- cleanup runs and their audit trail (cleanup.hpp drives them) --------------------------------

// A cleanup run as it begins (table cleanup_runs): recorded as a dry run until it is marked live.
struct CleanupRunStart {
  int64_t evidence_snapshot_id = 0;  // the run belongs to this snapshot's host
  int64_t started_at_us = 0;
  uid_t uid = 0;                     // who ran it (real uid)
  pid_t pid = 0;                     // the cleanup process
  std::optional<uint64_t> start_ticks;  // its (22) starttime: with pid, its identity (a later open checks it)
  std::string argv;                  // its command line
  std::string selectors;             // the selectors as given, a JSON object
};

// One action on one target (table cleanup_actions). The store chains it to the row before it. A
// signalled target has two: its intent (outcome "signalling"), committed before the first signal,
// and its outcome, whose intent_action_id names the intent.
struct CleanupAuditRow {
  int64_t at_us = 0;                        // when the outcome was known (an intent: when it was about to be signalled)
  uid_t uid = 0;                            // who ran the cleanup
  std::string target_kind;                  // process or container
  std::optional<pid_t> pid;                 // container: its init pid, if running
  std::optional<uint64_t> start_ticks;      // processes only
  std::optional<std::string> container_id;  // containers only
  std::string argv;
  std::string selector;                     // why it was selected
  std::string signal;                       // TERM, TERM+KILL, stop, stop+remove, none
  std::string outcome;                      // signalling (an intent), exited, killed, interrupted, ...
  std::optional<std::string> detail;
  std::optional<int64_t> intent_action_id;  // an outcome row: the action_id of its intent row
};

struct CleanupRunEnd {
  int64_t ended_at_us = 0;
  std::optional<int64_t> after_snapshot_id;
  int64_t targets = 0;    // audit rows written
  int64_t survivors = 0;
  std::optional<std::string> interrupted;  // SIGINT or SIGTERM: the run stopped early, after recording what it knew
};

// ---- verify, prune, vacuum ---------------------------------------------------------------------

struct VerifyReport {
  int64_t snapshots_checked = 0;
  int64_t snapshots_link_only = 0;            // of which pruned: linked by their stored hash (trusted), what is left checked against the prune's record
  int64_t prunes_checked = 0;                 // prune records (their own chain)
  std::optional<int64_t> first_bad_prune;     // nullopt: the prune chain and its anchors are intact
  std::string prune_problem;
  std::optional<int64_t> first_bad_snapshot;  // nullopt: the chain is intact
  std::string problem;                        // what is wrong with first_bad_snapshot
  int64_t event_batches_checked = 0;          // event batches (watch --events)
  std::optional<int64_t> first_bad_batch;     // nullopt: the event chain is intact
  std::string batch_problem;
  int64_t actions_checked = 0;                // cleanup audit rows
  std::optional<int64_t> first_bad_action;    // nullopt: the audit chain is intact
  std::string action_problem;
  int64_t runs_checked = 0;                   // cleanup runs (their own chain, 017)
  std::optional<int64_t> first_bad_run;       // nullopt: the runs' chain and their seals are intact
  std::string run_problem;
  std::optional<std::string> spawn_counts_problem;  // nullopt: spawn_counts agrees with the processes it summarises
  std::optional<std::string> schema_problem;  // nullopt: tables, indexes, triggers and views are exactly proctrail's
  std::optional<std::string> head_problem;    // nullopt: the trail still ends where its head log (TRAIL.head) says
  int64_t head_snapshot_id = 0;               // the newest snapshot: the head to keep for verify --expect-head
  std::string head_hash_hex;                  // its stored hash, hex; empty when the trail has no snapshot
  bool intact() const {
    return !first_bad_prune && !first_bad_snapshot && !first_bad_batch && !first_bad_action && !first_bad_run &&
           !spawn_counts_problem && !schema_problem && !head_problem;
  }
};

// Retention: Store::prune drops whole old ranges of the trail (see the notes in recorder/store/prune.cpp).
struct PruneOptions {
  int64_t cut_us = 0;        // unix µs: content of snapshots started before it is old
  bool keep_tagged = false;  // protect every tagged snapshot too
  bool dry_run = false;      // count what would go; write nothing
};

// Rows deleted (or, in a dry run, that would be) from one table.
struct PrunedTable {
  std::string table;
  int64_t rows = 0;
};

struct PruneReport {
  int64_t prune_id = 0;  // the prunes row; 0 for a dry run or when there was nothing to prune
  int64_t cut_us = 0;
  std::vector<PrunedTable> deleted;   // every table prune deletes from, in a fixed order, zeros included
  int64_t ancestors_kept = 0;         // closed processes before the cut kept as ancestors of kept ones
  int64_t spawn_counts_rekeyed = 0;   // spawn_counts rows moved to minus the pruned parent's pid
  int64_t protected_snapshots = 0;    // snapshots before the cut whose entities were kept
  int64_t snapshots_affected = 0;     // snapshots whose content changed: verify checks their link only
  std::optional<int64_t> first_snapshot_id, last_snapshot_id;  // the range they span
  int64_t rows_deleted() const;
  bool nothing_to_prune() const { return rows_deleted() == 0; }
  int64_t rows(const std::string& table) const;
};

struct VacuumReport {
  int64_t bytes_before = 0;  // database size before VACUUM (pages × page size)
  int64_t bytes_after = 0;
  int64_t bytes_freed() const { return bytes_before - bytes_after; }
};

}  // namespace proctrail
