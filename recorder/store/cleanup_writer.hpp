#pragma once
// Writes the cleanup audit trail: the cleanup_runs row of a run and its hash-chained actions. Each
// function runs in the caller's transaction (Store's cleanup methods) and throws SQLite::Exception.
#include <cstdint>
#include <optional>

#include "proctrail/model.hpp"

namespace SQLite {
class Database;
}

namespace proctrail::detail {

// The run's row id; nullopt when the evidence snapshot does not exist (nothing is written).
std::optional<int64_t> insert_cleanup_run(SQLite::Database& db, const CleanupRunStart& run);

// Returns whether the run exists.
bool set_cleanup_run_live(SQLite::Database& db, int64_t run_id);

// Appends `row`, chained to the newest action by prev_hash, and seals it with digest::action_hash.
void append_cleanup_action(SQLite::Database& db, int64_t run_id, int64_t evidence_snapshot_id, const CleanupAuditRow& row);

// Returns whether the run exists.
bool close_cleanup_run(SQLite::Database& db, int64_t run_id, const CleanupRunEnd& end);

}  // namespace proctrail::detail
