#include "recorder/store/process_writer.hpp"

#include <algorithm>
#include <unordered_set>

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include "recorder/store/activity.hpp"
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
    std::optional<int64_t> swap_kb;
    std::string activity;             // latest process_activity_changes row; empty: none (idle since first seen)
    ActivityCounters baseline;        // counters as last sampled (activity_scan_state, else the process row)
    std::optional<int64_t> memory_rss_kb;  // RSS at its latest smaps_rollup read (the collector's hint)
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
  // RSS or swap is a change only when it moved past both thresholds; the row carries the other
  // counters too. Unreadable swap is not a change: the last value is carried.
  struct Usage {
    static constexpr const char* table = "process_usage_changes";
    static constexpr const char* columns = "rss_kb, threads, utime_ticks, stime_ticks, swap_kb";
    int64_t min_kb = 0;
    int64_t min_percent = 0;
    bool moved(int64_t last, int64_t now) const {
      const int64_t delta = now > last ? now - last : last - now;
      return delta >= min_kb && delta * 100 >= last * min_percent;
    }
    bool differs(const Open& last, const ProcessSample& now) const {
      if (moved(last.rss_kb, now.rss_kb)) return true;
      return now.swap_kb && moved(last.swap_kb.value_or(0), *now.swap_kb);
    }
    static auto values(const Open& last, const ProcessSample& now) {
      return std::tuple<int64_t, int64_t, uint64_t, uint64_t, std::optional<int64_t>>(
          now.rss_kb, now.threads, now.utime_ticks, now.stime_ticks, now.swap_kb ? now.swap_kb : last.swap_kb);
    }
  };
  // Whether it ran over the interval since its counters were last sampled; a row when that changed.
  struct Activity {
    static constexpr const char* table = "process_activity_changes";
    static constexpr const char* columns = "activity, cpu_percent, interval_s, io_known";
    int64_t at_us = 0;
    int64_t clock_ticks = 100;
    ActivityJudgement judge(const Open& last, const ProcessSample& now) const {
      return judge_activity(last.baseline, counters_of(now, at_us), clock_ticks);
    }
    bool differs(const Open& last, const ProcessSample& now) const {
      return judge(last, now).activity != (last.activity.empty() ? "idle" : last.activity);
    }
    auto values(const Open& last, const ProcessSample& now) const {
      auto judgement = judge(last, now);
      return std::tuple<std::string, double, double, int64_t>(std::move(judgement.activity), judgement.cpu_percent,
                                                              judgement.interval_s, judgement.io_known ? 1 : 0);
    }
  };
  static ActivityCounters counters_of(const ProcessSample& sample, int64_t at_us) {
    return ActivityCounters{sample.utime_ticks + sample.stime_ticks, sample.context_switches, sample.io_syscalls, at_us};
  }
  static constexpr EntityTable table{"processes", "process_id", "host_id", "INSERT OR IGNORE"};
  static constexpr const char* insert_columns =
      "pid, start_ticks, start_time_us, parent_pid, parent_start_ticks, parent_process_id, ppid, state, comm, exe, argv,"
      " cwd, uid, euid, pgid, sid, tty_nr, threads, rss_kb, utime_ticks, stime_ticks, cgroup, pid_ns, is_kernel_thread,"
      " container_id, container_runtime, container_source, inherited_by, session_variable, session_marker,"
      " context_switches, swap_kb, unreadable";

  // The latest facts, the latest activity and the activity baseline: the scan state's counters when
  // the process has run since first seen, else the process row's with its first snapshot's time.
  static std::string open_rows() {
    return "SELECT l.process_id, l.pid, l.start_ticks, l.ppid, l.state, l.comm, l.exe, l.argv, l.rss_kb, l.swap_kb,"
           " COALESCE((SELECT a.activity FROM process_activity_changes a WHERE a.process_id = l.process_id"
           "           ORDER BY a.snapshot_id DESC LIMIT 1), ''),"
           " COALESCE(k.cpu_ticks, p.utime_ticks + p.stime_ticks),"
           " CASE WHEN k.process_id IS NULL THEN p.context_switches ELSE k.context_switches END, k.io_syscalls,"
           " COALESCE(k.sampled_at_us, f.started_at_us),"
           " (SELECT m.rss_kb FROM process_memory_samples m WHERE m.process_id = l.process_id"
           "   ORDER BY m.snapshot_id DESC LIMIT 1)"
           " FROM process_latest l JOIN processes p ON p.process_id = l.process_id"
           " JOIN snapshots f ON f.snapshot_id = p.first_seen"
           " LEFT JOIN activity_scan_state k ON k.process_id = l.process_id"
           " WHERE l.host_id = ?1 AND l.gone_by IS NULL";
  }
  static Key read_open(SQLite::Statement& row, Open& open) {
    open.row = row.getColumn(0).getInt64();
    read_columns(row, 3, std::tie(open.ppid, open.state, open.comm, open.exe, open.argv, open.rss_kb, open.swap_kb,
                                  open.activity, open.baseline.cpu_ticks, open.baseline.context_switches,
                                  open.baseline.io_syscalls, open.baseline.at_us, open.memory_rss_kb));
    return ProcessKey{row.getColumn(1).getInt(), static_cast<uint64_t>(row.getColumn(2).getInt64())};
  }
  static const Key& key_of(const ProcessSample& sample) { return sample.key; }

  ProcessEntity(SQLite::Database& db, int64_t host_id, const HostInfo& host, const ProcessTable& table,
                const StoreOptions& options, const Logger& logger)
      : facts{Ppid{}, State{}, Command{}, Usage{options.rss_change_min_kb, options.rss_change_percent},
              Activity{table.started_at_us, host.clock_ticks}},
        host_id_(host_id), host_(host), table_(table), logger_(logger),
        unparsed_(table.unparsed_pids.begin(), table.unparsed_pids.end()),
        find_fork_(db, "SELECT ppid, parent_start_ticks FROM events"
                       " WHERE host_id = ?1 AND pid = ?2 AND start_ticks = ?3 AND kind = 'fork' LIMIT 1"),
        ledger_(db, host_id),
        keep_counters_(db, "INSERT INTO activity_scan_state (process_id, sampled_at_us, cpu_ticks, context_switches,"
                           " io_syscalls) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (process_id) DO UPDATE SET"
                           " sampled_at_us = excluded.sampled_at_us, cpu_ticks = excluded.cpu_ticks,"
                           " context_switches = excluded.context_switches, io_syscalls = excluded.io_syscalls") {
    SQLite::Statement any(db, "SELECT EXISTS (SELECT 1 FROM events WHERE host_id = ?1)");
    any.bind(1, host_id);
    has_events_ = any.executeStep() && any.getColumn(0).getInt() != 0;
  }

  std::tuple<Ppid, State, Command, Usage, Activity> facts;

  // The spawn counts the new rows add, written once per (minute, parent, argv).
  void flush_spawn_counts() { ledger_.flush(); }

  // A process that ran has new counters: the next interval is judged from them.
  void matched(const Open& last, const ProcessSample& now) {
    const ActivityCounters counters = counters_of(now, table_.started_at_us);
    if (!ran_since(ActivityBaseline{last.baseline.cpu_ticks, last.baseline.context_switches}, counters.cpu_ticks,
                   counters.context_switches)) {
      return;
    }
    exec_with(keep_counters_, last.row, counters.at_us, counters.cpu_ticks, counters.context_switches, counters.io_syscalls);
  }

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
    // Found already inherited by a reaper: the reaper is not its parent, and the original is unknown.
    const std::optional<ProcessKey> parent =
        forked && forked->parent ? forked->parent : (sample.inherited_by ? std::nullopt : sample.parent);
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
        container ? &container->source : nullptr, sample.inherited_by, sample.session_variable, sample.session_marker,
        sample.context_switches, sample.swap_kb, unreadable_of(sample));
    if (id == 0) {
      // Same identity already closed: the trail says it was gone. Keep history as written.
      logger_->warn("pid {} (start {}) seen again after its row was closed; not reopened", sample.key.pid,
                    sample.key.start_ticks);
      return 0;
    }
    new_ids_.emplace(sample.key, id);
    if (has_events_) ledger_.adopt(sample.key.pid, start_minute(host_, sample.key.start_ticks), id);
    if (!sample.is_kernel_thread && !forked) {
      ledger_.add_later(start_minute(host_, sample.key.start_ticks),
                        spawn_parent_key(sample, parent_process_id, parent_pid), sample.argv.value_or(""));
    }
    return id;
  }

 private:
  // spawn_counts' parent: the parent's row, else minus its pid, else kUnknownParent for a process
  // found already inherited by a reaper (init never spawned it; the original parent is unknown).
  static int64_t spawn_parent_key(const ProcessSample& sample, const std::optional<int64_t>& parent_process_id,
                                  const std::optional<int64_t>& parent_pid) {
    if (parent_process_id) return *parent_process_id;
    if (sample.inherited_by) return kUnknownParent;
    return -static_cast<int64_t>(parent_pid ? *parent_pid : sample.ppid);
  }

  static std::optional<std::string> unreadable_of(const ProcessSample& sample) {
    if (sample.unreadable.empty()) return std::nullopt;
    std::string joined;
    for (const auto& what : sample.unreadable) joined += (joined.empty() ? "" : ",") + what;
    return joined;
  }

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
  SQLite::Statement keep_counters_;  // activity_scan_state upsert
  bool has_events_ = false;  // this boot has recorded events: look forks up
  std::unordered_map<ProcessKey, int64_t, ProcessKeyHash> new_ids_;  // rows inserted by this snapshot
};

}  // namespace

struct OpenProcesses {
  OpenRows<ProcessEntity> rows;
};

void OpenProcessesDeleter::operator()(OpenProcesses* open) const { delete open; }

OpenProcessesPtr load_open_processes(SQLite::Database& db, int64_t host_id) {
  return OpenProcessesPtr(new OpenProcesses{load_open_rows<ProcessEntity>(db, host_id)});
}

void add_known_processes(const OpenProcesses& open, CollectHints& hints) {
  hints.known.reserve(open.rows.size());
  for (const auto& [key, tracked] : open.rows) {
    const auto& baseline = tracked.open.baseline;
    hints.known.emplace(key, ActivityBaseline{baseline.cpu_ticks, baseline.context_switches});
    if (tracked.open.memory_rss_kb) hints.memory_read_at_rss_kb.emplace(key, *tracked.open.memory_rss_kb);
  }
}

std::vector<int64_t> write_processes(SQLite::Database& db, int64_t host_id, int64_t snapshot_id, const HostInfo& host,
                                     const ProcessTable& table, const StoreOptions& options, const Logger& logger,
                                     OpenProcessesPtr open, EntityCounts& counts) {
  ProcessEntity processes(db, host_id, host, table, options, logger);
  EntityWriter writer(db, snapshot_id, processes);
  std::vector<int64_t> rows = open ? writer.write(host_id, table.processes, std::move(open->rows), counts)
                                   : writer.write(host_id, table.processes, counts);
  processes.flush_spawn_counts();
  return rows;
}

void write_memory_samples(SQLite::Database& db, int64_t snapshot_id, const ProcessTable& table,
                          const std::vector<int64_t>& process_ids) {
  std::optional<PreparedInsert> insert;
  for (size_t i = 0; i < table.processes.size(); ++i) {
    const auto& memory = table.processes[i].memory;
    if (!memory || process_ids[i] == 0) continue;
    if (!insert) insert.emplace(db, "process_memory_samples", "process_id, snapshot_id, rss_kb, pss_kb, uss_kb, swap_kb");
    insert->row(process_ids[i], snapshot_id, memory->rss_kb, memory->pss_kb, memory->uss_kb, memory->swap_kb);
  }
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
