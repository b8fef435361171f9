#pragma once
// Writes the cleanup audit trail: the cleanup_runs row of a run and its hash-chained actions. Each
// function runs in the caller's transaction (Store's cleanup methods) and throws SQLite::Exception.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proctrail/model.hpp"

namespace SQLite {
class Database;
}

namespace proctrail::detail {

// The run's row id; nullopt when the evidence snapshot does not exist (nothing is written).
std::optional<int64_t> insert_cleanup_run(SQLite::Database& db, const CleanupRunStart& run);

// Migration 017: links and seals the runs recorded before it (hash NULL), as they stand.
void seal_unsealed_cleanup_runs(SQLite::Database& db);

// Returns whether the run exists.
bool set_cleanup_run_live(SQLite::Database& db, int64_t run_id);

// Appends `row`, chained to the newest action by prev_hash, and seals it with digest::action_hash.
// Returns its action_id.
int64_t append_cleanup_action(SQLite::Database& db, int64_t run_id, int64_t evidence_snapshot_id, const CleanupAuditRow& row);

// Returns whether the run exists.
bool close_cleanup_run(SQLite::Database& db, int64_t run_id, const CleanupRunEnd& end);

// A run that acted (dry_run = 0), has not ended and was not closed by a later open: its process
// either still works on it or died. The process as recorded, to ask which.
struct UnfinishedRun {
  int64_t run_id = 0;
  pid_t pid = 0;
  std::optional<uint64_t> start_ticks;  // NULL for runs recorded before migration 016
  std::string boot_id;                  // the run's host (its evidence snapshot's boot)
  std::string machine_id;
};
std::vector<UnfinishedRun> unfinished_cleanup_runs(SQLite::Database& db);

// Closes a run whose process died: appends, chained, an 'interrupted' row for each of its intents
// without an outcome (naming the intent; `detail` says why), and marks the run interrupted = 'died',
// recovered_at_us = now_us. Returns the rows appended; nullopt when the run was closed meanwhile
// (nothing written).
std::optional<int64_t> close_died_cleanup_run(SQLite::Database& db, int64_t run_id, int64_t now_us, const std::string& detail);

}  // namespace proctrail::detail
