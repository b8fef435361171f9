#pragma once
// Writes the process rows of one collection, inside the store's write transaction (design notes 1, 2
// and 4 in recorder/store/store.cpp): a row when first seen, change rows for ppid, state, command and
// RSS, closed by the first snapshot that does not see it; an unparsed process and the recorder
// itself stay open; a closed identity seen again is not reopened.
#include <cstdint>
#include <vector>

#include "proctrail/logging.hpp"
#include "proctrail/store.hpp"
#include "recorder/store/entity_writer.hpp"

namespace SQLite {
class Database;
}

namespace proctrail::detail {

// Returns the processes row of each sample of `table` (0 for one that could not be written).
std::vector<int64_t> write_processes(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const HostInfo& host,
                                     const ProcessTable& table, const StoreOptions& options, const Logger& logger,
                                     EntityCounts& counts);

// The smaps_rollup reads of this collection, one process_memory_samples row each.
void write_memory_samples(SQLite::Database& db, int64_t snapshot_id, const ProcessTable& table,
                          const std::vector<int64_t>& process_ids);

// Closes the open process rows of this machine's earlier boots (a reboot ended them); returns how many.
int64_t close_earlier_boots(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const HostInfo& host);

}  // namespace proctrail::detail
