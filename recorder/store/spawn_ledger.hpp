#pragma once
// spawn_counts, the per-minute summary spawn-rate reads, kept by both writers of new processes: the
// snapshot writer (a process first seen) and the event writer (a fork, moved to its exec's argv).
// Both also look processes rows up by identity here, in the caller's write transaction.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/process.hpp"

namespace proctrail::detail {

// Wall-clock start of a process, unix µs: boot_time + start_ticks / clock_ticks.
inline int64_t start_time_us(const HostInfo& host, uint64_t start_ticks) {
  return host.boot_time * 1'000'000 + static_cast<int64_t>(start_ticks) * 1'000'000 / host.clock_ticks;
}

// The spawn_counts minute of a process.
inline int64_t start_minute(const HostInfo& host, uint64_t start_ticks) { return start_time_us(host, start_ticks) / 60'000'000; }

// spawn_counts.parent_key of a process found already inherited by init or a subreaper: its
// original parent is unknown (schema/015_verdicts.sql), and the reaper is not credited.
inline constexpr int64_t kUnknownParent = 0;

// Whether spawn_counts still agrees with the processes table it summarises (verify): on every boot
// recorded by snapshots alone, the counts rebuilt from processes rows must equal the stored ones (at
// least equal, up to the newest prune's cut, whose pruned rows they still count). Boots with event
// batches (forks counted before any snapshot saw them) or imports are not rebuilt. nullopt: it agrees.
std::optional<std::string> spawn_counts_problem(SQLite::Database& db);

class SpawnLedger {
 public:
  SpawnLedger(SQLite::Database& db, int64_t host_id);

  // The processes row of an identity on this boot.
  std::optional<int64_t> process_row(const ProcessKey& key);
  // Adds `delta` processes to (minute, parent_key, argv); a row brought to 0 is removed. parent_key
  // is the parent's processes row, or minus its pid when that row was never recorded.
  void add(int64_t start_minute, int64_t parent_key, const std::string& argv, int64_t delta);
  // A process's row was just written: counts filed under minus its pid from its start minute on
  // (its children, counted from fork events before any snapshot saw it) move to that row.
  void adopt(pid_t pid, int64_t from_minute, int64_t parent_row);
  // Like add(delta > 0), kept in memory until flush() (or the next adopt): a snapshot's new processes
  // mostly share (minute, parent, argv) with others, so one upsert serves many (1,000 children of one
  // parent in one minute: one row written, not a thousand times).
  void add_later(int64_t start_minute, int64_t parent_key, const std::string& argv);
  void flush();

 private:
  struct PendingKey {
    int64_t start_minute;
    int64_t parent_key;
    std::string argv;
    auto operator<=>(const PendingKey&) const = default;
  };
  std::map<PendingKey, int64_t> pending_;
  int64_t host_id_;
  SQLite::Statement find_process_;
  SQLite::Statement count_;
  SQLite::Statement drop_empty_;
  SQLite::Statement find_orphaned_;
  SQLite::Statement drop_moved_;
};

}  // namespace proctrail::detail
