// Store::record_import: an imported ps/lsof table as one snapshot of its own host row.
//
// The import's host row stands for the file, not for a boot: boot_id "import:" + the file's SHA-256
// (so the same file cannot be imported twice), machine_id NULL, boot_time 0 and 100 clock ticks per
// second. A process whose start is known to the second gets start_ticks = its start in unix seconds
// × 100, so start_time_us = boot_time + start_ticks / clock_ticks holds as for live rows; a coarse
// or unknown start gets start_ticks 0 (in one import the pid alone is the identity: ps lists each
// once). Live snapshots diff only against their own host's open rows, so an import never closes or
// reopens a live process, and a live reboot never closes an import's rows (close_earlier_boots).
#include <unistd.h>

#include <unordered_map>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/store.hpp"
#include "recorder/store/descriptor_writer.hpp"
#include "recorder/store/digest.hpp"
#include "recorder/store/entity_writer.hpp"
#include "recorder/store/spawn_ledger.hpp"
#include "recorder/store/sqlite_util.hpp"
#include "recorder/store/trail_error.hpp"

namespace proctrail {
namespace {

using detail::bind_optional;

constexpr int64_t kImportClockTicks = 100;

std::optional<int64_t> snapshot_of_import(SQLite::Database& db, const std::string& sha256) {
  SQLite::Statement find(db, "SELECT snapshot_id FROM imports WHERE file_sha256 = ?1");
  find.bind(1, sha256);
  if (!find.executeStep()) return std::nullopt;
  return find.getColumn(0).getInt64();
}

int64_t insert_host(SQLite::Database& db, const ImportedTable& table, const ImportSource& source) {
  SQLite::Statement insert(db,
      "INSERT INTO hosts (boot_id, machine_id, hostname, kernel, boot_time, clock_ticks, page_size)"
      " VALUES (?1, NULL, ?2, ?3, 0, ?4, 4096)");
  SQLite::bind(insert, "import:" + source.file_sha256, source.host_name.value_or(source.file_name), table.format,
               kImportClockTicks);
  insert.exec();
  return db.getLastInsertRowid();
}

int64_t insert_snapshot(SQLite::Database& db, int64_t host_id, const ImportedTable& table, const ImportSource& source) {
  SQLite::Statement insert(db,
      "INSERT INTO snapshots (host_id, requested_at_us, started_at_us, ended_at_us, started_boottime_ns, trigger, tag,"
      " processes_seen, processes_new, processes_gone, processes_changed, processes_vanished, parse_errors,"
      " collector_pid, proctrail_version, prev_hash, hash)"
      " VALUES (?1, ?2, ?2, ?2, ?3, 'import', ?4, ?5, ?5, 0, 0, 0, 0, ?6, ?7, ?8, X'')");
  insert.bind(1, host_id);
  insert.bind(2, source.taken_at_us);
  insert.bind(3, source.taken_at_us * 1000);  // boot_time 0: boottime is unix time
  bind_optional(insert, 4, source.tag);
  insert.bind(5, static_cast<int64_t>(table.processes.size()));
  insert.bind(6, static_cast<int64_t>(::getpid()));
  insert.bind(7, PROCTRAIL_VERSION);
  auto prev_hash = detail::last_chain_hash(db, "snapshots", "snapshot_id");
  if (prev_hash) {
    insert.bind(8, prev_hash->data(), static_cast<int>(prev_hash->size()));
  } else {
    insert.bind(8);
  }
  insert.exec();
  return db.getLastInsertRowid();
}

// start_ticks of an imported process: exact seconds × 100, else 0 (see the notes at the top).
int64_t start_ticks_of(const ImportedProcess& process) {
  if (!process.start_time_us || process.start_precision_s != 1) return 0;
  return *process.start_time_us / 1'000'000 * kImportClockTicks;
}

// An imported table's processes: a host of its own, so none is open and every one is first seen
// (within one import the pid alone is the identity: ps lists each once).
struct ImportedProcessEntity {
  using Sample = ImportedProcess;
  using Key = pid_t;
  struct Open {
    int64_t row = 0;
  };
  static constexpr detail::EntityTable table{"processes", "process_id", "host_id"};
  static constexpr const char* insert_columns =
      "pid, start_ticks, start_time_us, ppid, state, comm, argv, cwd, uid, pgid, sid, threads, rss_kb, is_kernel_thread,"
      " start_precision_s, cpu_ticks, vsz_kb, user_name";
  static constexpr std::tuple<> facts{};

  static std::string open_rows() { return detail::open_rows_of(table, "pid"); }
  static Key read_open(SQLite::Statement& row, Open& open) {
    open.row = row.getColumn(0).getInt64();
    return row.getColumn(1).getInt();
  }
  static Key key_of(const ImportedProcess& process) { return process.pid; }
  static int64_t insert(detail::NewRow<ImportedProcessEntity>& row, const ImportedProcess& p) {
    return row.insert(p.pid, start_ticks_of(p), p.start_time_us, p.ppid, p.state, p.comm, p.command, p.cwd, p.uid,
                      p.pgid, p.sid, p.threads, p.rss_kb, false, p.start_precision_s, p.cpu_ticks, p.vsz_kb, p.user);
  }
};

class ProcessRows {
 public:
  ProcessRows(SQLite::Database& db, int64_t host_id, int64_t snapshot_id)
      : db_(db), host_id_(host_id), snapshot_id_(snapshot_id),
        set_parent_(db,
            "UPDATE processes SET parent_pid = ?2, parent_start_ticks = ?3, parent_process_id = ?4 WHERE process_id = ?1"),
        ledger_(db, host_id) {}

  std::vector<int64_t> write(const ImportedTable& table) {
    ImportedProcessEntity entity;
    detail::EntityCounts counts;
    std::vector<int64_t> process_ids =
        detail::EntityWriter(db_, snapshot_id_, entity).write(host_id_, table.processes, counts);
    std::unordered_map<pid_t, size_t> by_pid;
    for (size_t i = 0; i < table.processes.size(); ++i) by_pid.emplace(table.processes[i].pid, i);
    for (size_t i = 0; i < table.processes.size(); ++i) {
      const auto& process = table.processes[i];
      std::optional<size_t> parent;
      if (process.ppid) {
        auto found = by_pid.find(*process.ppid);
        if (found != by_pid.end() && started_no_later(table.processes[found->second], process)) parent = found->second;
      }
      if (parent) {
        detail::exec_with(set_parent_, process_ids[i], *process.ppid, start_ticks_of(table.processes[*parent]),
                          process_ids[*parent]);
      }
      count_spawn(process, parent ? std::optional(process_ids[*parent]) : std::nullopt);
    }
    return process_ids;
  }

 private:
  // Known only when both starts are: the parent's interval begins no later than the child's ends.
  static bool started_no_later(const ImportedProcess& parent, const ImportedProcess& child) {
    if (!parent.start_time_us || !child.start_time_us) return false;
    return *parent.start_time_us <= *child.start_time_us + child.start_precision_s.value_or(0) * 1'000'000;
  }

  // spawn_counts (spawn-rate) for processes whose start minute is known.
  void count_spawn(const ImportedProcess& process, std::optional<int64_t> parent_process_id) {
    if (!process.start_time_us) return;
    const int64_t parent_key = parent_process_id ? *parent_process_id : -static_cast<int64_t>(process.ppid.value_or(0));
    ledger_.add(*process.start_time_us / 60'000'000, parent_key, process.command.value_or(""), 1);
  }

  SQLite::Database& db_;
  int64_t host_id_;
  int64_t snapshot_id_;
  SQLite::Statement set_parent_;
  detail::SpawnLedger ledger_;
};

// lsof's descriptors and sockets through the live descriptor writer (a new host: every row is new).
detail::DescriptorCounts write_lsof_descriptors(SQLite::Database& db, int64_t host_id, int64_t snapshot_id,
                                                const ImportedTable& table, const std::vector<int64_t>& process_ids) {
  ProcessTable descriptors;
  descriptors.fds_collected = true;
  descriptors.started_at_us = 0;
  descriptors.sockets = table.sockets;
  descriptors.sockets_source = "lsof";
  for (const auto& process : table.processes) {
    ProcessSample sample;
    sample.key.pid = process.pid;
    sample.fds = process.fds;
    descriptors.processes.push_back(std::move(sample));
  }
  return detail::write_descriptors(db, host_id, snapshot_id, descriptors, process_ids);
}

void insert_import_rows(SQLite::Database& db, int64_t snapshot_id, const ImportedTable& table, const ImportSource& source) {
  SQLite::Statement insert(db,
      "INSERT INTO imports (snapshot_id, source, format, file_name, file_sha256, file_bytes, taken_at_us, taken_at_source,"
      " lines_read, lines_taken, lines_skipped, utc_offset_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  SQLite::bind(insert, snapshot_id, source.source, table.format, source.file_name, source.file_sha256, source.file_bytes,
               source.taken_at_us, source.taken_at_source, table.lines_read, table.lines_taken,
               table.lines_read - table.lines_taken);
  bind_optional(insert, 12, source.utc_offset_s);
  insert.exec();
  const int64_t import_id = db.getLastInsertRowid();
  SQLite::Statement skipped(db,
      "INSERT OR IGNORE INTO import_skipped_lines (import_id, line_number, reason, text) VALUES (?1, ?2, ?3, ?4)");
  for (const auto& line : table.skipped) detail::exec_with(skipped, import_id, line.line_number, line.reason, line.text);
}

std::string seal(SQLite::Database& db, int64_t snapshot_id) {
  std::string hash = digest::snapshot_hash(db, snapshot_id);
  SQLite::Statement set_hash(db, "UPDATE snapshots SET hash = ?1 WHERE snapshot_id = ?2");
  set_hash.bind(1, hash.data(), static_cast<int>(hash.size()));
  set_hash.bind(2, snapshot_id);
  set_hash.exec();
  return digest::to_hex(hash);
}

}  // namespace

Result<ImportSummary> Store::record_import(const ImportedTable& table, const ImportSource& source) {
  try {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (auto earlier = snapshot_of_import(*db_, source.file_sha256)) {
      return Error{source.file_name + " was already imported as snapshot " + std::to_string(*earlier)};
    }
    const int64_t host_id = insert_host(*db_, table, source);
    const int64_t snapshot_id = insert_snapshot(*db_, host_id, table, source);
    auto process_ids = ProcessRows(*db_, host_id, snapshot_id).write(table);
    ImportSummary summary;
    summary.snapshot_id = snapshot_id;
    summary.processes = static_cast<int64_t>(table.processes.size());
    if (source.source == "lsof") {
      auto counts = write_lsof_descriptors(*db_, host_id, snapshot_id, table, process_ids);
      summary.fds = counts.fds.seen;
      if (counts.sockets) summary.sockets = counts.sockets->seen;
    }
    insert_import_rows(*db_, snapshot_id, table, source);
    summary.hash_hex = seal(*db_, snapshot_id);
    transaction.commit();
    append_head("snapshot", snapshot_id, summary.hash_hex);
    return summary;
  } catch (const SQLite::Exception& e) {
    return Error{"importing " + source.file_name + " into " + path_.string() + ": " + e.what(),
                 detail::sqlite_error_kind(e.getErrorCode())};
  }
}

}  // namespace proctrail
