#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace SQLite {
class Database;
}

namespace proctrail::digest {

// SHA-256 over the snapshot's prev_hash and canonical content, read back from the database
// (the store and `verify` both call this, so they cannot disagree). 32 raw bytes.
std::string snapshot_hash(SQLite::Database& db, int64_t snapshot_id);

// SHA-256 over one cleanup action row, its prev_hash included (the audit trail's chain). 32 raw bytes.
std::string action_hash(SQLite::Database& db, int64_t action_id);

// SHA-256 over one cleanup run's prev_hash and the columns fixed when it began (the runs' chain).
std::string cleanup_run_hash(SQLite::Database& db, int64_t run_id);
// SHA-256 over one cleanup run's hash and the columns set after it began, as they stand (its seal).
std::string cleanup_run_end_hash(SQLite::Database& db, int64_t run_id);

// SHA-256 over one event batch: its row (prev_hash included) and its events in order. 32 raw bytes.
std::string event_batch_hash(SQLite::Database& db, int64_t batch_id);

// SHA-256 over one prune record: its row (prev_hash included), the snapshots it changed (with the
// hash of what it left of each) and
// the event batch ranges it deleted. 32 raw bytes.
std::string prune_hash(SQLite::Database& db, int64_t prune_id);

std::string to_hex(const std::string& bytes);

}  // namespace proctrail::digest
