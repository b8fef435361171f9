#pragma once
// The SQLite trail. See the design notes at the top of recorder/store/store.cpp.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "proctrail/clock.hpp"
#include "proctrail/events.hpp"
#include "proctrail/hook.hpp"
#include "proctrail/import.hpp"
#include "proctrail/leak_guard.hpp"
#include "proctrail/logging.hpp"
#include "proctrail/process.hpp"
#include "proctrail/prune.hpp"
#include "proctrail/result.hpp"

namespace SQLite {
class Database;
}

namespace proctrail {
namespace detail {
struct EventWriterState;
}

struct StoreOptions {
  std::chrono::milliseconds busy_timeout{10'000};  // how long a writer waits for another
  int64_t rss_change_min_kb = 1024;  // an RSS change row needs at least this many KiB of movement
  int64_t rss_change_percent = 10;   // ... and at least this share of the last recorded value
  // Descriptors of a process that has not run are carried over unread, except that one snapshot in
  // this interval re-reads everything (a shared fd table can change without its holder running).
  std::chrono::milliseconds full_fd_read_interval{600'000};
  // The time a request is stamped with when it carries none, and the coalescing decision's "now".
  Clock clock = Clock::system();
};

// What a snapshot is asked for; the collection itself comes from a callback.
struct SnapshotRequest {
  std::string trigger = "manual";  // manual, hook, timer, event, exec-before, exec-after, cleanup-*
  std::optional<std::string> tag;
  HookPayload hook;
  int64_t requested_at_us = 0;        // wall clock of the request (0: now, by StoreOptions::clock)
  int64_t requested_boottime_ns = 0;  // CLOCK_BOOTTIME of the request (0: now, by StoreOptions::clock)
  pid_t collector_pid = 0;            // the recording process (0: this one)
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

struct EventBatchSummary {
  int64_t batch_id = 0;  // 0: nothing written
  int64_t events = 0;
  int64_t gaps = 0;
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
  bool intact() const { return !first_bad_prune && !first_bad_snapshot && !first_bad_batch && !first_bad_action; }
};

class Store {
 public:
  // Called under the write lock with what the trail remembers of the last descriptor reads.
  using Collect = std::function<Result<ProcessTable>(const CollectHints&)>;

  // Opens (creating if absent) and migrates. A file that is not a proctrail database, or one
  // written by a newer proctrail, is refused and left untouched.
  static Result<Store> open(const std::filesystem::path& path, StoreOptions options = {}, Logger logger = nullptr);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // One snapshot in one write transaction. `collect` runs while the write lock is held, so snapshot
  // order is collection order; it is not called when the request is coalesced.
  Result<SnapshotSummary> record(const HostInfo& host, const SnapshotRequest& request, const Collect& collect);

  // Writes process events as one batch, in one transaction (an empty span writes nothing).
  Result<EventBatchSummary> record_events(const HostInfo& host, std::span<const ProcEvent> events);

  // Writes an exec run and its leaks in one transaction; returns the run's row id.
  Result<int64_t> record_exec_run(const HostInfo& host, const ExecRunRecord& run);

  // Writes an imported table as one snapshot (trigger 'import') of its own host row, in one
  // transaction. A file already imported (same SHA-256) is refused, naming its snapshot.
  Result<ImportSummary> record_import(const ImportedTable& table, const ImportSource& source);

  // Checks the prune records' chain, then every snapshot's link and (unless a prune changed its
  // content) its hash, then the event batch chain across pruned holes, then the cleanup audit chain.
  Result<VerifyReport> verify();

  // Deletes closed entities, their change rows and event batches from before options.cut_us, except
  // what protected snapshots (cleanup evidence, exec, import, tagged with keep_tagged) hold, in one
  // write transaction, and records the prune (recorder/store/prune.cpp). Nothing to delete: a report with
  // prune_id 0 and nothing written. A dry run counts in a read transaction and writes nothing.
  Result<PruneReport> prune(const PruneOptions& options);

  // VACUUM, then a WAL checkpoint, so the file shrinks. Needs free space about the database's size.
  Result<VacuumReport> vacuum();

  int schema_version();
  const std::filesystem::path& path() const { return path_; }
  SQLite::Database& database();  // for read-only questions and tests

 private:
  Store(std::filesystem::path path, std::unique_ptr<SQLite::Database> db, StoreOptions options, Logger logger);

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> db_;
  StoreOptions options_;
  Logger logger_;
  std::unique_ptr<detail::EventWriterState> events_;
};

}  // namespace proctrail
