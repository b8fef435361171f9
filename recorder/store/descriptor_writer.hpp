#pragma once
// Writes descriptor and socket rows for one snapshot, inside the store's write transaction.
// Same rules as processes (recorder/store/store.cpp notes 2 and 4): rows are written when first seen and
// closed by the first snapshot that no longer sees them; unread is not gone (a process whose fd
// directory could not be read keeps its rows open; sockets not collected close nothing).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proctrail/process.hpp"
#include "recorder/store/entity_writer.hpp"

namespace SQLite {
class Database;
}

namespace proctrail::detail {

// The last reads' run signatures of this host's open processes; empty (read everything) when no
// snapshot in `full_read_interval` read every process. (The processes' own hints, which are known
// and their activity baselines, come from the process writer's open rows: add_known_processes.)
CollectHints load_collect_hints(SQLite::Database& db, int64_t host_id, std::chrono::milliseconds full_read_interval);

struct DescriptorCounts {
  EntityCounts fds;                     // seen includes the open rows of carried processes
  int64_t fds_carried = 0;
  int64_t fds_unreadable = 0;
  std::optional<EntityCounts> sockets;  // nullopt: not collected
  std::string sockets_source;
};

// `process_ids[i]` is the processes row of table.processes[i] (0: not written).
DescriptorCounts write_descriptors(SQLite::Database& db, int64_t host_id, int64_t snapshot_id,
                                   const ProcessTable& table, const std::vector<int64_t>& process_ids);

}  // namespace proctrail::detail
