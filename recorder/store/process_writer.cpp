#include "recorder/store/process_writer.hpp"

#include <algorithm>
#include <unordered_set>

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include "recorder/store/spawn_ledger.hpp"
#include "recorder/store/sqlite_util.hpp"

namespace proctrail::detail {
namespace {

// A host's processes: (pid, start_ticks) is the identity; ppid, state, command and RSS are facts.
class ProcessEntity {
 public:
  using Sample = ProcessSample;
  using Key = ProcessKey;
  using KeyHash = ProcessKeyHash;
  struct Open {
    int64_t row = 0;
    int64_t ppid = 0;
    std::string state;
    std::string comm;
    std::optional<std::string> exe;
    std::optional<std::string> argv;
    int64_t rss_kb = 0;
  };
  struct Ppid {
    static constexpr const char* table = "process_ppid_changes";
    static constexpr const char* columns = "ppid";
    static auto of(auto& x) { return std::tie(x.ppid); }
  };
  struct State {
    static constexpr const char* table = "process_state_changes";
    static constexpr const char* columns = "state";
    static auto recorded(const Open& last) { return std::tie(last.state); }
    static auto values(const Open&, const ProcessSample& now) { return std::tuple<std::string>(std::string(1, now.state)); }
  };
  // An unreadable exe/argv (zombie, exiting, permission) is not a change: the last value is carried.
  struct Command {
    static constexpr const char* table = "process_command_changes";
    static constexpr const char* columns = "comm, exe, argv";
    static auto recorded(const Open& last) { return std::tie(last.comm, last.exe, last.argv); }
    static auto values(const Open& last, const ProcessSample& now) {
      return std::tie(now.comm, now.exe ? now.exe : last.exe, now.argv ? now.argv : last.argv);
    }
  };
  // RSS is a change only when it moved past both thresholds; the row carries the other counters too.
  struct Usage {
    static constexpr const char* table = "process_usage_changes";
    static constexpr const char* columns = "rss_kb, threads, utime_ticks, stime_ticks";
    int64_t min_kb = 0;
    int64_t min_percent = 0;
    bool differs(const Open& last, const ProcessSample& now) const {
      const int64_t delta = now.rss_kb > last.rss_kb ? now.rss_kb - last.rss_kb : last.rss_kb - now.rss_kb;
      return delta >= min_kb && delta * 100 >= last.rss_kb * min_percent;
    }
    static auto values(const Open&, const ProcessSample& now) {
      return std::tuple<int64_t, int64_t, uint64_t, uint64_t>(now.rss_kb, now.threads, now.utime_ticks, now.stime_ticks);
    }
  };
  static constexpr EntityTable table{"processes", "process_id", "host_id", "INSERT OR IGNORE"};
  static constexpr const char* insert_columns =
      "pid, start_ticks, start_time_us, parent_pid, parent_start_ticks, parent_process_id, ppid, state, comm, exe, argv,"
      " cwd, uid, euid, pgid, sid, tty_nr, threads, rss_kb, utime_ticks, stime_ticks, cgroup, pid_ns, is_kernel_thread,"
      " container_id, container_runtime, container_source";

  static std::string open_rows() {
    return "SELECT process_id, pid, start_ticks, ppid, state, comm, exe, argv, rss_kb FROM process_latest"
           " WHERE host_id = ?1 AND gone_by IS NULL";
  }
  static Key read_open(SQLite::Statement& row, Open& open) {
    open.row = row.getColumn(0).getInt64();
    read_columns(row, 3, std::tie(open.ppid, open.state, open.comm, open.exe, open.argv, open.rss_kb));
    return ProcessKey{row.getColumn(1).getInt(), static_cast<uint64_t>(row.getColumn(2).getInt64())};
  }
  static const Key& key_of(const ProcessSample& sample) { return sample.key; }

  ProcessEntity(SQLite::Database& db, int64_t host_id, const HostInfo& host, const ProcessTable& table,
                const StoreOptions& options, const Logger& logger)
      : facts{Ppid{}, State{}, Command{}, Usage{options.rss_change_min_kb, options.rss_change_percent}},
        host_id_(host_id), host_(host), table_(table), logger_(logger),
        unparsed_(table.unparsed_pids.begin(), table.unparsed_pids.end()),
        find_fork_(db, "SELECT ppid, parent_start_ticks FROM events"
                       " WHERE host_id = ?1 AND pid = ?2 AND start_ticks = ?3 AND kind = 'fork' LIMIT 1"),
        ledger_(db, host_id) {
    SQLite::Statement any(db, "SELECT EXISTS (SELECT 1 FROM events WHERE host_id = ?1)");
    any.bind(1, host_id);
    has_events_ = any.executeStep() && any.getColumn(0).getInt() != 0;
  }

  std::tuple<Ppid, State, Command, Usage> facts;

  // Unread is not gone: a process whose stat was malformed, and the recorder itself.
  bool unread(const ProcessKey& key) const { return unparsed_.contains(key.pid) || key == table_.excluded; }

  // Oldest first, so a parent new in this snapshot has its row before its children.
  static void order_new(std::vector<const ProcessSample*>& samples) {
    std::sort(samples.begin(), samples.end(), [](const ProcessSample* a, const ProcessSample* b) {
      return std::tie(a->key.start_ticks, a->key.pid) < std::tie(b->key.start_ticks, b->key.pid);
    });
  }

  int64_t insert(NewRow<ProcessEntity>& row, const ProcessSample& sample) {
    // The fork event, when recorded, names the original parent even if it was gone before any
    // snapshot saw this process; and it has counted the spawn already.
    const std::optional<RecordedFork> forked = has_events_ ? recorded_fork(sample.key) : std::nullopt;
    const std::optional<ProcessKey> parent = forked && forked->parent ? forked->parent : sample.parent;
    std::optional<int64_t> parent_process_id;
    std::optional<int64_t> parent_pid, parent_start_ticks;
    if (parent) {
      if (auto it = row.open.find(*parent); it != row.open.end()) parent_process_id = it->second.open.row;
      if (auto it = new_ids_.find(*parent); it != new_ids_.end()) parent_process_id = it->second;
      if (!parent_process_id && forked) parent_process_id = ledger_.process_row(*parent);
      parent_pid = parent->pid;
      parent_start_ticks = static_cast<int64_t>(parent->start_ticks);
    }
    const ContainerRef* container = sample.container ? &*sample.container : nullptr;
    const int64_t id = row.insert(sample.key.pid, sample.key.start_ticks, start_time_us(host_, sample.key.start_ticks),
        parent_pid, parent_start_ticks, parent_process_id, sample.ppid, std::string(1, sample.state), sample.comm,
        sample.exe, sample.argv, sample.cwd, sample.uid, sample.euid, sample.pgid, sample.sid, sample.tty_nr,
        sample.threads, sample.rss_kb, sample.utime_ticks, sample.stime_ticks, sample.cgroup, sample.pid_ns,
        sample.is_kernel_thread, container ? &container->id : nullptr, container ? &container->runtime : nullptr,
        container ? &container->source : nullptr);
    if (id == 0) {
      // Same identity already closed: the trail says it was gone. Keep history as written.
      logger_->warn("pid {} (start {}) seen again after its row was closed; not reopened", sample.key.pid,
                    sample.key.start_ticks);
      return 0;
    }
    new_ids_.emplace(sample.key, id);
    if (has_events_) ledger_.adopt(sample.key.pid, start_minute(host_, sample.key.start_ticks), id);
    if (!sample.is_kernel_thread && !forked) {
      ledger_.add(start_minute(host_, sample.key.start_ticks),
                  parent_process_id ? *parent_process_id : -static_cast<int64_t>(parent_pid ? *parent_pid : sample.ppid),
                  sample.argv.value_or(""), 1);
    }
    return id;
  }

 private:
  struct RecordedFork {
    std::optional<ProcessKey> parent;  // nullopt when the parent's start was unknown
  };

  // This process's recorded fork event, if any.
  std::optional<RecordedFork> recorded_fork(const ProcessKey& key) {
    find_fork_.reset();
    bind_row(find_fork_, host_id_, key.pid, key.start_ticks);
    if (!find_fork_.executeStep()) return std::nullopt;
    if (find_fork_.getColumn(1).isNull()) return RecordedFork{};
    return RecordedFork{ProcessKey{find_fork_.getColumn(0).getInt(), static_cast<uint64_t>(find_fork_.getColumn(1).getInt64())}};
  }

  int64_t host_id_;
  const HostInfo& host_;
  const ProcessTable& table_;
  const Logger& logger_;
  std::unordered_set<pid_t> unparsed_;
  SQLite::Statement find_fork_;
  SpawnLedger ledger_;  // spawn_counts, the summary spawn-rate reads
  bool has_events_ = false;  // this boot has recorded events: look forks up
  std::unordered_map<ProcessKey, int64_t, ProcessKeyHash> new_ids_;  // rows inserted by this snapshot
};

}  // namespace

std::vector<int64_t> write_processes(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const HostInfo& host,
                                     const ProcessTable& table, const StoreOptions& options, const Logger& logger,
                                     EntityCounts& counts) {
  ProcessEntity processes(db, host_id, host, table, options, logger);
  return EntityWriter(db, snapshot_id, processes).write(host_id, table.processes, counts);
}

int64_t close_earlier_boots(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const HostInfo& host) {
  SQLite::Statement close(db,
      "UPDATE processes SET gone_by = :s WHERE gone_by IS NULL AND host_id IN ("
      " SELECT host_id FROM hosts WHERE host_id != :host AND boot_id NOT LIKE 'import:%' AND"  // imports are no boot of it
      " (machine_id = :machine_id OR (:machine_id IS NULL AND machine_id IS NULL AND hostname = :hostname)))");
  close.bind(":s", snapshot_id);
  close.bind(":host", host_id);
  bind_optional(close, ":machine_id", host.machine_id);
  close.bind(":hostname", host.hostname);
  return close.exec();
}

}  // namespace proctrail::detail
