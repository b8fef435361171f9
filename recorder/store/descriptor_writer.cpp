#include "recorder/store/descriptor_writer.hpp"

#include <unordered_map>

#include <SQLiteCpp/SQLiteCpp.h>

#include "common/fs_util.hpp"
#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {
namespace {

// What makes two sightings the same descriptor (flags may change without it being another one).
std::string fd_identity(int fd, const std::string& kind, std::optional<uint64_t> inode, std::optional<uint64_t> dev,
                        const std::optional<std::string>& mode, const std::optional<std::string>& target) {
  std::string key = std::to_string(fd);
  key += '\x1f' + kind + '\x1f' + (inode ? std::to_string(*inode) : "-") + '\x1f' + (dev ? std::to_string(*dev) : "-");
  key += '\x1f' + mode.value_or("-") + '\x1f' + target.value_or("");
  return key;
}

class FdWriter {
 public:
  FdWriter(SQLite::Database& db, int64_t snapshot_id)
      : db_(db), snapshot_id_(snapshot_id),
        open_of_(db, "SELECT fd_id, fd, kind, inode, dev, mode, target FROM fds WHERE process_id = ?1 AND gone_by IS NULL"),
        count_of_(db, "SELECT count(*) FROM fds WHERE process_id = ?1 AND gone_by IS NULL"),
        insert_(db, "INSERT INTO fds (process_id, fd, kind, inode, dev, mode, flags, target, first_seen)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        close_(db, "UPDATE fds SET gone_by = ?1 WHERE fd_id = ?2"),
        remember_(db, "INSERT INTO fd_scan_state (process_id, run_signature, read_at_us) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT (process_id) DO UPDATE SET run_signature = excluded.run_signature,"
                      " read_at_us = excluded.read_at_us") {}

  // Only processes that were re-read are diffed, each against its own open rows (fds_open index);
  // a carried process's rows are only counted. Cost follows the processes that ran, not the trail.
  void write(const ProcessTable& table, const std::vector<int64_t>& process_ids, DescriptorCounts& counts) {
    for (size_t i = 0; i < table.processes.size(); ++i) {
      const auto& sample = table.processes[i];
      if (process_ids[i] == 0 || sample.is_kernel_thread) continue;
      if (sample.fds_carried) {  // not re-read: its open rows stand as they are
        ++counts.fds_carried;
        counts.fds_seen += count_open(process_ids[i]);
        continue;
      }
      if (!sample.fds) {
        ++counts.fds_unreadable;
        continue;
      }
      counts.fds_seen += static_cast<int64_t>(sample.fds->size());
      OpenFds open = load_open(process_ids[i]);
      diff_process(process_ids[i], *sample.fds, open, counts);
      if (sample.run_signature) remember_read(process_ids[i], *sample.run_signature, table.started_at_us);
    }
    close_fds_of_gone_processes(counts);
  }

 private:
  using OpenFds = std::unordered_map<std::string, int64_t>;  // identity → fd_id

  OpenFds load_open(int64_t process_id) {
    OpenFds open;
    open_of_.reset();
    open_of_.bind(1, process_id);
    while (open_of_.executeStep()) {
      std::string key = fd_identity(open_of_.getColumn(1).getInt(), open_of_.getColumn(2).getString(),
                                    column_optional<uint64_t>(open_of_.getColumn(3)),
                                    column_optional<uint64_t>(open_of_.getColumn(4)),
                                    column_optional<std::string>(open_of_.getColumn(5)),
                                    column_optional<std::string>(open_of_.getColumn(6)));
      open.emplace(std::move(key), open_of_.getColumn(0).getInt64());
    }
    return open;
  }

  int64_t count_open(int64_t process_id) {
    count_of_.reset();
    count_of_.bind(1, process_id);
    count_of_.executeStep();
    return count_of_.getColumn(0).getInt64();
  }

  void diff_process(int64_t process_id, const std::vector<FdSample>& fds, OpenFds& open, DescriptorCounts& counts) {
    for (const auto& fd : fds) {
      if (open.empty()) {  // a new process, or every earlier row matched: nothing to look up
        insert(process_id, fd);
        ++counts.fds_new;
        continue;
      }
      auto found = open.find(fd_identity(fd.fd, fd.kind, fd.inode, fd.dev, fd.mode, fd.target));
      if (found != open.end()) {
        open.erase(found);
        continue;
      }
      insert(process_id, fd);
      ++counts.fds_new;
    }
    for (const auto& [key, fd_id] : open) {
      exec_with(close_, snapshot_id_, fd_id);
      ++counts.fds_gone;
    }
  }

  void insert(int64_t process_id, const FdSample& fd) {
    insert_.reset();
    insert_.bind(1, process_id);
    insert_.bind(2, fd.fd);
    insert_.bind(3, fd.kind);
    bind_optional(insert_, 4, fd.inode);
    bind_optional(insert_, 5, fd.dev);
    bind_optional(insert_, 6, fd.mode);
    bind_optional(insert_, 7, fd.flags);
    bind_optional(insert_, 8, fd.target);
    insert_.bind(9, snapshot_id_);
    insert_.exec();
  }

  // A process closed by this snapshot takes its descriptors (and its cache entry) with it.
  void close_fds_of_gone_processes(DescriptorCounts& counts) {
    SQLite::Statement close(db_,
        "UPDATE fds SET gone_by = ?1 WHERE gone_by IS NULL AND process_id IN"
        " (SELECT process_id FROM processes WHERE gone_by = ?1)");
    close.bind(1, snapshot_id_);
    counts.fds_gone += close.exec();
    SQLite::Statement forget(db_,
        "DELETE FROM fd_scan_state WHERE process_id IN (SELECT process_id FROM processes WHERE gone_by = ?1)");
    forget.bind(1, snapshot_id_);
    forget.exec();
  }

  void remember_read(int64_t process_id, uint64_t signature, int64_t read_at_us) {
    exec_with(remember_, process_id, static_cast<int64_t>(signature), read_at_us);
  }

  SQLite::Database& db_;
  int64_t snapshot_id_;
  SQLite::Statement open_of_;
  SQLite::Statement count_of_;
  SQLite::Statement insert_;
  SQLite::Statement close_;
  SQLite::Statement remember_;
};

struct OpenSocket {
  int64_t socket_id = 0;
  std::string state;
  std::optional<std::string> remote_address;
  std::optional<int> remote_port;
  std::optional<uint64_t> peer_inode;
  bool seen = false;
};

std::string socket_identity(std::optional<uint64_t> netns, uint64_t inode) {
  return (netns ? std::to_string(*netns) : "-") + ':' + std::to_string(inode);
}

class SocketWriter {
 public:
  SocketWriter(SQLite::Database& db, int64_t host_id, int64_t snapshot_id)
      : db_(db), host_id_(host_id), snapshot_id_(snapshot_id),
        insert_(db, "INSERT INTO sockets (host_id, netns, inode, family, protocol, local_address, local_port, path,"
                    " uid, state, remote_address, remote_port, peer_inode, first_seen)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
        change_(db, "INSERT INTO socket_changes (socket_id, snapshot_id, state, remote_address, remote_port, peer_inode)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        close_(db, "UPDATE sockets SET gone_by = ?1 WHERE socket_id = ?2") {}

  void write(const std::vector<SocketSample>& sockets, DescriptorCounts& counts) {
    auto open = load_open();
    counts.sockets_seen = static_cast<int64_t>(sockets.size());
    for (const auto& socket : sockets) {
      auto found = open.find(socket_identity(socket.netns, socket.inode));
      if (found == open.end()) {
        insert(socket);
        ++counts.sockets_new;
        continue;
      }
      found->second.seen = true;
      if (changed(found->second, socket)) {
        write_change(found->second.socket_id, socket);
        ++counts.sockets_changed;
      }
    }
    for (const auto& [key, socket] : open) {
      if (socket.seen) continue;
      exec_with(close_, snapshot_id_, socket.socket_id);
      ++counts.sockets_gone;
    }
  }

 private:
  std::unordered_map<std::string, OpenSocket> load_open() {
    std::unordered_map<std::string, OpenSocket> open;
    SQLite::Statement query(db_,
        "SELECT k.socket_id, k.netns, k.inode,"
        " CASE WHEN c.socket_id IS NULL THEN k.state ELSE c.state END,"
        " CASE WHEN c.socket_id IS NULL THEN k.remote_address ELSE c.remote_address END,"
        " CASE WHEN c.socket_id IS NULL THEN k.remote_port ELSE c.remote_port END,"
        " CASE WHEN c.socket_id IS NULL THEN k.peer_inode ELSE c.peer_inode END"
        " FROM sockets k LEFT JOIN socket_changes c ON c.socket_id = k.socket_id"
        "  AND c.snapshot_id = (SELECT max(snapshot_id) FROM socket_changes WHERE socket_id = k.socket_id)"
        " WHERE k.host_id = ? AND k.gone_by IS NULL");
    query.bind(1, host_id_);
    while (query.executeStep()) {
      OpenSocket socket;
      socket.socket_id = query.getColumn(0).getInt64();
      socket.state = query.getColumn(3).getString();
      socket.remote_address = column_optional<std::string>(query.getColumn(4));
      socket.remote_port = column_optional<int>(query.getColumn(5));
      socket.peer_inode = column_optional<uint64_t>(query.getColumn(6));
      open.emplace(socket_identity(column_optional<uint64_t>(query.getColumn(1)),
                                   static_cast<uint64_t>(query.getColumn(2).getInt64())),
                   std::move(socket));
    }
    return open;
  }

  static bool changed(const OpenSocket& last, const SocketSample& now) {
    return last.state != now.state || last.remote_address != now.remote_address ||
           last.remote_port != now.remote_port || last.peer_inode != now.peer_inode;
  }

  void insert(const SocketSample& socket) {
    auto& s = insert_;
    s.reset();
    s.bind(1, host_id_);
    bind_optional(s, 2, socket.netns);
    s.bind(3, static_cast<int64_t>(socket.inode));
    s.bind(4, socket.family);
    s.bind(5, socket.protocol);
    bind_optional(s, 6, socket.local_address);
    bind_optional(s, 7, socket.local_port);
    bind_optional(s, 8, socket.path);
    bind_optional(s, 9, socket.uid);
    s.bind(10, socket.state);
    bind_optional(s, 11, socket.remote_address);
    bind_optional(s, 12, socket.remote_port);
    bind_optional(s, 13, socket.peer_inode);
    s.bind(14, snapshot_id_);
    s.exec();
  }

  void write_change(int64_t socket_id, const SocketSample& socket) {
    auto& s = change_;
    s.reset();
    s.bind(1, socket_id);
    s.bind(2, snapshot_id_);
    s.bind(3, socket.state);
    bind_optional(s, 4, socket.remote_address);
    bind_optional(s, 5, socket.remote_port);
    bind_optional(s, 6, socket.peer_inode);
    s.exec();
  }

  SQLite::Database& db_;
  int64_t host_id_;
  int64_t snapshot_id_;
  SQLite::Statement insert_;
  SQLite::Statement change_;
  SQLite::Statement close_;
};

void insert_collection_row(SQLite::Database& db, int64_t snapshot_id, const DescriptorCounts& counts) {
  SQLite::Statement insert(db,
      "INSERT INTO snapshot_collections (snapshot_id, fds_seen, fds_new, fds_gone, fds_unreadable, sockets_seen,"
      " sockets_new, sockets_gone, sockets_changed, sockets_source, fds_carried)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  insert.bind(1, snapshot_id);
  insert.bind(2, counts.fds_seen);
  insert.bind(3, counts.fds_new);
  insert.bind(4, counts.fds_gone);
  insert.bind(5, counts.fds_unreadable);
  bind_optional(insert, 6, counts.sockets_seen);
  if (counts.sockets_seen) {
    insert.bind(7, counts.sockets_new);
    insert.bind(8, counts.sockets_gone);
    insert.bind(9, counts.sockets_changed);
  } else {
    insert.bind(7);
    insert.bind(8);
    insert.bind(9);
  }
  insert.bind(10, counts.sockets_source);
  insert.bind(11, counts.fds_carried);
  insert.exec();
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
  if (table.sockets) SocketWriter(db, host_id, snapshot_id).write(*table.sockets, counts);
  counts.sockets_source = table.sockets_source;
  insert_collection_row(db, snapshot_id, counts);
  return counts;
}

}  // namespace proctrail::detail
