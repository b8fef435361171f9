// Writes the cleanup audit trail. Invariants:
//  - A run is recorded as a dry run (dry_run = 1) when it is planned and marked live just before its
//    first action, so a plan that never acts is told apart from one that did.
//  - Actions form a chain of their own: each row's prev_hash is the newest action's hash (NULL for the
//    first) and its hash (digest::action_hash) covers that and its own columns, read back from the
//    database; Store::verify walks it.
//  - Rows are only ever appended. A signalled target has an intent row (outcome 'signalling',
//    committed before the signal) and later an outcome row whose intent_action_id names it; a reader
//    pairs them by that column (view cleanup_outcomes). An intent is resolved once: by its run, or,
//    when the run's process died, by close_died_cleanup_run ('interrupted').
//  - Runs form a chain too (017): hash covers prev_hash and what is fixed at the start; every write
//    that sets a later column (live, end, died) reseals end_hash in the same transaction.
#include "recorder/store/cleanup_writer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "recorder/store/digest.hpp"
#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {
namespace {

// The intents of a run that no row resolves yet, as the rows that would resolve them (outcome unset).
std::vector<std::pair<int64_t, CleanupAuditRow>> unresolved_intents(SQLite::Database& db, int64_t run_id) {
  SQLite::Statement query(db,
      "SELECT i.action_id, i.evidence_snapshot_id, i.uid, i.target_kind, i.pid, i.start_ticks, i.container_id, i.argv,"
      " i.selector, i.signal FROM cleanup_actions i WHERE i.run_id = ?1 AND i.outcome = 'signalling'"
      " AND NOT EXISTS (SELECT 1 FROM cleanup_actions o WHERE o.intent_action_id = i.action_id) ORDER BY i.action_id");
  query.bind(1, run_id);
  std::vector<std::pair<int64_t, CleanupAuditRow>> intents;
  while (query.executeStep()) {
    CleanupAuditRow row;
    row.uid = static_cast<uid_t>(query.getColumn(2).getInt64());
    row.target_kind = query.getColumn(3).getString();
    row.pid = column_optional<pid_t>(query.getColumn(4));
    row.start_ticks = column_optional<uint64_t>(query.getColumn(5));
    row.container_id = column_optional<std::string>(query.getColumn(6));
    row.argv = query.getColumn(7).getString();
    row.selector = query.getColumn(8).getString();
    row.signal = query.getColumn(9).getString();
    row.intent_action_id = query.getColumn(0).getInt64();
    intents.emplace_back(query.getColumn(1).getInt64(), std::move(row));
  }
  return intents;
}

// Stores `hash` in one hash column ("hash" or "end_hash", never caller text) of a run.
void store_run_hash(SQLite::Database& db, int64_t run_id, const char* column, const std::string& hash) {
  SQLite::Statement seal(db, std::string("UPDATE cleanup_runs SET ") + column + " = ?1 WHERE run_id = ?2");
  seal.bind(1, hash.data(), static_cast<int>(hash.size()));
  seal.bind(2, run_id);
  seal.exec();
}

void seal_cleanup_run_end(SQLite::Database& db, int64_t run_id) {
  store_run_hash(db, run_id, "end_hash", digest::cleanup_run_end_hash(db, run_id));
}

void seal_cleanup_run(SQLite::Database& db, int64_t run_id) {
  store_run_hash(db, run_id, "hash", digest::cleanup_run_hash(db, run_id));
  seal_cleanup_run_end(db, run_id);
}

// Links a run to the run before it (prev_hash) and seals it: hash, then end_hash.
void chain_cleanup_run(SQLite::Database& db, int64_t run_id) {
  SQLite::Statement link(db,
      "UPDATE cleanup_runs SET prev_hash = (SELECT p.hash FROM cleanup_runs p WHERE p.run_id < ?1 ORDER BY p.run_id DESC LIMIT 1)"
      " WHERE run_id = ?1");
  link.bind(1, run_id);
  link.exec();
  seal_cleanup_run(db, run_id);
}

}  // namespace

void seal_unsealed_cleanup_runs(SQLite::Database& db) {
  std::vector<int64_t> runs;
  SQLite::Statement unsealed(db, "SELECT run_id FROM cleanup_runs WHERE hash IS NULL ORDER BY run_id");
  while (unsealed.executeStep()) runs.push_back(unsealed.getColumn(0).getInt64());
  for (int64_t run_id : runs) chain_cleanup_run(db, run_id);
}

std::optional<int64_t> insert_cleanup_run(SQLite::Database& db, const CleanupRunStart& run) {
  SQLite::Statement insert(db,
      "INSERT INTO cleanup_runs (host_id, started_at_us, uid, pid, start_ticks, argv, selectors, dry_run, evidence_snapshot_id)"
      " SELECT host_id, ?1, ?2, ?3, ?4, ?5, ?6, 1, snapshot_id FROM snapshots WHERE snapshot_id = ?7");
  insert.bind(1, run.started_at_us);
  insert.bind(2, static_cast<int64_t>(run.uid));
  insert.bind(3, run.pid);
  bind_optional(insert, 4, run.start_ticks);
  insert.bind(5, run.argv);
  insert.bind(6, run.selectors);
  insert.bind(7, run.evidence_snapshot_id);
  if (insert.exec() == 0) return std::nullopt;
  const int64_t run_id = db.getLastInsertRowid();
  chain_cleanup_run(db, run_id);
  return run_id;
}

bool set_cleanup_run_live(SQLite::Database& db, int64_t run_id) {
  SQLite::Statement live(db, "UPDATE cleanup_runs SET dry_run = 0 WHERE run_id = ?1");
  live.bind(1, run_id);
  if (live.exec() == 0) return false;
  seal_cleanup_run_end(db, run_id);
  return true;
}

int64_t append_cleanup_action(SQLite::Database& db, int64_t run_id, int64_t evidence_snapshot_id, const CleanupAuditRow& row) {
  const std::optional<std::string> prev = last_chain_hash(db, "cleanup_actions", "action_id");
  SQLite::Statement insert(db,
      "INSERT INTO cleanup_actions (run_id, at_us, uid, evidence_snapshot_id, target_kind, pid, start_ticks, container_id,"
      " argv, selector, signal, outcome, detail, intent_action_id, prev_hash, hash)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, x'')");
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
  bind_optional(insert, 14, row.intent_action_id);
  if (prev) insert.bind(15, prev->data(), static_cast<int>(prev->size()));
  insert.exec();
  const int64_t id = db.getLastInsertRowid();
  const std::string hash = digest::action_hash(db, id);
  SQLite::Statement seal(db, "UPDATE cleanup_actions SET hash = ?1 WHERE action_id = ?2");
  seal.bind(1, hash.data(), static_cast<int>(hash.size()));
  seal.bind(2, id);
  seal.exec();
  return id;
}

bool close_cleanup_run(SQLite::Database& db, int64_t run_id, const CleanupRunEnd& end) {
  SQLite::Statement finish(db,
      "UPDATE cleanup_runs SET ended_at_us = ?1, after_snapshot_id = ?2, targets = ?3, survivors = ?4, interrupted = ?5"
      " WHERE run_id = ?6");
  finish.bind(1, end.ended_at_us);
  bind_optional(finish, 2, end.after_snapshot_id);
  finish.bind(3, end.targets);
  finish.bind(4, end.survivors);
  bind_optional(finish, 5, end.interrupted);
  finish.bind(6, run_id);
  if (finish.exec() == 0) return false;
  seal_cleanup_run_end(db, run_id);
  return true;
}

std::vector<UnfinishedRun> unfinished_cleanup_runs(SQLite::Database& db) {
  SQLite::Statement query(db,
      "SELECT r.run_id, r.pid, r.start_ticks, h.boot_id, h.machine_id FROM cleanup_runs r JOIN hosts h USING (host_id)"
      " WHERE r.dry_run = 0 AND r.ended_at_us IS NULL AND r.interrupted IS NULL ORDER BY r.run_id");
  std::vector<UnfinishedRun> runs;
  while (query.executeStep()) {
    runs.push_back(UnfinishedRun{.run_id = query.getColumn(0).getInt64(),
                                 .pid = static_cast<pid_t>(query.getColumn(1).getInt64()),
                                 .start_ticks = column_optional<uint64_t>(query.getColumn(2)),
                                 .boot_id = query.getColumn(3).getString(),
                                 .machine_id = query.getColumn(4).getString()});
  }
  return runs;
}

std::optional<int64_t> close_died_cleanup_run(SQLite::Database& db, int64_t run_id, int64_t now_us, const std::string& detail) {
  SQLite::Statement mark(db,
      "UPDATE cleanup_runs SET interrupted = 'died', recovered_at_us = ?1"
      " WHERE run_id = ?2 AND dry_run = 0 AND ended_at_us IS NULL AND interrupted IS NULL");
  mark.bind(1, now_us);
  mark.bind(2, run_id);
  if (mark.exec() == 0) return std::nullopt;
  seal_cleanup_run_end(db, run_id);
  int64_t appended = 0;
  for (auto& [evidence_snapshot_id, row] : unresolved_intents(db, run_id)) {
    row.at_us = now_us;
    row.outcome = "interrupted";
    row.detail = detail;
    append_cleanup_action(db, run_id, evidence_snapshot_id, row);
    ++appended;
  }
  return appended;
}

}  // namespace proctrail::detail
