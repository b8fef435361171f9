// Canonical content of a snapshot, and its hash.
//
// Invariants:
//  - The content of snapshot S is: the snapshot row (every column but hash, prev_hash included),
//    its host row, the process rows it first saw (every column but gone_by), the identities of the
//    processes it closed, and every change row it wrote; each set in a fixed order.
//  - Nothing a later snapshot writes changes S's content (a later closure sets gone_by, which is
//    S's content only if S is the closer), so hashes never need recomputing.
//  - Values are encoded with a type tag and a length, so no two different contents encode alike.
//  - A set with no rows contributes nothing (not even its index), so a migration that adds a table
//    adds a set here without changing the hash of any snapshot written before it.
//  - Columns are listed by name: a migration that adds a column must not add it here for old rows.
//  - The same holds for the cleanup action chain (action_hash): a column added later is hashed only
//    where it is set (016: intent_action_id), after the columns every action has.
#include "recorder/store/digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

namespace proctrail::digest {
namespace {

constexpr const char* kContentQueries[] = {
    "SELECT snapshot_id, host_id, requested_at_us, started_at_us, ended_at_us, started_boottime_ns,"
    " trigger, tag, hook_event, hook_session_id, hook_cwd, hook_transcript_path, hook_error,"
    " coalesced_with, processes_seen, processes_new, processes_gone, processes_changed,"
    " processes_vanished, parse_errors, collector_pid, proctrail_version, prev_hash"
    " FROM snapshots WHERE snapshot_id = :s",
    "SELECT h.host_id, h.boot_id, h.machine_id, h.hostname, h.kernel, h.boot_time, h.clock_ticks, h.page_size"
    " FROM hosts h JOIN snapshots s ON s.host_id = h.host_id WHERE s.snapshot_id = :s",
    "SELECT process_id, host_id, pid, start_ticks, start_time_us, parent_pid, parent_start_ticks,"
    " parent_process_id, ppid, state, comm, exe, argv, cwd, uid, euid, pgid, sid, tty_nr, threads,"
    " rss_kb, utime_ticks, stime_ticks, cgroup, pid_ns, is_kernel_thread, first_seen"
    " FROM processes WHERE first_seen = :s ORDER BY process_id",
    "SELECT process_id, host_id, pid, start_ticks FROM processes WHERE gone_by = :s ORDER BY process_id",
    "SELECT process_id, ppid FROM process_ppid_changes WHERE snapshot_id = :s ORDER BY process_id",
    "SELECT process_id, state FROM process_state_changes WHERE snapshot_id = :s ORDER BY process_id",
    "SELECT process_id, comm, exe, argv FROM process_command_changes WHERE snapshot_id = :s ORDER BY process_id",
    "SELECT process_id, rss_kb, threads, utime_ticks, stime_ticks FROM process_usage_changes"
    " WHERE snapshot_id = :s ORDER BY process_id",
    // migration 002
    "SELECT snapshot_id, fds_seen, fds_new, fds_gone, fds_unreadable, fds_carried, sockets_seen, sockets_new,"
    " sockets_gone, sockets_changed, sockets_source FROM snapshot_collections WHERE snapshot_id = :s",
    "SELECT fd_id, process_id, fd, kind, inode, dev, mode, flags, target, first_seen FROM fds"
    " WHERE first_seen = :s ORDER BY fd_id",
    "SELECT fd_id, process_id, fd FROM fds WHERE gone_by = :s ORDER BY fd_id",
    "SELECT socket_id, host_id, netns, inode, family, protocol, local_address, local_port, path, uid, state,"
    " remote_address, remote_port, peer_inode, first_seen FROM sockets WHERE first_seen = :s ORDER BY socket_id",
    "SELECT socket_id, host_id, inode FROM sockets WHERE gone_by = :s ORDER BY socket_id",
    "SELECT socket_id, state, remote_address, remote_port, peer_inode FROM socket_changes"
    " WHERE snapshot_id = :s ORDER BY socket_id",
    // migration 004 (the container columns of processes as their own set, so older hashes stand)
    "SELECT process_id, container_id, container_runtime, container_source FROM processes"
    " WHERE first_seen = :s AND container_id IS NOT NULL ORDER BY process_id",
    "SELECT snapshot_id, source, containers_seen, containers_new, containers_gone, containers_changed"
    " FROM container_collections WHERE snapshot_id = :s",
    "SELECT container_row, host_id, engine, container_id, name, image, command, created_at_us, labels,"
    " compose_project, compose_service, testcontainers_session, state, status, started_at_us, finished_at_us,"
    " exit_code, init_pid, first_seen FROM containers WHERE first_seen = :s ORDER BY container_row",
    "SELECT container_row, container_id FROM containers WHERE gone_by = :s ORDER BY container_row",
    "SELECT container_row, state, started_at_us, finished_at_us, exit_code, init_pid FROM container_changes"
    " WHERE snapshot_id = :s ORDER BY container_row",
    // migration 011 (the imported columns of processes as their own set, so older hashes stand)
    "SELECT process_id, start_precision_s, cpu_ticks, vsz_kb, user_name FROM processes WHERE first_seen = :s"
    " AND (start_precision_s IS NOT NULL OR cpu_ticks IS NOT NULL OR vsz_kb IS NOT NULL OR user_name IS NOT NULL)"
    " ORDER BY process_id",
    "SELECT import_id, snapshot_id, source, format, file_name, file_sha256, file_bytes, taken_at_us, taken_at_source,"
    " lines_read, lines_taken, lines_skipped FROM imports WHERE snapshot_id = :s",
    "SELECT k.import_id, k.line_number, k.reason, k.text FROM import_skipped_lines k"
    " JOIN imports i ON i.import_id = k.import_id WHERE i.snapshot_id = :s ORDER BY k.line_number, k.reason",
    // migration 014 (only where set, so the hashes of earlier imports stand)
    "SELECT import_id, utc_offset_s FROM imports WHERE snapshot_id = :s AND utc_offset_s IS NOT NULL",
    // migration 015 (new columns only where set, so earlier hashes stand)
    "SELECT snapshot_id, hook_reason, hook_client_pid, hook_client_start_ticks FROM snapshots"
    " WHERE snapshot_id = :s AND (hook_reason IS NOT NULL OR hook_client_pid IS NOT NULL)",
    "SELECT process_id, inherited_by, session_variable, session_marker, context_switches, swap_kb, unreadable"
    " FROM processes WHERE first_seen = :s AND (inherited_by IS NOT NULL OR session_variable IS NOT NULL"
    " OR context_switches IS NOT NULL OR swap_kb IS NOT NULL OR unreadable IS NOT NULL) ORDER BY process_id",
    "SELECT process_id, swap_kb FROM process_usage_changes WHERE snapshot_id = :s AND swap_kb IS NOT NULL"
    " ORDER BY process_id",
    "SELECT process_id, activity, cpu_percent, interval_s, io_known FROM process_activity_changes"
    " WHERE snapshot_id = :s ORDER BY process_id",
    "SELECT process_id, rss_kb, pss_kb, uss_kb, swap_kb FROM process_memory_samples WHERE snapshot_id = :s"
    " ORDER BY process_id",
};

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("SHA-256 unavailable");
    }
  }
  void update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  void update_u64(uint64_t value) {
    std::array<unsigned char, 8> bytes{};
    for (int i = 7; i >= 0; --i, value >>= 8) bytes[static_cast<size_t>(i)] = static_cast<unsigned char>(value & 0xff);
    update(bytes.data(), bytes.size());
  }
  void update_tagged(char tag, const void* data, size_t size) {
    update(&tag, 1);
    update_u64(size);
    update(data, size);
  }
  std::string finish() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), out.data(), &size);
    return std::string(reinterpret_cast<const char*>(out.data()), size);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

void hash_column(Sha256& sha, const SQLite::Column& column) {
  switch (column.getType()) {
    case SQLITE_NULL:
      sha.update_tagged('N', nullptr, 0);
      return;
    case SQLITE_INTEGER: {
      sha.update("I", 1);
      sha.update_u64(static_cast<uint64_t>(column.getInt64()));
      return;
    }
    case SQLITE_FLOAT: {
      std::string text = column.getString();
      sha.update_tagged('F', text.data(), text.size());
      return;
    }
    case SQLITE_TEXT:
      sha.update_tagged('T', column.getText(), static_cast<size_t>(column.getBytes()));
      return;
    default:
      sha.update_tagged('B', column.getBlob(), static_cast<size_t>(column.getBytes()));
  }
}

}  // namespace

std::string snapshot_hash(SQLite::Database& db, int64_t snapshot_id) {
  Sha256 sha;
  static constexpr char kDomain[] = "proctrail-snapshot-v1";
  sha.update(kDomain, sizeof kDomain);
  uint64_t set_index = 0;
  for (const char* sql : kContentQueries) {
    SQLite::Statement query(db, sql);
    query.bind(":s", snapshot_id);
    bool first_row = true;
    while (query.executeStep()) {
      if (first_row) sha.update_u64(set_index);
      first_row = false;
      sha.update("R", 1);
      for (int i = 0; i < query.getColumnCount(); ++i) hash_column(sha, query.getColumn(i));
    }
    ++set_index;
  }
  return sha.finish();
}

std::string action_hash(SQLite::Database& db, int64_t action_id) {
  Sha256 sha;
  static constexpr char kDomain[] = "proctrail-cleanup-action-v1";
  sha.update(kDomain, sizeof kDomain);
  SQLite::Statement query(db,
      "SELECT action_id, run_id, at_us, uid, evidence_snapshot_id, target_kind, pid, start_ticks, container_id, argv,"
      " selector, signal, outcome, detail, prev_hash FROM cleanup_actions WHERE action_id = ?1");
  query.bind(1, action_id);
  if (!query.executeStep()) return {};
  for (int i = 0; i < query.getColumnCount(); ++i) hash_column(sha, query.getColumn(i));
  // migration 016: only where set, so the hashes of earlier actions stand. After the fixed columns
  // above, its set index and row make a row that names an intent encode unlike one that does not.
  SQLite::Statement intent(db,
      "SELECT intent_action_id FROM cleanup_actions WHERE action_id = ?1 AND intent_action_id IS NOT NULL");
  intent.bind(1, action_id);
  if (intent.executeStep()) {
    sha.update_u64(1);
    sha.update("R", 1);
    hash_column(sha, intent.getColumn(0));
  }
  return sha.finish();
}

namespace {

// SHA-256 over a domain and the one row `sql` selects for ?1.
std::string row_hash(SQLite::Database& db, const char* domain, size_t domain_size, const char* sql, int64_t id) {
  Sha256 sha;
  sha.update(domain, domain_size);
  SQLite::Statement query(db, sql);
  query.bind(1, id);
  if (!query.executeStep()) return {};
  for (int i = 0; i < query.getColumnCount(); ++i) hash_column(sha, query.getColumn(i));
  return sha.finish();
}

}  // namespace

std::string cleanup_run_hash(SQLite::Database& db, int64_t run_id) {
  static constexpr char kDomain[] = "proctrail-cleanup-run-v1";
  return row_hash(db, kDomain, sizeof kDomain,
                  "SELECT run_id, host_id, started_at_us, uid, pid, start_ticks, argv, selectors, evidence_snapshot_id,"
                  " prev_hash FROM cleanup_runs WHERE run_id = ?1",
                  run_id);
}

std::string cleanup_run_end_hash(SQLite::Database& db, int64_t run_id) {
  static constexpr char kDomain[] = "proctrail-cleanup-run-end-v1";
  return row_hash(db, kDomain, sizeof kDomain,
                  "SELECT hash, dry_run, ended_at_us, after_snapshot_id, targets, survivors, interrupted, recovered_at_us"
                  " FROM cleanup_runs WHERE run_id = ?1",
                  run_id);
}

std::string event_batch_hash(SQLite::Database& db, int64_t batch_id) {
  Sha256 sha;
  static constexpr char kDomain[] = "proctrail-event-batch-v1";
  sha.update(kDomain, sizeof kDomain);
  static constexpr const char* kQueries[] = {
      "SELECT batch_id, host_id, written_at_us, events, gaps, prev_hash FROM event_batches WHERE batch_id = ?1",
      "SELECT event_id, batch_id, host_id, at_us, kind, pid, start_ticks, start_estimated, ppid, parent_start_ticks,"
      " argv, comm, uid, euid, sid, exit_code, exit_signal, detail FROM events WHERE batch_id = ?1 ORDER BY event_id",
  };
  for (const char* sql : kQueries) {
    SQLite::Statement query(db, sql);
    query.bind(1, batch_id);
    while (query.executeStep()) {
      sha.update("R", 1);
      for (int i = 0; i < query.getColumnCount(); ++i) hash_column(sha, query.getColumn(i));
    }
  }
  return sha.finish();
}

std::string prune_hash(SQLite::Database& db, int64_t prune_id) {
  Sha256 sha;
  static constexpr char kDomain[] = "proctrail-prune-v1";
  sha.update(kDomain, sizeof kDomain);
  static constexpr const char* kQueries[] = {
      "SELECT prune_id, at_us, uid, pid, cut_us, keep_tagged, protected_snapshots, first_snapshot_id, last_snapshot_id,"
      " first_snapshot_hash, last_snapshot_hash, snapshots_affected, head_snapshot_id, head_snapshot_hash, processes,"
      " process_ppid_changes, process_state_changes, process_command_changes, process_usage_changes, fd_scan_state,"
      " fds, sockets, socket_changes, containers, container_changes, event_batches, events, processes_unparented,"
      " spawn_counts_rekeyed, prev_hash FROM prunes WHERE prune_id = ?1",
      "SELECT snapshot_id, content_hash FROM pruned_snapshots WHERE prune_id = ?1 ORDER BY snapshot_id",
      "SELECT first_batch_id, last_batch_id, first_prev_hash, last_hash FROM pruned_event_ranges"
      " WHERE prune_id = ?1 ORDER BY first_batch_id",
  };
  uint64_t set_index = 0;
  for (const char* sql : kQueries) {
    SQLite::Statement query(db, sql);
    query.bind(1, prune_id);
    sha.update_u64(set_index++);
    while (query.executeStep()) {
      sha.update("R", 1);
      for (int i = 0; i < query.getColumnCount(); ++i) hash_column(sha, query.getColumn(i));
    }
  }
  return sha.finish();
}

std::string to_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0xf];
  }
  return hex;
}

}  // namespace proctrail::digest
