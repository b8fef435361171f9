// Writes a batch of process events. Invariants:
//  - One batch is one event_batches row, its events rows and its hash, in the caller's transaction;
//    the hash covers the previous batch's hash, so batches form a chain of their own.
//  - spawn_counts counts a process once: a fork is counted unless a snapshot already recorded the
//    same identity, and a snapshot does not count a process whose fork was recorded (store.cpp).
//  - A process's count moves to the argv of its first exec, as a snapshot would have seen it.
//  - A fork whose parent has no processes row yet is counted under minus the parent's pid; the
//    snapshot that records the parent moves it to the parent's row (SpawnLedger::adopt), and a
//    later exec follows it there.
#include "recorder/store/event_writer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "recorder/store/digest.hpp"
#include "common/fs_util.hpp"
#include "recorder/store/spawn_ledger.hpp"
#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {
namespace {

constexpr size_t kMaxPendingForks = 65536;

class EventWriter {
 public:
  EventWriter(SQLite::Database& db, int64_t host_id, const HostInfo& host, EventWriterState& state)
      : host_id_(host_id), host_(host), state_(state), ledger_(db, host_id),
        insert_(db,
            "INSERT INTO events (batch_id, host_id, at_us, kind, pid, start_ticks, start_estimated, ppid,"
            " parent_start_ticks, argv, comm, uid, euid, sid, exit_code, exit_signal, detail)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)") {}

  void write(int64_t batch_id, const ProcEvent& event) {
    auto& s = insert_;
    s.reset();
    int column = 0;
    auto next = [&column] { return ++column; };
    const bool is_gap = event.kind == EventKind::gap;
    s.bind(next(), batch_id);
    s.bind(next(), host_id_);
    s.bind(next(), event.at_us);
    s.bind(next(), std::string(event_kind_name(event.kind)));
    bind_optional(s, next(), is_gap ? std::nullopt : std::optional<int64_t>(event.pid));
    bind_optional(s, next(), event.start_ticks);
    s.bind(next(), event.start_estimated ? 1 : 0);
    bind_optional(s, next(), is_gap || event.ppid == 0 ? std::nullopt : std::optional<int64_t>(event.ppid));
    bind_optional(s, next(), event.parent_start_ticks);
    bind_optional(s, next(), event.argv);
    bind_optional(s, next(), event.comm);
    bind_optional(s, next(), event.uid);
    bind_optional(s, next(), event.euid);
    bind_optional(s, next(), event.sid);
    bind_optional(s, next(), event.exit_code);
    bind_optional(s, next(), event.exit_signal);
    bind_optional(s, next(), event.detail.empty() ? std::nullopt : std::optional<std::string>(event.detail));
    s.exec();
    count(event);
  }

 private:
  void add(const CountedFork& fork, int64_t delta) { ledger_.add(fork.start_minute, fork.parent_key, fork.argv, delta); }

  // A snapshot that recorded the parent since the fork moved this count to the parent's row
  // (SpawnLedger::adopt): follow it there.
  void readopt(CountedFork& fork) {
    if (fork.parent_key > 0 || !fork.parent) return;
    if (auto row = ledger_.process_row(*fork.parent)) fork.parent_key = *row;
  }

  void count(const ProcEvent& event) {
    if (!event.start_ticks) return;
    const auto key = std::pair{event.pid, *event.start_ticks};
    if (event.kind == EventKind::fork) {
      if (ledger_.process_row({event.pid, *event.start_ticks})) return;  // a snapshot counted it already
      std::optional<ProcessKey> parent;
      if (event.parent_start_ticks) parent = ProcessKey{event.ppid, *event.parent_start_ticks};
      const auto parent_row = parent ? ledger_.process_row(*parent) : std::nullopt;
      CountedFork fork{start_minute(host_, *event.start_ticks),
                       parent_row ? *parent_row : -static_cast<int64_t>(event.ppid), event.argv.value_or(""), parent};
      add(fork, 1);
      if (state_.counted_forks.size() >= kMaxPendingForks) state_.counted_forks.clear();  // exits were lost
      state_.counted_forks[key] = std::move(fork);
      return;
    }
    auto counted = state_.counted_forks.find(key);
    if (counted == state_.counted_forks.end()) return;
    if (event.kind == EventKind::exec && event.argv && *event.argv != counted->second.argv) {
      readopt(counted->second);
      add(counted->second, -1);
      counted->second.argv = *event.argv;
      add(counted->second, 1);
    }
    if (event.kind == EventKind::exec || event.kind == EventKind::exit) state_.counted_forks.erase(counted);
  }

  int64_t host_id_;
  const HostInfo& host_;
  EventWriterState& state_;
  SpawnLedger ledger_;
  SQLite::Statement insert_;
};

}  // namespace

EventBatchCounts write_events(SQLite::Database& db, int64_t host_id, const HostInfo& host,
                              std::span<const ProcEvent> events, EventWriterState& state) {
  EventBatchCounts counts;
  for (const auto& event : events) counts.gaps += event.kind == EventKind::gap ? 1 : 0;
  counts.events = static_cast<int64_t>(events.size());
  SQLite::Statement batch(db,
      "INSERT INTO event_batches (host_id, written_at_us, events, gaps, prev_hash, hash)"
      " VALUES (?1, ?2, ?3, ?4, ?5, X'')");
  batch.bind(1, host_id);
  batch.bind(2, fs::clock_us(CLOCK_REALTIME));
  batch.bind(3, counts.events);
  batch.bind(4, counts.gaps);
  if (auto prev = last_chain_hash(db, "event_batches", "batch_id")) {
    batch.bind(5, prev->data(), static_cast<int>(prev->size()));
  } else {
    batch.bind(5);
  }
  batch.exec();
  counts.batch_id = db.getLastInsertRowid();
  EventWriter writer(db, host_id, host, state);
  for (const auto& event : events) writer.write(counts.batch_id, event);
  const std::string hash = digest::event_batch_hash(db, counts.batch_id);
  SQLite::Statement seal(db, "UPDATE event_batches SET hash = ?1 WHERE batch_id = ?2");
  seal.bind(1, hash.data(), static_cast<int>(hash.size()));
  seal.bind(2, counts.batch_id);
  seal.exec();
  return counts;
}

}  // namespace proctrail::detail
