// The store: the SQLite trail and the only code that writes it.
//
// Design notes (invariants every change here must keep):
//  1. Identity. A process row is (host_id, pid, start_ticks); host_id is one boot. Rows are never
//     matched by pid alone. A reboot closes the open rows of the machine's earlier boots.
//  2. Proportional to change. A process row is inserted once, when first seen, and closed by
//     setting gone_by to the first snapshot that does not see it. A mutable fact is a change row
//     written only when it differs from the latest recorded value (RSS: beyond a threshold). A
//     snapshot on which nothing changed writes one snapshots row and nothing else. Every entity
//     (process, descriptor, socket, container, imported process) is written by the one pattern in
//     recorder/store/entity_writer.hpp, declared per entity in its writer. Activity is a fact too:
//     a row only when a process's activity changed (idle, active, spinning). The recorder's caches
//     (fd_scan_state, activity_scan_state) sit outside the chain and are written only for a process
//     that ran since it was last read, so an idle machine costs no writes there either.
//  3. One writer at a time, collecting under the lock. record() takes BEGIN IMMEDIATE and then
//     calls the collector, so snapshot id order is collection order and no late commit can close a
//     process that a newer collection saw. A request that finds a snapshot whose collection began
//     after the request was made is coalesced: its own row, sharing that state, no collection.
//  4. Unread is not gone. A process whose stat was malformed, and the recorder itself (which
//     leaves itself out but may have been recorded by a concurrent snapshot), keep their open rows.
//  5. Chain. Every snapshot's hash covers prev_hash (the previous snapshot's hash) and its own
//     content as read back from the database (recorder/store/digest.cpp), inside the same transaction.
//  6. Refuse, don't touch. A file that is not a proctrail database, or is from a newer schema, is
//     refused before any pragma that writes; migrations run in one transaction, with foreign keys
//     off (table rebuilds) and checked before it commits.
//  7. Errors. SQLiteCpp exceptions stop here and become one-line Errors whose kind says what went
//     wrong (busy, corrupt, permission…: recorder/store/trail_error.cpp); RAII transactions roll
//     back, so a failed snapshot leaves every committed one as it was.
//  8. Write-ahead audit. No process is ever signalled without a committed row naming it: cleanup
//     commits a target's intent row (cleanup_actions, outcome 'signalling', in the chain) before
//     its first signal, and its outcome as a second chained row naming the intent. Rows are only
//     appended. A run whose process died before resolving its intents is closed by the next open
//     (close_died_cleanup_runs): each unresolved intent gets a chained 'interrupted' row. Only a
//     run whose process is known gone is closed; one that may still run is never touched.
#include "proctrail/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include "proctrail/paths.hpp"
#include "recorder/store/cleanup_writer.hpp"
#include "recorder/store/container_writer.hpp"
#include "recorder/store/descriptor_writer.hpp"
#include "recorder/store/event_writer.hpp"
#include "common/fnv1a.hpp"
#include "recorder/store/digest.hpp"
#include "common/errno_kind.hpp"
#include "common/fs_util.hpp"
#include "common/process_identity.hpp"
#include "recorder/store/process_writer.hpp"
#include "recorder/store/prune.hpp"
#include "recorder/store/schema.hpp"
#include "recorder/store/spawn_ledger.hpp"
#include "recorder/store/sqlite_util.hpp"
#include "recorder/store/trail_error.hpp"

namespace proctrail {
namespace {

// ---- opening and migrating -------------------------------------------------------------------

// A failure of the store's own connection (it writes) on `path`: "DOING PATH: why".
Error store_error(const std::string& doing, const std::filesystem::path& path, const SQLite::Exception& e,
                  const StoreOptions& options) {
  return detail::trail_error(doing + " " + path.string(), path, e, true, options.busy_timeout);
}

// Creates an absent database file with mode 0600 so SQLite (and its -wal/-shm) inherit it.
Status create_private_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return ok_status();
  }
  const int error = errno;
  if (error == EEXIST) return ok_status();
  return Error{"creating " + path.string() + ": " + std::strerror(error), detail::errno_kind(error)};
}

int pragma_int(SQLite::Database& db, const char* pragma) {
  SQLite::Statement query(db, std::string("PRAGMA ") + pragma);
  query.executeStep();
  return query.getColumn(0).getInt();
}

// Reads only: decides whether this file may be used, before anything writes to it. One statement,
// so a concurrent first-time migration is seen either wholly or not at all.
Status check_identity(SQLite::Database& db, const std::string& where) {
  SQLite::Statement header(db,
      "SELECT (SELECT application_id FROM pragma_application_id),"
      " (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)");
  header.executeStep();
  const int application_id = header.getColumn(0).getInt();
  const int version = header.getColumn(1).getInt();
  const int64_t objects = header.getColumn(2).getInt64();
  if (application_id == schema::kApplicationId) {
    if (version > schema::latest_version()) {
      return Error{"opening " + where + ": written by a newer proctrail (schema " + std::to_string(version) +
                   ", this binary knows up to " + std::to_string(schema::latest_version()) +
                   "); upgrade proctrail; the file was not changed",
                   ErrorKind::newer_schema};
    }
    return ok_status();
  }
  if (application_id != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", static_cast<unsigned>(application_id));
    return Error{"opening " + where + ": not a proctrail database (application_id " + hex +
                 "); the file was not changed",
                 ErrorKind::corrupt};
  }
  if (version != 0 || objects != 0) {
    return Error{"opening " + where + ": not a proctrail database (a SQLite file with " + std::to_string(objects) +
                 " schema objects and no proctrail id); the file was not changed",
                 ErrorKind::corrupt};
  }
  return ok_status();  // empty: ours to initialise
}

// An FNV-1a 64 hash as the 16 hex digits schema_views stores.
std::string hex_of(const detail::Fnv1a& hash) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash.value()));
  return hex;
}

// Fingerprint of the views this binary carries (FNV-1a 64, hex).
const std::string& views_fingerprint() {
  static const std::string fingerprint = [] {
    detail::Fnv1a hash;
    hash.mix(schema::views_sql());
    return hex_of(hash);
  }();
  return fingerprint;
}

// A hash of the views and triggers as the trail holds them now: a view replaced or a trigger planted
// since proctrail created them changes it.
std::string installed_views_hash(SQLite::Database& db) {
  detail::Fnv1a hash;
  SQLite::Statement objects(db, "SELECT type, name, COALESCE(sql, '') FROM sqlite_master"
                                " WHERE type IN ('view', 'trigger') ORDER BY type, name");
  while (objects.executeStep()) {
    for (int i = 0; i < 3; ++i) {
      hash.mix(objects.getColumn(i).getString());
      hash.mix_u64(0);
    }
  }
  return hex_of(hash);
}

// What schema_views holds once this binary has created the views: its views.sql fingerprint and the
// hash of what was installed.
std::string views_record(SQLite::Database& db, const std::string& fingerprint) {
  return fingerprint + ":" + installed_views_hash(db);
}

// True when the tables are current and the views are this binary's, as it created them: a view
// replaced or a trigger planted since then makes the next writable open re-create the views.
bool schema_current(SQLite::Database& db, const std::string& fingerprint) {
  if (pragma_int(db, "user_version") < schema::latest_version()) return false;
  SQLite::Statement stored(db, "SELECT hash FROM schema_views WHERE id = 1");
  return stored.executeStep() && stored.getColumn(0).getString() == views_record(db, fingerprint);
}

// proctrail defines no triggers: one found in the trail was planted (it could rewrite rows before
// they are hashed), so a writer drops it before it writes, and says so.
std::vector<std::string> drop_foreign_triggers(SQLite::Database& db, const Logger& logger) {
  std::vector<std::string> names;
  SQLite::Statement triggers(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'");
  while (triggers.executeStep()) names.push_back(triggers.getColumn(0).getString());
  for (const auto& name : names) {
    std::string quoted;
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    logger->warn("dropping trigger {}: not part of proctrail's schema", name);
    db.exec("DROP TRIGGER \"" + quoted + "\"");
  }
  return names;
}

// Whether the views were made by this very views.sql and changed since (not an upgrade: tampering).
bool views_tampered(SQLite::Database& db, const std::string& fingerprint) {
  if (pragma_int(db, "user_version") < schema::latest_version()) return false;
  SQLite::Statement stored(db, "SELECT hash FROM schema_views WHERE id = 1");
  return stored.executeStep() && stored.getColumn(0).getString().starts_with(fingerprint + ":");
}

// Foreign keys off for the life of this object. A migration that rebuilds a table (011: drop the
// old, rename the new) would otherwise cascade the drop into its referencing rows; the pragma is a
// no-op inside a transaction, so this is taken before the migration's transaction begins.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(SQLite::Database& db) : db_(db) { db_.exec("PRAGMA foreign_keys = OFF"); }
  ~ForeignKeysOff() {
    try {
      db_.exec("PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception&) {  // a destructor must not throw; the next open sets it again
    }
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

 private:
  SQLite::Database& db_;
};

// After the migrations, inside their transaction: a dangling reference rolls them all back.
void check_foreign_keys(SQLite::Database& db) {
  SQLite::Statement check(db, "PRAGMA foreign_key_check");
  if (!check.executeStep()) return;
  const std::string message = "schema migration left a dangling reference in table " + check.getColumn(0).getString() +
                              " (row " + check.getColumn(1).getString() + " → " + check.getColumn(2).getString() +
                              "); nothing was changed";
  throw SQLite::Exception(message, SQLITE_CONSTRAINT);
}

// Applies the migrations a trail lacks, then (re)creates the views when they are not this binary's.
// Applies the migrations a trail lacks and (re)creates the views. What it had to repair on a current
// trail (views changed or triggers planted since proctrail made them) goes to `repairs`.
void migrate(SQLite::Database& db, const Logger& logger, std::vector<std::string>* repairs = nullptr) {
  const std::string& fingerprint = views_fingerprint();
  if (schema_current(db, fingerprint)) return;
  ForeignKeysOff foreign_keys_off(db);
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  if (schema_current(db, fingerprint)) return;  // another process has just done it
  int current = pragma_int(db, "user_version");
  for (const auto& migration : schema::migrations()) {
    if (migration.version <= current) continue;
    logger->info("applying schema migration {}", migration.name);
    db.exec(migration.sql);
  }
  if (current < 17) detail::seal_unsealed_cleanup_runs(db);  // 017 chains the runs recorded before it
  if (current < schema::latest_version()) check_foreign_keys(db);
  const bool tampered = views_tampered(db, fingerprint);
  for (const auto& name : drop_foreign_triggers(db, logger)) {
    if (repairs) repairs->push_back("trigger " + name + " is not part of proctrail's schema (dropped by this open)");
  }
  if (tampered && repairs && repairs->empty()) {
    repairs->push_back("views had been changed since proctrail created them (re-created by this open)");
  }
  db.exec(schema::views_sql());
  SQLite::Statement remember(db, "INSERT INTO schema_views (id, hash) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET hash = excluded.hash");
  remember.bind(1, views_record(db, fingerprint));
  remember.exec();
  db.exec("PRAGMA application_id = " + std::to_string(schema::kApplicationId));
  db.exec("PRAGMA user_version = " + std::to_string(schema::latest_version()));
  transaction.commit();
}

// What a trail's schema has that this build's does not, lacks, or defines differently: a planted
// trigger, a replaced view, a dropped index. The expected schema is this build's migrations and views
// applied to an empty in-memory database (migration files never change, so a trail migrated step by
// step from an older proctrail ends with the same definitions). nullopt: exactly proctrail's.
std::optional<std::string> schema_problem(SQLite::Database& trail) {
  SQLite::Database expected(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  migrate(expected, or_null(nullptr));
  auto objects = [](SQLite::Database& db) {
    std::map<std::pair<std::string, std::string>, std::string> found;  // (type, name) → sql
    SQLite::Statement query(db, "SELECT type, name, COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
    while (query.executeStep()) {
      found[{query.getColumn(0).getString(), query.getColumn(1).getString()}] = query.getColumn(2).getString();
    }
    return found;
  };
  const auto want = objects(expected);
  const auto have = objects(trail);
  for (const auto& [key, sql] : have) {
    auto it = want.find(key);
    if (it == want.end()) return key.first + " " + key.second + " is not part of proctrail's schema";
    if (it->second != sql) return key.first + " " + key.second + " differs from this build's definition";
  }
  for (const auto& [key, sql] : want) {
    if (!have.contains(key)) return key.first + " " + key.second + " is missing";
  }
  return std::nullopt;
}

// ---- the head log ------------------------------------------------------------------------------
// Beside the trail, TRAIL.head gets a line "KIND ID HASH" after each commit that extends a chain:
// a snapshot, an event batch, a cleanup action, a cleanup run (0600, appended, never through a
// symbolic link). Whoever deletes the newest rows of a chain must also cut this file to go unnoticed;
// `verify` checks that each chain still holds the newest row its log names, with that hash. It is an
// anchor against an edit of the database file alone, not against someone who may rewrite both.

std::filesystem::path head_log_path(const std::filesystem::path& trail) { return trail.string() + ".head"; }

struct ChainTable {
  const char* kind;       // the head log's word
  const char* table;
  const char* id_column;
  const char* noun;       // in messages
};

constexpr ChainTable kChainTables[] = {
    {"snapshot", "snapshots", "snapshot_id", "snapshot"},
    {"batch", "event_batches", "batch_id", "event batch"},
    {"action", "cleanup_actions", "action_id", "cleanup action"},
    {"run", "cleanup_runs", "run_id", "cleanup run"},
};

struct ChainHead {
  const char* kind = "";
  int64_t id = 0;  // 0: the chain is empty
  std::string hash_hex;
};

// A chain's newest row, read inside the transaction that wrote it.
ChainHead newest_head(SQLite::Database& db, const ChainTable& chain) {
  SQLite::Statement query(db, std::string("SELECT ") + chain.id_column + ", hash FROM " + chain.table + " ORDER BY " +
                                  chain.id_column + " DESC LIMIT 1");
  if (!query.executeStep()) return ChainHead{chain.kind};
  return ChainHead{chain.kind, query.getColumn(0).getInt64(), digest::to_hex(detail::column_blob(query.getColumn(1)).value_or(""))};
}

const ChainTable& chain_table(std::string_view kind) {
  for (const auto& chain : kChainTables) {
    if (kind == chain.kind) return chain;
  }
  return kChainTables[0];
}

struct LoggedHead {
  int64_t id = 0;
  std::string hash_hex;
};

// The newest row the head log names, per chain kind.
std::map<std::string, LoggedHead> last_logged_heads(const std::filesystem::path& trail) {
  std::ifstream in(head_log_path(trail));
  std::map<std::string, LoggedHead> last;
  std::string kind, hash;
  int64_t id = 0;
  while (in >> kind >> id >> hash) {
    auto found = last.find(kind);
    if (found == last.end() || id > found->second.id) last[kind] = LoggedHead{id, hash};
  }
  return last;
}

// Whether a logged event batch was since deleted by a prune (recorded in the prune chain).
bool batch_pruned(SQLite::Database& db, int64_t batch_id) {
  SQLite::Statement query(db, "SELECT 1 FROM pruned_event_ranges WHERE ?1 BETWEEN first_batch_id AND last_batch_id");
  query.bind(1, batch_id);
  return query.executeStep();
}

// Whether every chain still holds the newest row the head log names, with that hash.
std::optional<std::string> head_problem(SQLite::Database& db, const std::filesystem::path& trail) {
  for (const auto& [kind, logged] : last_logged_heads(trail)) {
    const ChainTable& chain = chain_table(kind);
    if (kind != chain.kind) continue;  // a word this build does not write: a newer proctrail's
    SQLite::Statement query(db, std::string("SELECT hash FROM ") + chain.table + " WHERE " + chain.id_column + " = ?1");
    query.bind(1, logged.id);
    if (!query.executeStep()) {
      if (kind == "batch" && batch_pruned(db, logged.id)) continue;
      SQLite::Statement newest(db, std::string("SELECT COALESCE(max(") + chain.id_column + "), 0) FROM " + chain.table);
      newest.executeStep();
      return std::string("the ") + chain.noun + " chain ends at " + std::to_string(newest.getColumn(0).getInt64()) +
             ", but its head log (" + head_log_path(trail).string() + ") says " + chain.noun + " " +
             std::to_string(logged.id) + " was committed: " + chain.table + " rows were removed";
    }
    const auto stored = detail::column_blob(query.getColumn(0)).value_or("");
    if (digest::to_hex(stored) != logged.hash_hex) {
      return std::string(chain.noun) + " " + std::to_string(logged.id) + "'s hash differs from the one its head log recorded";
    }
  }
  return std::nullopt;
}

// ---- recording -------------------------------------------------------------------------------

using detail::bind_optional;

struct HostRow {
  int64_t host_id = 0;
  bool created = false;
};

HostRow ensure_host(SQLite::Database& db, const HostInfo& host) {
  SQLite::Statement find(db, "SELECT host_id FROM hosts WHERE boot_id = ?");
  find.bind(1, host.boot_id);
  if (find.executeStep()) return HostRow{find.getColumn(0).getInt64(), false};
  SQLite::Statement insert(db,
      "INSERT INTO hosts (boot_id, machine_id, hostname, kernel, boot_time, clock_ticks, page_size)"
      " VALUES (:boot_id, :machine_id, :hostname, :kernel, :boot_time, :clock_ticks, :page_size)");
  insert.bind(":boot_id", host.boot_id);
  bind_optional(insert, ":machine_id", host.machine_id);
  insert.bind(":hostname", host.hostname);
  bind_optional(insert, ":kernel", host.kernel);
  insert.bind(":boot_time", host.boot_time);
  insert.bind(":clock_ticks", host.clock_ticks);
  insert.bind(":page_size", host.page_size);
  insert.exec();
  return HostRow{db.getLastInsertRowid(), true};
}

struct LatestSnapshot {
  int64_t snapshot_id = 0;
  int64_t started_boottime_ns = 0;
  int64_t seen = 0;
};

std::optional<LatestSnapshot> latest_snapshot(SQLite::Database& db, int64_t host_id) {
  SQLite::Statement query(db,
      "SELECT snapshot_id, started_boottime_ns, processes_seen FROM snapshots"
      " WHERE host_id = ? ORDER BY snapshot_id DESC LIMIT 1");
  query.bind(1, host_id);
  if (!query.executeStep()) return std::nullopt;
  return LatestSnapshot{query.getColumn(0).getInt64(), query.getColumn(1).getInt64(), query.getColumn(2).getInt64()};
}

struct Counts {
  detail::EntityCounts processes;
  int64_t vanished = 0;
  int64_t parse_errors = 0;
};

int64_t insert_snapshot_row(SQLite::Database& db, int64_t host_id, const SnapshotRequest& request,
                            const ProcessTable* table, std::optional<int64_t> coalesced_with,
                            const std::optional<std::string>& prev_hash, const Clock& clock) {
  SQLite::Statement insert(db,
      "INSERT INTO snapshots (host_id, requested_at_us, started_at_us, ended_at_us, started_boottime_ns,"
      " trigger, tag, hook_event, hook_session_id, hook_cwd, hook_transcript_path, hook_error,"
      " coalesced_with, processes_seen, processes_new, processes_gone, processes_changed,"
      " processes_vanished, parse_errors, collector_pid, proctrail_version, prev_hash, hash,"
      " hook_reason, hook_client_pid, hook_client_start_ticks)"
      " VALUES (:host_id, :requested_at_us, :started_at_us, :ended_at_us, :started_boottime_ns,"
      " :trigger, :tag, :hook_event, :hook_session_id, :hook_cwd, :hook_transcript_path, :hook_error,"
      " :coalesced_with, 0, 0, 0, 0, 0, 0, :collector_pid, :version, :prev_hash, X'',"
      " :hook_reason, :hook_client_pid, :hook_client_start_ticks)");
  insert.bind(":host_id", host_id);
  insert.bind(":requested_at_us", request.requested_at_us);
  int64_t now_us = clock.realtime_us();
  insert.bind(":started_at_us", table ? table->started_at_us : now_us);
  insert.bind(":ended_at_us", table ? table->ended_at_us : now_us);
  insert.bind(":started_boottime_ns", table ? table->started_boottime_ns : clock.boottime_ns());
  insert.bind(":trigger", request.trigger);
  bind_optional(insert, ":tag", request.tag);
  bind_optional(insert, ":hook_event", request.hook.event);
  bind_optional(insert, ":hook_session_id", request.hook.session_id);
  bind_optional(insert, ":hook_cwd", request.hook.cwd);
  bind_optional(insert, ":hook_transcript_path", request.hook.transcript_path);
  bind_optional(insert, ":hook_error", request.hook.error);
  bind_optional(insert, ":hook_reason", request.hook.reason);
  const auto& client = request.hook.client;
  bind_optional(insert, ":hook_client_pid", client ? std::optional<int64_t>(client->pid) : std::nullopt);
  bind_optional(insert, ":hook_client_start_ticks",
                client ? std::optional<int64_t>(static_cast<int64_t>(client->start_ticks)) : std::nullopt);
  bind_optional(insert, ":coalesced_with", coalesced_with);
  insert.bind(":collector_pid", static_cast<int64_t>(request.collector_pid));
  insert.bind(":version", PROCTRAIL_VERSION);
  if (prev_hash) {
    insert.bind(":prev_hash", prev_hash->data(), static_cast<int>(prev_hash->size()));
  } else {
    insert.bind(":prev_hash");
  }
  insert.exec();
  return db.getLastInsertRowid();
}

void finish_snapshot(SQLite::Database& db, int64_t snapshot_id, const Counts& counts, SnapshotSummary& summary) {
  const auto& processes = counts.processes;
  SQLite::Statement update(db,
      "UPDATE snapshots SET processes_seen = ?1, processes_new = ?2, processes_gone = ?3, processes_changed = ?4,"
      " processes_vanished = ?5, parse_errors = ?6 WHERE snapshot_id = ?7");
  detail::exec_with(update, processes.seen, processes.created, processes.gone, processes.changed, counts.vanished,
                    counts.parse_errors, snapshot_id);

  std::string hash = digest::snapshot_hash(db, snapshot_id);
  SQLite::Statement set_hash(db, "UPDATE snapshots SET hash = ? WHERE snapshot_id = ?");
  set_hash.bind(1, hash.data(), static_cast<int>(hash.size()));
  set_hash.bind(2, snapshot_id);
  set_hash.exec();

  summary.snapshot_id = snapshot_id;
  summary.seen = processes.seen;
  summary.created = processes.created;
  summary.gone = processes.gone;
  summary.changed = processes.changed;
  summary.vanished = counts.vanished;
  summary.parse_errors = counts.parse_errors;
  summary.hash_hex = digest::to_hex(hash);
}

SnapshotRequest with_defaults(SnapshotRequest request, const Clock& clock) {
  if (request.requested_at_us == 0) request.requested_at_us = clock.realtime_us();
  if (request.requested_boottime_ns == 0) request.requested_boottime_ns = clock.boottime_ns();
  if (request.collector_pid == 0) request.collector_pid = ::getpid();
  return request;
}

}  // namespace

Store::Store(std::filesystem::path path, std::unique_ptr<SQLite::Database> db, StoreOptions options, Logger logger)
    : path_(std::move(path)), db_(std::move(db)), options_(options), logger_(or_null(std::move(logger))),
      events_(std::make_unique<detail::EventWriterState>()) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

SQLite::Database& Store::database() { return *db_; }

namespace {

// Closing still checkpoints, so the database file alone is complete after every run; keeping the
// (then empty) -wal file saves the next run from creating it again and syncing a new WAL header.
void keep_wal_file(SQLite::Database& db) {
  int keep = 1;
  sqlite3_file_control(db.getHandle(), "main", SQLITE_FCNTL_PERSIST_WAL, &keep);
}

// A long-running recorder (watch) would otherwise fill the 64 MiB page cache that the first large
// snapshot needs, page by page, as the trail grows: RSS that climbs for an hour before it levels.
// Past this much, the idle cache is returned between transactions; the next snapshot re-reads the
// few pages it needs from the OS page cache.
constexpr int kIdleCacheBytes = 8 << 20;

void release_idle_cache(SQLite::Database& db) {
  int used = 0, highwater = 0;
  if (sqlite3_db_status(db.getHandle(), SQLITE_DBSTATUS_CACHE_USED, &used, &highwater, 0) != SQLITE_OK) return;
  if (used > kIdleCacheBytes) sqlite3_db_release_memory(db.getHandle());
}

bool is_busy(const SQLite::Exception& e) {
  int code = e.getErrorCode() & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// Opens, checks and migrates. SQLite answers some lock upgrades with SQLITE_BUSY at once instead of
// waiting (two first-time openers racing to switch to WAL or to migrate would deadlock), so the
// whole sequence is retried with jitter until the busy timeout has passed. A file that is not ours
// is refused at once; other SQLite errors propagate.
Result<std::unique_ptr<SQLite::Database>> open_checked(const std::string& where, const StoreOptions& options,
                                                       const Logger& logger, std::vector<std::string>* repairs) {
  const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
  for (int attempt = 0;; ++attempt) {
    try {
      // A Store's connection is used by one thread at a time: SQLite's per-call mutexes are not needed.
      auto db = std::make_unique<SQLite::Database>(where, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX,
                                                   static_cast<int>(options.busy_timeout.count()));
      if (auto identity = check_identity(*db, where); !identity) return identity.error();
      db->exec("PRAGMA journal_mode = WAL");
      db->exec("PRAGMA synchronous = NORMAL");
      db->exec("PRAGMA foreign_keys = ON");
      // A descriptor-heavy first snapshot inserts ~10^5 rows into indexes keyed by inode, in no
      // order: with SQLite's default 2 MiB cache those pages are evicted and re-read. The cache
      // is heap that grows only as pages are touched.
      db->exec("PRAGMA cache_size = -65536");
      // A long reader keeps the WAL from being reset, so it grows; once the reader is gone the next
      // checkpoint truncates it to this size instead of leaving hundreds of MiB on disk.
      db->exec("PRAGMA journal_size_limit = " + std::to_string(options.wal_size_limit_bytes));
      keep_wal_file(*db);
      migrate(*db, logger, repairs);
      return db;
    } catch (const SQLite::Exception& e) {
      if (!is_busy(e) || std::chrono::steady_clock::now() >= deadline) throw;
      logger->debug("opening {}: busy while initialising (attempt {}), retrying", where, attempt + 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + (::getpid() + attempt * 7) % 20));
    }
  }
}

}  // namespace

Result<Store> Store::open(const std::filesystem::path& path, StoreOptions options, Logger logger) {
  logger = or_null(std::move(logger));
  const std::string where = path.string();
  if (auto created = create_private_file(path); !created) return created.error();
  try {
    std::vector<std::string> repairs;
    auto db = open_checked(where, options, logger, &repairs);
    if (!db) return db.error();
    Store store(path, std::move(db.value()), options, logger);
    store.repairs_ = std::move(repairs);
    if (auto closed = store.close_died_cleanup_runs(); !closed) logger->warn("{}", closed.error().message);
    return store;
  } catch (const SQLite::Exception& e) {
    return store_error("opening", path, e, options);
  }
}

int Store::schema_version() { return pragma_int(*db_, "user_version"); }

Result<SnapshotSummary> Store::record(const HostInfo& host, const SnapshotRequest& raw_request, const Collect& collect) {
  const SnapshotRequest request = with_defaults(raw_request, options_.clock);
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    HostRow host_row = ensure_host(*db_, host);
    SnapshotSummary summary;
    Counts counts;
    auto latest = latest_snapshot(*db_, host_row.host_id);
    if (latest && latest->started_boottime_ns >= request.requested_boottime_ns) {
      int64_t id = insert_snapshot_row(*db_, host_row.host_id, request, nullptr, latest->snapshot_id,
                                       detail::last_chain_hash(*db_, "snapshots", "snapshot_id"), options_.clock);
      counts.processes.seen = latest->seen;
      finish_snapshot(*db_, id, counts, summary);
      summary.coalesced_with = latest->snapshot_id;
      transaction.commit();
      append_head("snapshot", summary.snapshot_id, summary.hash_hex);
      return summary;
    }

    // The store's phase timings (proctrail -vv snap), each from the end of the one before.
    using PhaseClock = std::chrono::steady_clock;
    auto mark = PhaseClock::now();
    auto phase_ms = [&mark] {
      const auto now = PhaseClock::now();
      const double ms = std::chrono::duration<double, std::milli>(now - mark).count();
      mark = now;
      return ms;
    };
    // The open process rows are read once: they give the collector its hints and the writer its diff.
    auto open_processes = detail::load_open_processes(*db_, host_row.host_id);
    auto hints = detail::load_collect_hints(*db_, host_row.host_id, options_.full_fd_read_interval);
    detail::add_known_processes(*open_processes, hints);
    hints.memory_targets = request.memory_targets;
    hints.memory_match = request.memory_match;
    const double hints_ms = phase_ms();
    auto table = collect(hints);
    const double collect_ms = phase_ms();
    if (!table) return table.error();
    counts.vanished = table->vanished;
    counts.parse_errors = static_cast<int64_t>(table->unparsed_pids.size());
    int64_t id = insert_snapshot_row(*db_, host_row.host_id, request, &table.value(), std::nullopt,
                                     detail::last_chain_hash(*db_, "snapshots", "snapshot_id"), options_.clock);
    if (host_row.created) counts.processes.gone += detail::close_earlier_boots(*db_, host_row.host_id, id, host);
    auto process_ids =
        detail::write_processes(*db_, host_row.host_id, id, host, *table, options_, logger_,
                                std::move(open_processes), counts.processes);
    detail::write_memory_samples(*db_, id, *table, process_ids);
    const double processes_ms = phase_ms();
    auto descriptors = detail::write_descriptors(*db_, host_row.host_id, id, *table, process_ids);
    const double descriptors_ms = phase_ms();
    summary.fds_seen = descriptors.fds.seen;
    summary.fds_new = descriptors.fds.created;
    summary.fds_gone = descriptors.fds.gone;
    if (descriptors.sockets) summary.sockets_seen = descriptors.sockets->seen;
    summary.sockets_source = descriptors.sockets_source;
    auto containers = detail::write_containers(*db_, host_row.host_id, id, *table);
    if (containers.containers) summary.containers_seen = containers.containers->seen;
    summary.containers_source = containers.source;
    const double containers_ms = phase_ms();
    finish_snapshot(*db_, id, counts, summary);
    const double hash_ms = phase_ms();
    transaction.commit();
    const double commit_ms = phase_ms();
    append_head("snapshot", summary.snapshot_id, summary.hash_hex);
    release_idle_cache(*db_);
    logger_->debug("snapshot {} store phases: hints {:.1f} ms, collect {:.1f} ms, processes {:.1f} ms, descriptors and "
                   "sockets {:.1f} ms, containers {:.1f} ms, hash {:.1f} ms, commit {:.1f} ms, head log {:.1f} ms",
                   summary.snapshot_id, hints_ms, collect_ms, processes_ms, descriptors_ms, containers_ms, hash_ms,
                   commit_ms, phase_ms());
    return summary;
  } catch (const SQLite::Exception& e) {
    return store_error("recording a snapshot into", path_, e, options_);
  }
}

Result<EventBatchSummary> Store::record_events(const HostInfo& host, std::span<const ProcEvent> events) {
  if (events.empty()) return EventBatchSummary{};
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    HostRow host_row = ensure_host(*db_, host);
    auto counts = detail::write_events(*db_, host_row.host_id, host, events, *events_);
    const ChainHead head = newest_head(*db_, chain_table("batch"));
    transaction.commit();
    append_head(head.kind, head.id, head.hash_hex);
    release_idle_cache(*db_);
    return EventBatchSummary{counts.batch_id, counts.events, counts.gaps};
  } catch (const SQLite::Exception& e) {
    return store_error("recording process events into", path_, e, options_);
  }
}

Result<int64_t> Store::record_exec_run(const HostInfo& host, const ExecRunRecord& run) {
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    HostRow host_row = ensure_host(*db_, host);
    SQLite::Statement insert(*db_,
        "INSERT INTO exec_runs (host_id, marker, argv, tag, started_at_us, ended_at_us, before_snapshot_id,"
        " after_snapshot_id, exit_code, leaked_processes, leaked_containers, events)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    SQLite::bind(insert, host_row.host_id, run.marker, run.argv);
    bind_optional(insert, 4, run.tag);
    insert.bind(5, run.started_at_us);
    insert.bind(6, run.ended_at_us);
    bind_optional(insert, 7, run.before_snapshot_id);
    bind_optional(insert, 8, run.after_snapshot_id);
    insert.bind(9, run.exit_code);
    insert.bind(10, static_cast<int64_t>(run.leaks.processes.size()));
    insert.bind(11, static_cast<int64_t>(run.leaks.containers.size()));
    insert.bind(12, run.events);
    insert.exec();
    const int64_t run_id = db_->getLastInsertRowid();
    SQLite::Statement leak(*db_,
        "INSERT INTO exec_leaks (run_id, kind, pid, start_ticks, container_id, argv, escape_route, found_by, age_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    for (const auto& p : run.leaks.processes) {
      leak.reset();
      SQLite::bind(leak, run_id, "process", static_cast<int64_t>(p.key.pid), static_cast<int64_t>(p.key.start_ticks));
      leak.bind(5);
      leak.bind(6, p.argv);
      leak.bind(7, p.escape);
      leak.bind(8, p.found_by);
      leak.bind(9, p.age_ms);
      leak.exec();
    }
    for (const auto& c : run.leaks.containers) {
      leak.reset();
      leak.clearBindings();
      SQLite::bind(leak, run_id, "container");
      leak.bind(5, c.id);
      leak.bind(6, c.image);
      leak.bind(8, c.found_by);
      leak.exec();
    }
    transaction.commit();
    return run_id;
  } catch (const SQLite::Exception& e) {
    return store_error("recording the exec run into", path_, e, options_);
  }
}

namespace {

struct ChainBreak {
  int64_t id = 0;
  std::string problem;
};

// Walks one hash chain (`sql` yields id, prev_hash, hash in order): each prev_hash must be the hash
// before it, and each row's content must re-hash (`rehash(id)`) to the hash `content_target(id,
// stored)` names: its stored hash, or for a pruned snapshot the hash its prune recorded of what it
// left (the stored hash then only links). `bridge(id, expected_prev)` carries expected_prev across
// rows a prune deleted before `id`.
template <class Rehash, class Target, class Bridge>
std::optional<ChainBreak> walk_chain(SQLite::Database& db, const char* sql, const char* noun, int64_t& checked,
                                     Rehash rehash, Target content_target, Bridge bridge) {
  SQLite::Statement chain(db, sql);
  std::optional<std::string> expected_prev;
  while (chain.executeStep()) {
    const int64_t id = chain.getColumn(0).getInt64();
    auto prev = detail::column_blob(chain.getColumn(1));
    auto hash = detail::column_blob(chain.getColumn(2));
    ++checked;
    if (auto broken = bridge(id, expected_prev)) return ChainBreak{id, *broken};
    if (prev != expected_prev) {
      return ChainBreak{id, std::string("prev_hash does not match the hash of the ") + noun +
                                " before it (one was removed or rewritten)"};
    }
    if (!hash || rehash(id) != content_target(id, *hash)) {
      return ChainBreak{id, std::string("content does not match its hash (rows of this ") + noun + " were edited, added or removed)"};
    }
    expected_prev = hash;
  }
  return std::nullopt;
}

const std::string& stored_hash_is_target(int64_t, const std::string& stored) { return stored; }

std::optional<std::string> no_bridge(int64_t, std::optional<std::string>&) { return std::nullopt; }

template <class Rehash>
std::optional<ChainBreak> walk_chain(SQLite::Database& db, const char* sql, const char* noun, int64_t& checked, Rehash rehash) {
  return walk_chain(db, sql, noun, checked, rehash, stored_hash_is_target, no_bridge);
}

// A run's chain hash when its seal (end_hash) still matches the columns set after its start; else
// nothing, which no stored hash equals.
std::string rehash_sealed_run(SQLite::Database& db, int64_t run_id) {
  SQLite::Statement seal(db, "SELECT end_hash FROM cleanup_runs WHERE run_id = ?1");
  seal.bind(1, run_id);
  if (!seal.executeStep() || detail::column_blob(seal.getColumn(0)) != digest::cleanup_run_end_hash(db, run_id)) return {};
  return digest::cleanup_run_hash(db, run_id);
}

// Carries the event chain across the holes prunes left: each hole must start where the chain stood
// (its first batch's recorded prev_hash) and the chain resumes from its last batch's recorded hash.
class EventHoleBridge {
 public:
  explicit EventHoleBridge(const std::vector<detail::EventHole>& holes) : holes_(holes) {}
  std::optional<std::string> operator()(int64_t id, std::optional<std::string>& expected_prev) {
    for (; next_ < holes_.size() && holes_[next_].first_batch_id < id; ++next_) {
      const auto& hole = holes_[next_];
      if (hole.first_prev_hash != expected_prev) {
        return "the batches pruned before it (" + std::to_string(hole.first_batch_id) + "-" +
               std::to_string(hole.last_batch_id) + ") did not follow the batch before them (one was removed or rewritten)";
      }
      expected_prev = hole.last_hash;
    }
    return std::nullopt;
  }

 private:
  const std::vector<detail::EventHole>& holes_;
  size_t next_ = 0;
};

}  // namespace

Result<VerifyReport> Store::verify() {
  try {
    SQLite::Transaction read(*db_);  // one consistent view; rolled back, nothing written
    VerifyReport report;
    // Prune records first: which snapshots are link-only is taken from them only once they verify.
    auto prunes = walk_chain(*db_, "SELECT prune_id, prev_hash, hash FROM prunes ORDER BY prune_id", "prune",
                             report.prunes_checked, [&](int64_t id) { return digest::prune_hash(*db_, id); });
    if (!prunes) {
      if (auto anchor = detail::check_prune_anchors(*db_)) prunes = ChainBreak{anchor->prune_id, anchor->problem};
    }
    if (prunes) {
      report.first_bad_prune = prunes->id;
      report.prune_problem = prunes->problem;
      return report;
    }
    const auto marks = detail::load_prune_marks(*db_);
    auto snapshots = walk_chain(
        *db_, "SELECT snapshot_id, prev_hash, hash FROM snapshots ORDER BY snapshot_id", "snapshot",
        report.snapshots_checked, [&](int64_t id) { return digest::snapshot_hash(*db_, id); },
        [&](int64_t id, const std::string& stored) -> const std::string& {
          auto pruned = marks.pruned.find(id);
          if (pruned == marks.pruned.end()) return stored;
          ++report.snapshots_link_only;
          return pruned->second;
        },
        no_bridge);
    if (snapshots) {
      report.first_bad_snapshot = snapshots->id;
      report.problem = snapshots->problem;
      return report;
    }
    SQLite::Statement newest(*db_, "SELECT snapshot_id, hash FROM snapshots ORDER BY snapshot_id DESC LIMIT 1");
    if (newest.executeStep()) {
      report.head_snapshot_id = newest.getColumn(0).getInt64();
      report.head_hash_hex = digest::to_hex(detail::column_blob(newest.getColumn(1)).value_or(""));
    }
    // Event batches (watch --events) form a chain of their own, across the holes prunes left.
    auto batches = walk_chain(*db_, "SELECT batch_id, prev_hash, hash FROM event_batches ORDER BY batch_id", "event batch",
                              report.event_batches_checked, [&](int64_t id) { return digest::event_batch_hash(*db_, id); },
                              stored_hash_is_target, EventHoleBridge(marks.event_holes));
    if (batches) {
      report.first_bad_batch = batches->id;
      report.batch_problem = batches->problem;
      return report;
    }
    // The cleanup audit trail is chained the same way, action by action.
    auto actions = walk_chain(*db_, "SELECT action_id, prev_hash, hash FROM cleanup_actions ORDER BY action_id", "action",
                              report.actions_checked, [&](int64_t id) { return digest::action_hash(*db_, id); });
    if (actions) {
      report.first_bad_action = actions->id;
      report.action_problem = actions->problem;
      return report;
    }
    // Cleanup runs: chained by what is fixed at their start, each sealed over what was set later.
    auto runs = walk_chain(*db_, "SELECT run_id, prev_hash, hash FROM cleanup_runs ORDER BY run_id", "cleanup run",
                           report.runs_checked, [&](int64_t id) { return rehash_sealed_run(*db_, id); });
    if (runs) {
      report.first_bad_run = runs->id;
      report.run_problem = runs->problem;
      return report;
    }
    report.schema_problem = schema_problem(*db_);
    if (!report.schema_problem && !repairs_.empty()) report.schema_problem = repairs_.front();
    if (report.schema_problem) return report;
    report.head_problem = head_problem(*db_, path_);
    if (report.head_problem) return report;
    report.spawn_counts_problem = detail::spawn_counts_problem(*db_);  // a summary: checked once its sources are
    return report;
  } catch (const SQLite::Exception& e) {
    return store_error("verifying", path_, e, options_);
  }
}

Result<std::string> Store::snapshot_hash_hex(int64_t snapshot_id) {
  try {
    SQLite::Statement query(*db_, "SELECT hash FROM snapshots WHERE snapshot_id = ?1");
    query.bind(1, snapshot_id);
    if (!query.executeStep()) return Error{"no snapshot " + std::to_string(snapshot_id) + " in " + path_.string(), ErrorKind::not_found};
    return digest::to_hex(detail::column_blob(query.getColumn(0)).value_or(""));
  } catch (const SQLite::Exception& e) {
    return store_error("reading snapshot " + std::to_string(snapshot_id) + "'s hash from", path_, e, options_);
  }
}

Result<PruneReport> Store::prune(const PruneOptions& options) {
  try {
    return detail::prune_trail(*db_, options, logger_);
  } catch (const SQLite::Exception& e) {
    auto error = store_error("pruning", path_, e, options_);
    error.message += "; nothing was deleted";
    return error;
  }
}

Result<VacuumReport> Store::vacuum() {
  try {
    return detail::vacuum_trail(*db_);
  } catch (const SQLite::Exception& e) {
    auto error = store_error("vacuuming", path_, e, options_);
    error.message += "; VACUUM needs free space about the database's size, in its folder and the temporary folder";
    return error;
  }
}

// ---- the cleanup audit trail ---------------------------------------------------------------------

Result<int64_t> Store::begin_cleanup_run(const CleanupRunStart& run) {
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    auto run_id = detail::insert_cleanup_run(*db_, run);
    if (run_id) {
      const ChainHead head = newest_head(*db_, chain_table("run"));
      transaction.commit();
      append_head(head.kind, head.id, head.hash_hex);
    }
    if (!run_id) {
      return Error{"recording the cleanup run into " + path_.string() + ": no snapshot " +
                   std::to_string(run.evidence_snapshot_id), ErrorKind::not_found};
    }
    return *run_id;
  } catch (const SQLite::Exception& e) {
    return store_error("recording the cleanup run into", path_, e, options_);
  }
}

Status Store::mark_cleanup_run_live(int64_t run_id) {
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (!detail::set_cleanup_run_live(*db_, run_id)) {
      return Error{"marking cleanup run " + std::to_string(run_id) + " live in " + path_.string() + ": no such run", ErrorKind::not_found};
    }
    transaction.commit();
    return ok_status();
  } catch (const SQLite::Exception& e) {
    return store_error("marking cleanup run " + std::to_string(run_id) + " live in", path_, e, options_);
  }
}

Result<int64_t> Store::record_cleanup_action(int64_t run_id, int64_t evidence_snapshot_id, const CleanupAuditRow& row) {
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    const int64_t action_id = detail::append_cleanup_action(*db_, run_id, evidence_snapshot_id, row);
    const ChainHead head = newest_head(*db_, chain_table("action"));
    transaction.commit();
    append_head(head.kind, head.id, head.hash_hex);
    return action_id;
  } catch (const SQLite::Exception& e) {
    return store_error("recording a cleanup action into", path_, e, options_);
  }
}

Status Store::finish_cleanup_run(int64_t run_id, const CleanupRunEnd& end) {
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (!detail::close_cleanup_run(*db_, run_id, end)) {
      return Error{"finishing cleanup run " + std::to_string(run_id) + " in " + path_.string() + ": no such run", ErrorKind::not_found};
    }
    transaction.commit();
    return ok_status();
  } catch (const SQLite::Exception& e) {
    return store_error("finishing cleanup run " + std::to_string(run_id) + " in", path_, e, options_);
  }
}

Result<int64_t> Store::close_died_cleanup_runs() {
  try {
    const auto runs = detail::unfinished_cleanup_runs(*db_);  // a read; most opens stop here
    if (runs.empty()) return int64_t{0};
    const auto here = fs::read_here();
    int64_t closed = 0;
    for (const auto& run : runs) {
      const fs::RecordedProcess owner{run.boot_id, run.machine_id, run.pid, run.start_ticks};
      if (fs::presence_of(owner, here) != fs::Presence::gone) continue;
      const std::string why = "the cleanup (pid " + std::to_string(run.pid) +
                                 ") ended before it recorded this outcome; found gone when pid " +
                                 std::to_string(::getpid()) + " opened the trail";
      SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      const auto appended = detail::close_died_cleanup_run(*db_, run.run_id, options_.clock.realtime_us(), why);
      const ChainHead head = newest_head(*db_, chain_table("action"));
      transaction.commit();
      if (appended && *appended > 0) append_head(head.kind, head.id, head.hash_hex);
      if (!appended) continue;  // another opener closed it first
      ++closed;
      logger_->warn("cleanup run {} (pid {}) ended without finishing: {} target(s) it had signalled are recorded as interrupted",
                    run.run_id, run.pid, *appended);
    }
    return closed;
  } catch (const SQLite::Exception& e) {
    return store_error("closing the cleanup runs that died in", path_, e, options_);
  }
}

void Store::append_head(const char* kind, int64_t id, const std::string& hash_hex) {
  if (id == 0) return;
  const std::string line = std::string(kind) + " " + std::to_string(id) + " " + hash_hex + "\n";
  auto fd = open_private_append(head_log_path(path_));
  if (!fd) {
    logger_->warn("head log: {}", fd.error().message);
    return;
  }
  if (::write(*fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    logger_->warn("head log: writing {} failed: {}", head_log_path(path_).string(), std::strerror(errno));
  }
  ::close(*fd);
}

}  // namespace proctrail
