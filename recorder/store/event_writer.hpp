#pragma once
// Writes one batch of process events inside the store's write transaction, and keeps spawn_counts
// exact across events and snapshots: a process is counted once, by whichever recorded it first.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "proctrail/events.hpp"
#include "proctrail/process.hpp"

namespace SQLite {
class Database;
}

namespace proctrail::detail {

// A fork counted in spawn_counts whose first exec has not been seen yet: the exec moves the count
// to the new program's argv (a snapshot counts a process under the argv it first saw, which is
// the exec'd one unless it never execs).
struct CountedFork {
  int64_t start_minute = 0;
  int64_t parent_key = 0;
  std::string argv;
  std::optional<ProcessKey> parent;  // the parent's identity, when the fork named its start
};

struct EventWriterState {
  std::map<std::pair<pid_t, uint64_t>, CountedFork> counted_forks;
};

struct EventBatchCounts {
  int64_t batch_id = 0;
  int64_t events = 0;
  int64_t gaps = 0;
};

EventBatchCounts write_events(SQLite::Database& db, int64_t host_id, const HostInfo& host,
                              std::span<const ProcEvent> events, EventWriterState& state);

}  // namespace proctrail::detail
