// Writes the cleanup audit trail. Invariants:
//  - A run is recorded as a dry run (dry_run = 1) when it is planned and marked live just before its
//    first action, so a plan that never acts is told apart from one that did.
//  - Actions form a chain of their own: each row's prev_hash is the newest action's hash (NULL for the
//    first) and its hash (digest::action_hash) covers that and its own columns, read back from the
//    database; Store::verify walks it.
#include "recorder/store/cleanup_writer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "recorder/store/digest.hpp"
#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {

std::optional<int64_t> insert_cleanup_run(SQLite::Database& db, const CleanupRunStart& run) {
  SQLite::Statement insert(db,
      "INSERT INTO cleanup_runs (host_id, started_at_us, uid, pid, argv, selectors, dry_run, evidence_snapshot_id)"
      " SELECT host_id, ?1, ?2, ?3, ?4, ?5, 1, snapshot_id FROM snapshots WHERE snapshot_id = ?6");
  insert.bind(1, run.started_at_us);
  insert.bind(2, static_cast<int64_t>(run.uid));
  insert.bind(3, run.pid);
  insert.bind(4, run.argv);
  insert.bind(5, run.selectors);
  insert.bind(6, run.evidence_snapshot_id);
  if (insert.exec() == 0) return std::nullopt;
  return db.getLastInsertRowid();
}

bool set_cleanup_run_live(SQLite::Database& db, int64_t run_id) {
  SQLite::Statement live(db, "UPDATE cleanup_runs SET dry_run = 0 WHERE run_id = ?1");
  live.bind(1, run_id);
  return live.exec() > 0;
}

void append_cleanup_action(SQLite::Database& db, int64_t run_id, int64_t evidence_snapshot_id, const CleanupAuditRow& row) {
  const std::optional<std::string> prev = last_chain_hash(db, "cleanup_actions", "action_id");
  SQLite::Statement insert(db,
      "INSERT INTO cleanup_actions (run_id, at_us, uid, evidence_snapshot_id, target_kind, pid, start_ticks, container_id,"
      " argv, selector, signal, outcome, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, x'')");
  insert.bind(1, run_id);
  insert.bind(2, row.at_us);
  insert.bind(3, static_cast<int64_t>(row.uid));
  insert.bind(4, evidence_snapshot_id);
  insert.bind(5, row.target_kind);
  bind_optional(insert, 6, row.pid);
  bind_optional(insert, 7, row.start_ticks);
  bind_optional(insert, 8, row.container_id);
  insert.bind(9, row.argv);
  insert.bind(10, row.selector);
  insert.bind(11, row.signal);
  insert.bind(12, row.outcome);
  bind_optional(insert, 13, row.detail);
  if (prev) insert.bind(14, prev->data(), static_cast<int>(prev->size()));
  insert.exec();
  const int64_t id = db.getLastInsertRowid();
  const std::string hash = digest::action_hash(db, id);
  SQLite::Statement seal(db, "UPDATE cleanup_actions SET hash = ?1 WHERE action_id = ?2");
  seal.bind(1, hash.data(), static_cast<int>(hash.size()));
  seal.bind(2, id);
  seal.exec();
}

bool close_cleanup_run(SQLite::Database& db, int64_t run_id, const CleanupRunEnd& end) {
  SQLite::Statement finish(db,
      "UPDATE cleanup_runs SET ended_at_us = ?1, after_snapshot_id = ?2, targets = ?3, survivors = ?4 WHERE run_id = ?5");
  finish.bind(1, end.ended_at_us);
  bind_optional(finish, 2, end.after_snapshot_id);
  finish.bind(3, end.targets);
  finish.bind(4, end.survivors);
  finish.bind(5, run_id);
  return finish.exec() > 0;
}

}  // namespace proctrail::detail
