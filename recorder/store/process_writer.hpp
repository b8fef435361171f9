#pragma once
// Writes the process rows of one collection, inside the store's write transaction (design notes 1, 2
// and 4 in recorder/store/store.cpp): a row when first seen, change rows for ppid, state, command and
// RSS, closed by the first snapshot that does not see it; an unparsed process and the recorder
// itself stay open; a closed identity seen again is not reopened.
#include <cstdint>
#include <memory>
#include <vector>

#include "proctrail/logging.hpp"
#include "proctrail/store.hpp"
#include "recorder/store/entity_writer.hpp"

namespace SQLite {
class Database;
}

namespace proctrail::detail {

// A host's open process rows with their latest facts, activity baselines and last memory read: read
// once per snapshot, before the collection, because they are both the collector's hints (which
// processes are known, whether each ran since) and what the writer diffs the collection against.
struct OpenProcesses;
struct OpenProcessesDeleter {
  void operator()(OpenProcesses* open) const;
};
using OpenProcessesPtr = std::unique_ptr<OpenProcesses, OpenProcessesDeleter>;
OpenProcessesPtr load_open_processes(SQLite::Database& db, int64_t host_id);

// Fills hints.known (each open process's activity baseline) and hints.memory_read_at_rss_kb.
void add_known_processes(const OpenProcesses& open, CollectHints& hints);

// Returns the processes row of each sample of `table` (0 for one that could not be written). `open`:
// the rows load_open_processes read in this transaction (nullptr: read them now).
std::vector<int64_t> write_processes(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const HostInfo& host,
                                     const ProcessTable& table, const StoreOptions& options, const Logger& logger,
                                     OpenProcessesPtr open, EntityCounts& counts);

// The smaps_rollup reads of this collection, one process_memory_samples row each.
void write_memory_samples(SQLite::Database& db, int64_t snapshot_id, const ProcessTable& table,
                          const std::vector<int64_t>& process_ids);

// Closes the open process rows of this machine's earlier boots (a reboot ended them); returns how many.
int64_t close_earlier_boots(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const HostInfo& host);

}  // namespace proctrail::detail
