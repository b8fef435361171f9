#pragma once
// The SQLite trail. See the design notes at the top of recorder/store/store.cpp. The data its API
// takes and returns is in model.hpp.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>
#include <optional>
#include <span>
#include <string>

#include "proctrail/clock.hpp"
#include "proctrail/logging.hpp"
#include "proctrail/model.hpp"
#include "proctrail/process.hpp"
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
  // The write-ahead log is truncated to this size when it is reset: a long reader makes it grow, and
  // without a limit that space stayed on disk after the reader had gone (PRAGMA journal_size_limit).
  int64_t wal_size_limit_bytes = int64_t{64} << 20;
  // The time a request is stamped with when it carries none, and the coalescing decision's "now".
  Clock clock = Clock::system();
};

class Store {
 public:
  // Called under the write lock with what the trail remembers of the last descriptor reads.
  using Collect = std::function<Result<ProcessTable>(const CollectHints&)>;

  // Opens (creating if absent) and migrates. A file that is not a proctrail database, or one
  // written by a newer proctrail, is refused and left untouched. Then closes the cleanup runs whose
  // process died mid-run (close_died_cleanup_runs); a failure there is logged, not returned.
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
  // One snapshot's stored hash, hex (verify --expect-head); not_found when the trail lacks it.
  Result<std::string> snapshot_hash_hex(int64_t snapshot_id);

  // Deletes closed entities, their change rows and event batches from before options.cut_us, except
  // what protected snapshots (cleanup evidence, exec, import, tagged with keep_tagged) hold, in one
  // write transaction, and records the prune (recorder/store/prune.cpp). Nothing to delete: a report with
  // prune_id 0 and nothing written. A dry run counts in a read transaction and writes nothing.
  Result<PruneReport> prune(const PruneOptions& options);

  // VACUUM, then a WAL checkpoint, so the file shrinks. Needs free space about the database's size.
  Result<VacuumReport> vacuum();

  // The cleanup audit trail (tables cleanup_runs, cleanup_actions), as cleanup/cleanup.cpp drives it.
  // Records a run, as a dry run, on the evidence snapshot's host; returns its run_id.
  Result<int64_t> begin_cleanup_run(const CleanupRunStart& run);
  // The run is about to act: it is no longer a dry run.
  Status mark_cleanup_run_live(int64_t run_id);
  // Appends one action, hash-chained to the action before it, in its own transaction, so a crash
  // mid-cleanup keeps every action already recorded; returns its action_id. An intent (outcome
  // "signalling") is committed before its target is signalled; the outcome row names it.
  Result<int64_t> record_cleanup_action(int64_t run_id, int64_t evidence_snapshot_id, const CleanupAuditRow& row);
  // When it ended, its cleanup-after snapshot, and how many targets it recorded and left running.
  Status finish_cleanup_run(int64_t run_id, const CleanupRunEnd& end);
  // Closes every run that acted and never finished whose process is gone (same boot: its pid is free
  // or another process's, or a zombie; same machine, another boot: it rebooted since): each intent it
  // left unresolved gets a chained 'interrupted' row and the run is marked interrupted = 'died'. A run
  // whose process may still run, or that another machine recorded, is left alone. open() calls it;
  // returns the runs closed.
  Result<int64_t> close_died_cleanup_runs();

  int schema_version();
  const std::filesystem::path& path() const { return path_; }
  SQLite::Database& database();  // for read-only questions and tests; every write goes through the methods above

 private:
  Store(std::filesystem::path path, std::unique_ptr<SQLite::Database> db, StoreOptions options, Logger logger);
  // TRAIL.head: a line "KIND ID HASH", the anchor verify checks truncation against; nothing for id 0.
  void append_head(const char* kind, int64_t id, const std::string& hash_hex);

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> db_;
  StoreOptions options_;
  Logger logger_;
  std::unique_ptr<detail::EventWriterState> events_;
  std::vector<std::string> repairs_;  // what opening had to repair (planted triggers, changed views): verify reports it
};

}  // namespace proctrail
