#include "recorder/store/spawn_ledger.hpp"

#include <vector>

#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {

SpawnLedger::SpawnLedger(SQLite::Database& db, int64_t host_id)
    : host_id_(host_id),
      find_process_(db, "SELECT process_id FROM processes WHERE host_id = ?1 AND pid = ?2 AND start_ticks = ?3"),
      count_(db,
          "INSERT INTO spawn_counts (host_id, start_minute, parent_key, argv, spawned) VALUES (?1, ?2, ?3, ?4, ?5)"
          " ON CONFLICT DO UPDATE SET spawned = spawned + excluded.spawned"),
      drop_empty_(db,
          "DELETE FROM spawn_counts WHERE host_id = ?1 AND start_minute = ?2 AND parent_key = ?3 AND argv = ?4"
          " AND spawned <= 0"),
      find_orphaned_(db,
          "SELECT start_minute, argv, spawned FROM spawn_counts"
          " WHERE host_id = ?1 AND parent_key = ?2 AND start_minute >= ?3"),
      drop_moved_(db, "DELETE FROM spawn_counts WHERE host_id = ?1 AND parent_key = ?2 AND start_minute >= ?3") {}

std::optional<int64_t> SpawnLedger::process_row(const ProcessKey& key) {
  find_process_.reset();
  SQLite::bind(find_process_, host_id_, static_cast<int64_t>(key.pid), static_cast<int64_t>(key.start_ticks));
  if (!find_process_.executeStep()) return std::nullopt;
  return find_process_.getColumn(0).getInt64();
}

void SpawnLedger::add(int64_t start_minute, int64_t parent_key, const std::string& argv, int64_t delta) {
  exec_with(count_, host_id_, start_minute, parent_key, argv, delta);
  if (delta < 0) exec_with(drop_empty_, host_id_, start_minute, parent_key, argv);
}

void SpawnLedger::adopt(pid_t pid, int64_t from_minute, int64_t parent_row) {
  const int64_t pid_key = -static_cast<int64_t>(pid);
  struct Moved {
    int64_t start_minute;
    std::string argv;
    int64_t spawned;
  };
  std::vector<Moved> moved;
  find_orphaned_.reset();
  SQLite::bind(find_orphaned_, host_id_, pid_key, from_minute);
  while (find_orphaned_.executeStep()) {
    moved.push_back({find_orphaned_.getColumn(0).getInt64(), find_orphaned_.getColumn(1).getString(),
                     find_orphaned_.getColumn(2).getInt64()});
  }
  if (moved.empty()) return;
  exec_with(drop_moved_, host_id_, pid_key, from_minute);
  for (const auto& row : moved) add(row.start_minute, parent_row, row.argv, row.spawned);
}

}  // namespace proctrail::detail
