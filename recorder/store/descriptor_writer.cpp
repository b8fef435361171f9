#include "recorder/store/descriptor_writer.hpp"

#include <charconv>
#include <string_view>
#include <unordered_set>

#include <SQLiteCpp/SQLiteCpp.h>

#include "common/fs_util.hpp"
#include "recorder/store/entity_writer.hpp"
#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {
namespace {

template <class Number>
void append_number(std::string& out, Number value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

void append_number_or_dash(std::string& out, std::optional<uint64_t> value) {
  if (value) {
    append_number(out, *value);
  } else {
    out += '-';
  }
}

// What makes two sightings the same descriptor (flags may change without it being another one).
// Built in place: one per descriptor, twice a snapshot for every process that ran.
std::string fd_identity(int fd, const std::string& kind, std::optional<uint64_t> inode, std::optional<uint64_t> dev,
                        const std::optional<std::string>& mode, const std::optional<std::string>& target) {
  std::string key;
  key.reserve(64 + kind.size() + (target ? target->size() : 0));
  append_number(key, fd);
  key += '\x1f';
  key += kind;
  key += '\x1f';
  append_number_or_dash(key, inode);
  key += '\x1f';
  append_number_or_dash(key, dev);
  key += '\x1f';
  key += mode ? std::string_view(*mode) : std::string_view("-");
  key += '\x1f';
  if (target) key += *target;
  return key;
}

// A process's descriptors: no mutable facts (a changed descriptor is another one).
struct FdEntity {
  using Sample = FdSample;
  using Key = std::string;
  struct Open {
    int64_t row = 0;
  };
  static constexpr EntityTable table{"fds", "fd_id", "process_id"};
  static constexpr const char* insert_columns = "fd, kind, inode, dev, mode, flags, target";
  static constexpr std::tuple<> facts{};

  static std::string open_rows() { return open_rows_of(table, "fd, kind, inode, dev, mode, target"); }
  static Key read_open(SQLite::Statement& row, Open& open) {
    open.row = row.getColumn(0).getInt64();
    return fd_identity(row.getColumn(1).getInt(), row.getColumn(2).getString(), column_optional<uint64_t>(row.getColumn(3)),
                       column_optional<uint64_t>(row.getColumn(4)), column_optional<std::string>(row.getColumn(5)),
                       column_optional<std::string>(row.getColumn(6)));
  }
  static Key key_of(const FdSample& fd) { return fd_identity(fd.fd, fd.kind, fd.inode, fd.dev, fd.mode, fd.target); }
  static int64_t insert(NewRow<FdEntity>& row, const FdSample& fd) {
    return row.insert(fd.fd, fd.kind, fd.inode, fd.dev, fd.mode, fd.flags, fd.target);
  }
};

class FdWriter {
 public:
  FdWriter(SQLite::Database& db, int64_t snapshot_id)
      : db_(db), snapshot_id_(snapshot_id), writer_(db, snapshot_id, entity_),
        count_of_(db, "SELECT count(*) FROM fds WHERE process_id = ?1 AND gone_by IS NULL"),
        remember_(db, "INSERT INTO fd_scan_state (process_id, run_signature, read_at_us) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT (process_id) DO UPDATE SET run_signature = excluded.run_signature,"
                      " read_at_us = excluded.read_at_us") {}

  // Only processes that were re-read are diffed, each against its own open rows (fds_open index);
  // a carried process's rows are only counted. Cost follows the processes that ran, not the trail.
  void write(const ProcessTable& table, const std::vector<int64_t>& process_ids, DescriptorCounts& counts) {
    const std::unordered_set<int64_t> new_processes = first_seen_now();
    for (size_t i = 0; i < table.processes.size(); ++i) {
      const auto& sample = table.processes[i];
      if (process_ids[i] == 0 || sample.is_kernel_thread) continue;
      if (sample.fds_carried) {  // not re-read: its open rows stand as they are
        ++counts.fds_carried;
        counts.fds.seen += count_open(process_ids[i]);
        continue;
      }
      if (!sample.fds) {
        ++counts.fds_unreadable;
        continue;
      }
      if (new_processes.contains(process_ids[i])) {  // a row this snapshot made has no descriptor rows to diff
        writer_.write(process_ids[i], *sample.fds, OpenRows<FdEntity>{}, counts.fds);
      } else {
        writer_.write(process_ids[i], *sample.fds, counts.fds);
      }
      if (sample.run_signature) remember_read(process_ids[i], *sample.run_signature, table.started_at_us);
    }
    close_fds_of_gone_processes(counts);
  }

 private:
  // The process rows this snapshot inserted (first seen now), by one index search.
  std::unordered_set<int64_t> first_seen_now() {
    std::unordered_set<int64_t> ids;
    SQLite::Statement query(db_, "SELECT process_id FROM processes WHERE first_seen = ?1");
    query.bind(1, snapshot_id_);
    while (query.executeStep()) ids.insert(query.getColumn(0).getInt64());
    return ids;
  }

  int64_t count_open(int64_t process_id) {
    count_of_.reset();
    bind_row(count_of_, process_id);
    count_of_.executeStep();
    return count_of_.getColumn(0).getInt64();
  }

  // A process closed by this snapshot takes its descriptors (and its cache entry) with it.
  void close_fds_of_gone_processes(DescriptorCounts& counts) {
    SQLite::Statement close(db_,
        "UPDATE fds SET gone_by = ?1 WHERE gone_by IS NULL AND process_id IN"
        " (SELECT process_id FROM processes WHERE gone_by = ?1)");
    counts.fds.gone += exec_with(close, snapshot_id_);
    SQLite::Statement forget(db_,
        "DELETE FROM fd_scan_state WHERE process_id IN (SELECT process_id FROM processes WHERE gone_by = ?1)");
    exec_with(forget, snapshot_id_);
  }

  void remember_read(int64_t process_id, uint64_t signature, int64_t read_at_us) {
    exec_with(remember_, process_id, signature, read_at_us);
  }

  SQLite::Database& db_;
  int64_t snapshot_id_;
  FdEntity entity_;
  EntityWriter<FdEntity> writer_;
  SQLite::Statement count_of_;
  SQLite::Statement remember_;
};

std::string socket_identity(std::optional<uint64_t> netns, uint64_t inode) {
  std::string key;
  append_number_or_dash(key, netns);
  key += ':';
  append_number(key, inode);
  return key;
}

// A host's sockets; their connection (state, remote end, unix peer) is the mutable fact.
struct SocketEntity {
  using Sample = SocketSample;
  using Key = std::string;
  struct Open {
    int64_t row = 0;
    std::string state;
    std::optional<std::string> remote_address;
    std::optional<int> remote_port;
    std::optional<uint64_t> peer_inode;
  };
  struct Connection {
    static constexpr const char* table = "socket_changes";
    static constexpr const char* columns = "state, remote_address, remote_port, peer_inode";
    static auto of(auto& x) { return std::tie(x.state, x.remote_address, x.remote_port, x.peer_inode); }
  };
  static constexpr EntityTable table{"sockets", "socket_id", "host_id"};
  static constexpr const char* insert_columns =
      "netns, inode, family, protocol, local_address, local_port, path, uid, state, remote_address, remote_port, peer_inode";
  static constexpr std::tuple<Connection> facts{};

  static std::string open_rows() { return open_rows_with_latest<Connection>(table, "netns, inode"); }
  static Key read_open(SQLite::Statement& row, Open& open) {
    open.row = row.getColumn(0).getInt64();
    read_columns(row, 3, Connection::of(open));
    return socket_identity(column_optional<uint64_t>(row.getColumn(1)), static_cast<uint64_t>(row.getColumn(2).getInt64()));
  }
  static Key key_of(const SocketSample& socket) { return socket_identity(socket.netns, socket.inode); }
  static int64_t insert(NewRow<SocketEntity>& row, const SocketSample& s) {
    return row.insert(s.netns, s.inode, s.family, s.protocol, s.local_address, s.local_port, s.path, s.uid, s.state,
                      s.remote_address, s.remote_port, s.peer_inode);
  }
};

void insert_collection_row(SQLite::Database& db, int64_t snapshot_id, const DescriptorCounts& counts) {
  SQLite::Statement insert(db, insert_sql("snapshot_collections",
      "snapshot_id, fds_seen, fds_new, fds_gone, fds_unreadable, sockets_seen, sockets_new, sockets_gone,"
      " sockets_changed, sockets_source, fds_carried"));
  const auto& sockets = counts.sockets;
  exec_with(insert, snapshot_id, counts.fds.seen, counts.fds.created, counts.fds.gone, counts.fds_unreadable,
            count_of(sockets, &EntityCounts::seen), count_of(sockets, &EntityCounts::created),
            count_of(sockets, &EntityCounts::gone), count_of(sockets, &EntityCounts::changed), counts.sockets_source,
            counts.fds_carried);
}

}  // namespace

CollectHints load_collect_hints(SQLite::Database& db, int64_t host_id, std::chrono::milliseconds full_read_interval) {
  CollectHints hints;
  // The newest snapshot of this host that re-read every process's descriptors.
  // Walks back from the newest collection and stops at the first match (a full read happens at least
  // every interval), instead of aggregating over the whole trail on every snapshot. CROSS JOIN keeps
  // that order: collections newest first, each snapshot by its key.
  SQLite::Statement last_full(db,
      "SELECT s.started_at_us FROM snapshot_collections c CROSS JOIN snapshots s USING (snapshot_id)"
      " WHERE s.host_id = ?1 AND c.fds_carried = 0 ORDER BY c.snapshot_id DESC LIMIT 1");
  last_full.bind(1, host_id);
  if (!last_full.executeStep()) return hints;
  const int64_t now_us = fs::clock_us(CLOCK_REALTIME);
  if (now_us - last_full.getColumn(0).getInt64() >= full_read_interval.count() * 1000) return hints;
  SQLite::Statement query(db,
      "SELECT p.pid, p.start_ticks, f.run_signature FROM fd_scan_state f"
      " JOIN processes p ON p.process_id = f.process_id WHERE p.host_id = ?1 AND p.gone_by IS NULL");
  query.bind(1, host_id);
  while (query.executeStep()) {
    ProcessKey key{query.getColumn(0).getInt(), static_cast<uint64_t>(query.getColumn(1).getInt64())};
    hints.run_signatures.emplace(key, static_cast<uint64_t>(query.getColumn(2).getInt64()));
  }
  return hints;
}

DescriptorCounts write_descriptors(SQLite::Database& db, int64_t host_id, int64_t snapshot_id,
                                   const ProcessTable& table, const std::vector<int64_t>& process_ids) {
  DescriptorCounts counts;
  if (!table.fds_collected && !table.sockets) return counts;
  if (table.fds_collected) FdWriter(db, snapshot_id).write(table, process_ids, counts);
  if (table.sockets) {
    SocketEntity sockets;
    EntityWriter(db, snapshot_id, sockets).write(host_id, *table.sockets, counts.sockets.emplace());
  }
  counts.sockets_source = table.sockets_source;
  insert_collection_row(db, snapshot_id, counts);
  return counts;
}

}  // namespace proctrail::detail
