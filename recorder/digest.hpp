#pragma once
#include <cstdint>
#include <string>

namespace SQLite {
class Database;
}

namespace proctrail::digest {

// SHA-256 over the snapshot's prev_hash and canonical content, read back from the database
// (the store and `verify` both call this, so they cannot disagree). 32 raw bytes.
std::string snapshot_hash(SQLite::Database& db, int64_t snapshot_id);

std::string to_hex(const std::string& bytes);

}  // namespace proctrail::digest
