#include "recorder/store/spawn_ledger.hpp"

#include <vector>

#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {

std::optional<std::string> spawn_counts_problem(SQLite::Database& db) {
  // The writers' key (process_writer.cpp, spawn_parent_key): the parent's row, else 0 for a process
  // found inherited, else minus the parent's pid; a prune moves a pruned parent's counts to minus its pid.
  SQLite::Statement query(db,
      "WITH checked AS (SELECT host_id FROM hosts"
      "                  WHERE host_id NOT IN (SELECT host_id FROM event_batches)"
      "                    AND host_id NOT IN (SELECT s.host_id FROM imports i JOIN snapshots s USING (snapshot_id))),"
      " rebuilt AS (SELECT p.host_id, p.start_time_us / 60000000 AS start_minute,"
      "               COALESCE(p.parent_process_id, CASE WHEN p.inherited_by IS NOT NULL THEN 0 END,"
      "                        -COALESCE(p.parent_pid, p.ppid)) AS parent_key,"
      "               COALESCE(p.argv, '') AS argv, count(*) AS spawned"
      "          FROM processes p WHERE p.is_kernel_thread = 0 AND p.host_id IN checked GROUP BY 1, 2, 3, 4),"
      " stored AS (SELECT * FROM spawn_counts WHERE host_id IN checked),"
      " cut AS (SELECT COALESCE(max(cut_us), 0) / 60000000 AS minute FROM prunes),"
      " compared AS (SELECT s.host_id, s.start_minute, s.parent_key, s.argv, s.spawned AS stored, COALESCE(r.spawned, 0) AS rebuilt"
      "                FROM stored s LEFT JOIN rebuilt r USING (host_id, start_minute, parent_key, argv)"
      "              UNION ALL"
      "              SELECT r.host_id, r.start_minute, r.parent_key, r.argv, 0, r.spawned FROM rebuilt r"
      "               WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.host_id = r.host_id AND s.start_minute = r.start_minute"
      "                                   AND s.parent_key = r.parent_key AND s.argv = r.argv))"
      " SELECT start_minute, parent_key, argv, stored, rebuilt FROM compared"
      "  WHERE CASE WHEN start_minute <= (SELECT minute FROM cut) THEN stored < rebuilt ELSE stored != rebuilt END"
      "  ORDER BY host_id, start_minute, parent_key, argv LIMIT 1");
  if (!query.executeStep()) return std::nullopt;
  return "spawn_counts says " + std::to_string(query.getColumn(3).getInt64()) + " started in minute " +
         std::to_string(query.getColumn(0).getInt64()) + " under parent key " + std::to_string(query.getColumn(1).getInt64()) +
         " with argv '" + query.getColumn(2).getString() + "', but the processes table has " +
         std::to_string(query.getColumn(4).getInt64()) + " (spawn_counts was edited; spawn-rate would misreport)";
}

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

void SpawnLedger::add_later(int64_t start_minute, int64_t parent_key, const std::string& argv) {
  ++pending_[PendingKey{start_minute, parent_key, argv}];
}

void SpawnLedger::flush() {
  for (const auto& [key, spawned] : pending_) add(key.start_minute, key.parent_key, key.argv, spawned);
  pending_.clear();
}

void SpawnLedger::adopt(pid_t pid, int64_t from_minute, int64_t parent_row) {
  flush();  // what it moves may have been added by this snapshot
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
