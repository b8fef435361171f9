// Retention: `proctrail prune --older-than 30d [--keep-tagged] [--dry-run] [--vacuum]`.
//
// Design notes (invariants every change here must keep):
//  1. The cut. A snapshot is old when it started before cut_us; per boot (host row), every snapshot
//     up to that boot's last old one counts as old, so a clock that stepped back cannot leave a
//     newer snapshot behind an older one. An entity (process, fd, socket, container) is prunable
//     when it is closed (gone_by set) by an old snapshot. An open entity (gone_by NULL) is never
//     pruned, nor are its change rows: "still present as of the latest snapshot" stays true.
//  2. Protected snapshots keep their whole content. A snapshot cited as evidence (cleanup_runs
//     evidence/after, cleanup_actions evidence), an exec run's before/after, an import's snapshot,
//     and with keep_tagged every tagged snapshot, is protected. Every entity alive at it (same boot,
//     first_seen <= P < gone_by) or closed by it (gone_by = P) is kept with all its change rows, and
//     invariant 4 keeps the parent row of every process it first saw (its content names that row).
//     A protected snapshot therefore still verifies in full, not link-only.
//  3. Snapshot rows are never deleted. The chain still links from the first snapshot to the last;
//     a snapshot whose content a prune changed (it first saw, closed, or wrote a change row of a
//     pruned entity) is listed in pruned_snapshots with the hash of the content the prune left.
//     Verify links it by its stored hash (trusted, "link-only": the original content is gone) and
//     re-hashes what is left against the newest prune's record, so the rows a prune kept stay
//     tamper-evident. No other snapshot loses its full check.
//  4. Ancestry stays whole. Every process row a kept process descends from (parent_process_id,
//     transitively) is kept with its change rows, however old: an orphan's original parent (its
//     argv, when it went) is the answer the orphan question exists for. So no kept row ever points
//     at a pruned one. Foreign keys hold at every statement (they are on): change rows and
//     descriptors go before their entity; spawn_counts rows keyed by a pruned parent's row move to
//     minus its pid (merged into any row already there), so spawn-rate totals are unchanged.
//     Nothing else references processes, sockets or containers by row (exec_leaks and
//     cleanup_actions name processes by pid and start_ticks).
//  5. Events. An event batch goes when it was written before the cut, is not the newest batch (new
//     batches chain to it), and holds no event of an exec run's window (its leak evidence). Each run
//     of consecutive deleted batches is a pruned_event_ranges row with the prev_hash before the hole
//     and the hash at its end, so verify still links the chain across it.
//  6. Tamper evidence. A prune row is hash-chained to the prune before it over its row, its
//     pruned_snapshots and its pruned_event_ranges, and records the stored hashes of the first and
//     last snapshot it changed and of the newest snapshot then (the head). Verify checks that chain
//     and those anchors before it trusts any link-only mark, so editing or removing a prune record
//     to hide a range, or adding one to excuse an edited snapshot, is reported.
//  7. One transaction. The plan (temp tables), every delete and the prune record commit together in
//     one BEGIN IMMEDIATE (the store's busy timeout applies); any error or crash rolls all of it
//     back. Nothing to delete: nothing is written. A dry run plans and counts inside a read
//     transaction, writing only temp tables, and rolls back: the database file is untouched.
//  8. Idempotent. A second prune with the same cut finds nothing (pruned rows are gone, kept rows
//     are still protected, open or ancestors of kept rows) and writes nothing.
//  9. VACUUM runs after the commit, outside it: it needs free space about the database's size, and
//     when it fails the committed prune stays.
#include "recorder/store/prune.hpp"

#include <unistd.h>

#include <array>

#include "recorder/store/digest.hpp"
#include "common/fs_util.hpp"
#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {
namespace {

// The plan lives in temp tables (the connection's own, never in the trail's file); a rolled-back
// transaction takes them with it, a committed prune drops them.
void drop_plan_tables(SQLite::Database& db) {
  db.exec(
      "DROP TABLE IF EXISTS temp.prune_cut; DROP TABLE IF EXISTS temp.prune_protected;"
      " DROP TABLE IF EXISTS temp.prune_processes; DROP TABLE IF EXISTS temp.prune_fds;"
      " DROP TABLE IF EXISTS temp.prune_sockets; DROP TABLE IF EXISTS temp.prune_containers;"
      " DROP TABLE IF EXISTS temp.prune_needed_batches; DROP TABLE IF EXISTS temp.prune_batches;"
      " DROP TABLE IF EXISTS temp.prune_touched");
}

void create_plan_tables(SQLite::Database& db) {
  drop_plan_tables(db);
  db.exec(
      "CREATE TEMP TABLE prune_cut (host_id INTEGER PRIMARY KEY, cut_snapshot_id INTEGER NOT NULL);"
      "CREATE TEMP TABLE prune_protected (host_id INTEGER NOT NULL, snapshot_id INTEGER NOT NULL,"
      " PRIMARY KEY (host_id, snapshot_id)) WITHOUT ROWID;"
      "CREATE INDEX temp.prune_protected_id ON prune_protected(snapshot_id);"
      "CREATE TEMP TABLE prune_processes (process_id INTEGER PRIMARY KEY);"
      "CREATE TEMP TABLE prune_fds (fd_id INTEGER PRIMARY KEY);"
      "CREATE TEMP TABLE prune_sockets (socket_id INTEGER PRIMARY KEY);"
      "CREATE TEMP TABLE prune_containers (container_row INTEGER PRIMARY KEY);"
      "CREATE TEMP TABLE prune_needed_batches (batch_id INTEGER PRIMARY KEY);"
      "CREATE TEMP TABLE prune_batches (batch_id INTEGER PRIMARY KEY);"
      "CREATE TEMP TABLE prune_touched (snapshot_id INTEGER PRIMARY KEY);");
}

void plan_cut(SQLite::Database& db, const PruneOptions& options) {
  SQLite::Statement cut(db,
      "INSERT INTO temp.prune_cut (host_id, cut_snapshot_id)"
      " SELECT host_id, max(snapshot_id) FROM snapshots WHERE started_at_us < ?1 GROUP BY host_id");
  cut.bind(1, options.cut_us);
  cut.exec();
  SQLite::Statement protect(db,
      "INSERT OR IGNORE INTO temp.prune_protected (host_id, snapshot_id)"
      " SELECT s.host_id, s.snapshot_id FROM snapshots s WHERE s.snapshot_id IN ("
      "   SELECT evidence_snapshot_id FROM cleanup_runs UNION SELECT after_snapshot_id FROM cleanup_runs"
      "   UNION SELECT evidence_snapshot_id FROM cleanup_actions"
      "   UNION SELECT before_snapshot_id FROM exec_runs UNION SELECT after_snapshot_id FROM exec_runs"
      "   UNION SELECT snapshot_id FROM imports)"
      " OR (?1 AND s.tag IS NOT NULL)");
  protect.bind(1, options.keep_tagged ? 1 : 0);
  protect.exec();
}

// SQL: snapshot `id` is old (at or before its boot's cut).
std::string old(const std::string& id) {
  return "EXISTS (SELECT 1 FROM snapshots g JOIN temp.prune_cut c ON c.host_id = g.host_id"
         " WHERE g.snapshot_id = " + id + " AND g.snapshot_id <= c.cut_snapshot_id)";
}

// SQL: an entity of boot `host` seen from `first` until `gone` is alive at or closed by no protected
// snapshot. One index seek each: the protected snapshots of that boot in [first, gone], and gone itself
// (a reboot's first snapshot closes the earlier boot's rows).
std::string unprotected(const std::string& host, const std::string& first, const std::string& gone) {
  return "NOT EXISTS (SELECT 1 FROM temp.prune_protected k WHERE k.host_id = " + host + " AND k.snapshot_id BETWEEN " +
         first + " AND " + gone + ") AND NOT EXISTS (SELECT 1 FROM temp.prune_protected k WHERE k.snapshot_id = " +
         gone + ")";
}

// SQL: `x.gone_by` is set, old and unprotected; the first bound lets a gone_by index serve the scan.
std::string prunable(const std::string& host) {
  return "x.gone_by <= (SELECT max(cut_snapshot_id) FROM temp.prune_cut) AND " + old("x.gone_by") + " AND " +
         unprotected(host, "x.first_seen", "x.gone_by");
}

// Invariant 4: takes every ancestor of a kept process out of the plan; returns how many it took.
// Starts from the kept children of planned rows (the parent index finds them), then walks up.
int64_t keep_ancestors(SQLite::Database& db) {
  return db.exec(
      "WITH RECURSIVE ancestor(process_id) AS ("
      "   SELECT c.parent_process_id FROM temp.prune_processes x"
      "     JOIN processes c ON c.parent_process_id = x.process_id"
      "    WHERE c.process_id NOT IN (SELECT process_id FROM temp.prune_processes)"
      "   UNION SELECT p.parent_process_id FROM ancestor a JOIN processes p ON p.process_id = a.process_id"
      "    WHERE p.parent_process_id IS NOT NULL)"
      " DELETE FROM temp.prune_processes WHERE process_id IN ancestor");
}

// Plans the entity rows to delete; returns how many closed old processes stay as ancestors.
int64_t plan_entities(SQLite::Database& db) {
  db.exec("INSERT INTO temp.prune_processes (process_id) SELECT x.process_id FROM processes x WHERE " +
          prunable("x.host_id"));
  const int64_t ancestors_kept = keep_ancestors(db);
  db.exec(
      "INSERT INTO temp.prune_fds (fd_id)"
      " SELECT x.fd_id FROM fds x WHERE x.process_id IN (SELECT process_id FROM temp.prune_processes)"
      " UNION SELECT x.fd_id FROM fds x JOIN processes p ON p.process_id = x.process_id WHERE " + prunable("p.host_id"));
  db.exec("INSERT INTO temp.prune_sockets (socket_id) SELECT x.socket_id FROM sockets x WHERE " + prunable("x.host_id"));
  db.exec("INSERT INTO temp.prune_containers (container_row) SELECT x.container_row FROM containers x WHERE " +
          prunable("x.host_id"));
  return ancestors_kept;
}

void plan_events(SQLite::Database& db, const PruneOptions& options) {
  db.exec(
      "INSERT OR IGNORE INTO temp.prune_needed_batches (batch_id) SELECT e.batch_id FROM exec_runs r"
      " JOIN events e ON e.host_id = r.host_id AND e.at_us BETWEEN r.started_at_us AND r.ended_at_us");
  SQLite::Statement batches(db,
      "INSERT INTO temp.prune_batches (batch_id) SELECT b.batch_id FROM event_batches b"
      " WHERE b.written_at_us < ?1 AND b.batch_id < (SELECT max(batch_id) FROM event_batches)"
      " AND b.batch_id NOT IN (SELECT batch_id FROM temp.prune_needed_batches)");
  batches.bind(1, options.cut_us);
  batches.exec();
}

// Every snapshot whose canonical content (recorder/store/digest.cpp) the deletes and updates change.
void plan_touched(SQLite::Database& db) {
  const std::string processes = "(SELECT process_id FROM temp.prune_processes)";
  db.exec(
      "INSERT OR IGNORE INTO temp.prune_touched (snapshot_id)"
      " SELECT first_seen FROM processes WHERE process_id IN " + processes +
      " UNION SELECT gone_by FROM processes WHERE process_id IN " + processes +
      " UNION SELECT snapshot_id FROM process_ppid_changes WHERE process_id IN " + processes +
      " UNION SELECT snapshot_id FROM process_state_changes WHERE process_id IN " + processes +
      " UNION SELECT snapshot_id FROM process_command_changes WHERE process_id IN " + processes +
      " UNION SELECT snapshot_id FROM process_usage_changes WHERE process_id IN " + processes +
      " UNION SELECT snapshot_id FROM process_activity_changes WHERE process_id IN " + processes +
      " UNION SELECT snapshot_id FROM process_memory_samples WHERE process_id IN " + processes +
      " UNION SELECT first_seen FROM fds WHERE fd_id IN (SELECT fd_id FROM temp.prune_fds)"
      " UNION SELECT gone_by FROM fds WHERE fd_id IN (SELECT fd_id FROM temp.prune_fds)"
      " UNION SELECT first_seen FROM sockets WHERE socket_id IN (SELECT socket_id FROM temp.prune_sockets)"
      " UNION SELECT gone_by FROM sockets WHERE socket_id IN (SELECT socket_id FROM temp.prune_sockets)"
      " UNION SELECT snapshot_id FROM socket_changes WHERE socket_id IN (SELECT socket_id FROM temp.prune_sockets)"
      " UNION SELECT first_seen FROM containers WHERE container_row IN (SELECT container_row FROM temp.prune_containers)"
      " UNION SELECT gone_by FROM containers WHERE container_row IN (SELECT container_row FROM temp.prune_containers)"
      " UNION SELECT snapshot_id FROM container_changes"
      "   WHERE container_row IN (SELECT container_row FROM temp.prune_containers)");
  db.exec("DELETE FROM temp.prune_touched WHERE snapshot_id IS NULL");
}

// One table prune deletes from, the rows to go, in an order that keeps every foreign key.
struct DeleteStep {
  const char* table;
  const char* where;
};

constexpr std::array<DeleteStep, 16> kSteps{{
    {"process_ppid_changes", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"process_activity_changes", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"activity_scan_state", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"process_memory_samples", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"process_state_changes", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"process_command_changes", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"process_usage_changes", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"fd_scan_state", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"fds", "fd_id IN (SELECT fd_id FROM temp.prune_fds)"},
    {"processes", "process_id IN (SELECT process_id FROM temp.prune_processes)"},
    {"socket_changes", "socket_id IN (SELECT socket_id FROM temp.prune_sockets)"},
    {"sockets", "socket_id IN (SELECT socket_id FROM temp.prune_sockets)"},
    {"container_changes", "container_row IN (SELECT container_row FROM temp.prune_containers)"},
    {"containers", "container_row IN (SELECT container_row FROM temp.prune_containers)"},
    {"events", "batch_id IN (SELECT batch_id FROM temp.prune_batches)"},
    {"event_batches", "batch_id IN (SELECT batch_id FROM temp.prune_batches)"},
}};

int64_t count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }

constexpr const char* kPrunedParentCounts = " FROM spawn_counts WHERE parent_key IN (SELECT process_id FROM temp.prune_processes)";

void count_plan(SQLite::Database& db, PruneReport& report) {
  for (const auto& step : kSteps) {
    report.deleted.push_back({step.table, count(db, std::string("SELECT count(*) FROM ") + step.table + " WHERE " + step.where)});
  }
  report.spawn_counts_rekeyed = count(db, std::string("SELECT count(*)") + kPrunedParentCounts);
}

// Moves spawn counts off pruned parents' rows to minus their pids, then lets go of those rows.
void apply_plan(SQLite::Database& db, PruneReport& report) {
  db.exec(
      "INSERT INTO spawn_counts (host_id, start_minute, parent_key, argv, spawned)"
      " SELECT s.host_id, s.start_minute, -p.pid, s.argv, s.spawned FROM spawn_counts s"
      " JOIN processes p ON p.process_id = s.parent_key"
      " WHERE s.parent_key IN (SELECT process_id FROM temp.prune_processes)"
      " ON CONFLICT DO UPDATE SET spawned = spawned + excluded.spawned");
  report.spawn_counts_rekeyed = db.exec(std::string("DELETE") + kPrunedParentCounts);
  for (const auto& step : kSteps) {
    report.deleted.push_back({step.table, db.exec(std::string("DELETE FROM ") + step.table + " WHERE " + step.where)});
  }
}

void summarise_plan(SQLite::Database& db, PruneReport& report) {
  report.protected_snapshots = count(db,
      "SELECT count(*) FROM temp.prune_protected k JOIN temp.prune_cut c ON c.host_id = k.host_id"
      " WHERE k.snapshot_id <= c.cut_snapshot_id");
  SQLite::Statement range(db, "SELECT count(*), min(snapshot_id), max(snapshot_id) FROM temp.prune_touched");
  range.executeStep();
  report.snapshots_affected = range.getColumn(0).getInt64();
  report.first_snapshot_id = column_optional<int64_t>(range.getColumn(1));
  report.last_snapshot_id = column_optional<int64_t>(range.getColumn(2));
}

// Runs of consecutive batch ids in prune_batches, each with the hashes either side of it (read
// before the batches are deleted).
std::vector<EventHole> plan_event_holes(SQLite::Database& db) {
  std::vector<EventHole> holes;
  SQLite::Statement batches(db,
      "SELECT b.batch_id, b.prev_hash, b.hash FROM event_batches b"
      " WHERE b.batch_id IN (SELECT batch_id FROM temp.prune_batches) ORDER BY b.batch_id");
  while (batches.executeStep()) {
    const int64_t id = batches.getColumn(0).getInt64();
    const std::string hash = column_blob(batches.getColumn(2)).value_or("");
    if (!holes.empty() && holes.back().last_batch_id + 1 == id) {
      holes.back().last_batch_id = id;
      holes.back().last_hash = hash;
      continue;
    }
    holes.push_back({id, id, column_blob(batches.getColumn(1)), hash});
  }
  return holes;
}

void bind_blob(SQLite::Statement& statement, int index, const std::optional<std::string>& bytes) {
  if (bytes) {
    statement.bind(index, bytes->data(), static_cast<int>(bytes->size()));
  } else {
    statement.bind(index);
  }
}

std::optional<std::string> stored_hash(SQLite::Database& db, std::optional<int64_t> snapshot_id) {
  if (!snapshot_id) return std::nullopt;
  SQLite::Statement query(db, "SELECT hash FROM snapshots WHERE snapshot_id = ?1");
  query.bind(1, *snapshot_id);
  if (!query.executeStep()) return std::nullopt;
  return column_blob(query.getColumn(0));
}

int64_t insert_prune_row(SQLite::Database& db, const PruneOptions& options, const PruneReport& report) {
  std::string columns = "at_us, uid, pid, cut_us, keep_tagged, protected_snapshots, first_snapshot_id, last_snapshot_id,"
                        " first_snapshot_hash, last_snapshot_hash, snapshots_affected, head_snapshot_id, head_snapshot_hash,"
                        " processes_unparented, spawn_counts_rekeyed, prev_hash, hash";
  std::string values = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, X''";
  for (const auto& table : report.deleted) {
    columns += ", " + table.table;
    values += ", " + std::to_string(table.rows);
  }
  SQLite::Statement insert(db, "INSERT INTO prunes (" + columns + ") VALUES (" + values + ")");
  const std::optional<int64_t> head =
      column_optional<int64_t>(db.execAndGet("SELECT max(snapshot_id) FROM snapshots"));
  insert.bind(1, fs::clock_us(CLOCK_REALTIME));
  insert.bind(2, static_cast<int64_t>(::getuid()));
  insert.bind(3, static_cast<int64_t>(::getpid()));
  insert.bind(4, options.cut_us);
  insert.bind(5, options.keep_tagged ? 1 : 0);
  insert.bind(6, report.protected_snapshots);
  bind_optional(insert, 7, report.first_snapshot_id);
  bind_optional(insert, 8, report.last_snapshot_id);
  bind_blob(insert, 9, stored_hash(db, report.first_snapshot_id));
  bind_blob(insert, 10, stored_hash(db, report.last_snapshot_id));
  insert.bind(11, report.snapshots_affected);
  bind_optional(insert, 12, head);
  bind_blob(insert, 13, stored_hash(db, head));
  insert.bind(14, 0);  // processes_unparented: none since ancestors stay (invariant 4)
  insert.bind(15, report.spawn_counts_rekeyed);
  bind_blob(insert, 16, last_chain_hash(db, "prunes", "prune_id"));
  insert.exec();
  return db.getLastInsertRowid();
}

// Each changed snapshot's hash over what is left of it, so verify still catches an edit of the rows
// the prune kept there.
void record_remaining_content(SQLite::Database& db, int64_t prune_id) {
  std::vector<int64_t> touched;
  SQLite::Statement query(db, "SELECT snapshot_id FROM temp.prune_touched ORDER BY snapshot_id");
  while (query.executeStep()) touched.push_back(query.getColumn(0).getInt64());
  SQLite::Statement mark(db, "INSERT INTO pruned_snapshots (snapshot_id, prune_id, content_hash) VALUES (?1, ?2, ?3)");
  for (const int64_t snapshot_id : touched) {
    const std::string hash = digest::snapshot_hash(db, snapshot_id);
    mark.reset();
    SQLite::bind(mark, snapshot_id, prune_id);
    mark.bind(3, hash.data(), static_cast<int>(hash.size()));
    mark.exec();
  }
}

void record_prune(SQLite::Database& db, const PruneOptions& options, PruneReport& report,
                  const std::vector<EventHole>& holes) {
  const int64_t prune_id = insert_prune_row(db, options, report);
  record_remaining_content(db, prune_id);
  SQLite::Statement hole(db,
      "INSERT INTO pruned_event_ranges (prune_id, first_batch_id, last_batch_id, first_prev_hash, last_hash)"
      " VALUES (?1, ?2, ?3, ?4, ?5)");
  for (const auto& h : holes) {
    hole.reset();
    SQLite::bind(hole, prune_id, h.first_batch_id, h.last_batch_id);
    bind_blob(hole, 4, h.first_prev_hash);
    bind_blob(hole, 5, h.last_hash);
    hole.exec();
  }
  const std::string hash = digest::prune_hash(db, prune_id);
  SQLite::Statement set_hash(db, "UPDATE prunes SET hash = ?1 WHERE prune_id = ?2");
  set_hash.bind(1, hash.data(), static_cast<int>(hash.size()));
  set_hash.bind(2, prune_id);
  set_hash.exec();
  report.prune_id = prune_id;
}

void plan(SQLite::Database& db, const PruneOptions& options, PruneReport& report) {
  create_plan_tables(db);
  plan_cut(db, options);
  report.ancestors_kept = plan_entities(db);
  plan_events(db, options);
  plan_touched(db);
}

}  // namespace

PruneReport prune_trail(SQLite::Database& db, const PruneOptions& options, const Logger& logger) {
  PruneReport report;
  report.cut_us = options.cut_us;
  if (options.dry_run) {
    SQLite::Transaction read(db);  // never committed: the temp tables go with it
    plan(db, options, report);
    summarise_plan(db, report);
    count_plan(db, report);
    return report;
  }
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  plan(db, options, report);
  summarise_plan(db, report);
  const auto holes = plan_event_holes(db);
  apply_plan(db, report);
  if (report.nothing_to_prune()) return report;  // nothing changed; rolled back
  record_prune(db, options, report, holes);
  drop_plan_tables(db);
  transaction.commit();
  logger->info("prune {}: {} rows deleted, {} snapshots now verified link-only", report.prune_id, report.rows_deleted(),
               report.snapshots_affected);
  return report;
}

VacuumReport vacuum_trail(SQLite::Database& db) {
  auto size = [&db] { return count(db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"); };
  VacuumReport report;
  report.bytes_before = size();
  db.exec("VACUUM");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  report.bytes_after = size();
  return report;
}

PruneMarks load_prune_marks(SQLite::Database& db) {
  PruneMarks marks;
  SQLite::Statement snapshots(db,
      "SELECT m.snapshot_id, m.content_hash FROM pruned_snapshots m JOIN prunes p ON p.prune_id = m.prune_id"
      " ORDER BY m.snapshot_id, m.prune_id");
  while (snapshots.executeStep()) {
    marks.pruned[snapshots.getColumn(0).getInt64()] = column_blob(snapshots.getColumn(1)).value_or("");
  }
  SQLite::Statement holes(db,
      "SELECT r.first_batch_id, r.last_batch_id, r.first_prev_hash, r.last_hash FROM pruned_event_ranges r"
      " JOIN prunes p ON p.prune_id = r.prune_id ORDER BY r.first_batch_id");
  while (holes.executeStep()) {
    marks.event_holes.push_back({holes.getColumn(0).getInt64(), holes.getColumn(1).getInt64(),
                                 column_blob(holes.getColumn(2)), column_blob(holes.getColumn(3)).value_or("")});
  }
  return marks;
}

std::optional<PruneAnchorBreak> check_prune_anchors(SQLite::Database& db) {
  SQLite::Statement anchors(db,
      "SELECT p.prune_id, a.what, a.snapshot_id, a.recorded, s.hash FROM prunes p"
      " JOIN (SELECT prune_id, 'first pruned' AS what, first_snapshot_id AS snapshot_id, first_snapshot_hash AS recorded FROM prunes"
      "       UNION ALL SELECT prune_id, 'last pruned', last_snapshot_id, last_snapshot_hash FROM prunes"
      "       UNION ALL SELECT prune_id, 'head', head_snapshot_id, head_snapshot_hash FROM prunes) a ON a.prune_id = p.prune_id"
      " LEFT JOIN snapshots s ON s.snapshot_id = a.snapshot_id"
      " WHERE a.snapshot_id IS NOT NULL ORDER BY p.prune_id, a.snapshot_id");
  while (anchors.executeStep()) {
    const auto recorded = column_blob(anchors.getColumn(3));
    const auto stored = column_blob(anchors.getColumn(4));
    if (recorded && stored && *recorded == *stored) continue;
    return PruneAnchorBreak{anchors.getColumn(0).getInt64(),
                            "the " + anchors.getColumn(1).getString() + " snapshot " + anchors.getColumn(2).getString() +
                                (stored ? " no longer has the hash the prune recorded (it was rewritten)"
                                        : " is missing (it was removed)")};
  }
  SQLite::Statement outside(db,
      "SELECT m.prune_id, m.snapshot_id FROM pruned_snapshots m JOIN prunes p ON p.prune_id = m.prune_id"
      " WHERE m.snapshot_id < p.first_snapshot_id OR m.snapshot_id > p.last_snapshot_id"
      " OR p.first_snapshot_id IS NULL LIMIT 1");
  if (outside.executeStep()) {
    return PruneAnchorBreak{outside.getColumn(0).getInt64(), "marks snapshot " + outside.getColumn(1).getString() +
                                                                 " as pruned, outside the range it records"};
  }
  return std::nullopt;
}

}  // namespace proctrail::detail

namespace proctrail {

int64_t PruneReport::rows_deleted() const {
  int64_t total = 0;
  for (const auto& table : deleted) total += table.rows;
  return total;
}

int64_t PruneReport::rows(const std::string& table) const {
  for (const auto& entry : deleted) {
    if (entry.table == table) return entry.rows;
  }
  return 0;
}

}  // namespace proctrail
