// Leak detection for LeakGuard and `proctrail exec`.
//
// Design notes (invariants):
//  1. A leak is a live, non-zombie process that was not running when the run began (baseline) and
//     is tied to the run: a descendant of the root, a carrier of the run's marker, or a process
//     the event stream saw fork from the run. Identity is (pid, start_ticks) throughout.
//  2. Scanning only reads; ending leaks goes through cleanup's termination engine
//     (cleanup/terminate.hpp: identity re-checked after the pidfd is open), so a pid reused since
//     the scan is never signalled.
//  3. The guard restores what it changed in this process (PROCTRAIL_RUN, the subreaper flag).
#include "proctrail/leak_guard.hpp"

#include <sys/prctl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>

#include "proctrail/procfs.hpp"
#include "common/fs_util.hpp"
#include "cleanup/terminate.hpp"

namespace proctrail {
namespace {

int64_t age_ms_of(uint64_t start_ticks, int64_t clock_ticks) {
  const int64_t now_ms = fs::clock_ns(CLOCK_BOOTTIME) / 1'000'000;
  return std::max<int64_t>(0, now_ms - static_cast<int64_t>(start_ticks) * 1000 / clock_ticks);
}

// Children of each pid, from one process table.
std::map<pid_t, std::vector<const ProcessSample*>> children_of(const ProcessTable& table) {
  std::map<pid_t, std::vector<const ProcessSample*>> children;
  for (const auto& process : table.processes) children[process.ppid].push_back(&process);
  return children;
}

// root_pid and every process below it.
std::set<pid_t> tree_of(pid_t root_pid, const std::map<pid_t, std::vector<const ProcessSample*>>& children) {
  std::set<pid_t> tree{root_pid};
  std::vector<pid_t> frontier{root_pid};
  while (!frontier.empty()) {
    pid_t pid = frontier.back();
    frontier.pop_back();
    auto found = children.find(pid);
    if (found == children.end()) continue;
    for (const ProcessSample* child : found->second) {
      if (tree.insert(child->key.pid).second) frontier.push_back(child->key.pid);
    }
  }
  return tree;
}

bool carries_marker(const std::filesystem::path& proc_root, pid_t pid, const std::string& marker, std::string& scratch) {
  const auto path = proc_root / std::to_string(pid) / "environ";
  if (fs::read_file_at(AT_FDCWD, path.c_str(), scratch) != 0) return false;
  return environ_has_marker(scratch, marker);
}

}  // namespace

std::string classify_escape(const EscapeFacts& f) {
  const bool new_session = f.sid != f.root_sid;  // it, or an ancestor since the run began, called setsid
  if (f.parent_leaked) return "child of leaked pid " + std::to_string(f.ppid);
  if (f.ppid == f.root_pid) {
    const bool reparented = f.command_pid && *f.command_pid != f.key.pid;
    if (reparented) return new_session ? "daemonized (new session, reparented)" : "reparented (its parent exited)";
    return new_session ? "new session, still a child (never waited for)" : "still a child (never waited for)";
  }
  if (!f.parent_in_tree) return "escaped to pid " + std::to_string(f.ppid) + (new_session ? " (new session)" : "");
  if (new_session) return "new session";
  return "child of pid " + std::to_string(f.ppid);
}

Result<std::vector<LeakedProcess>> scan_for_leaks(const LeakScan& scan) {
  ProcfsCollector procfs(ProcfsOptions{.proc_root = scan.proc_root, .read_fds = false, .threads = 1});
  auto host = procfs.read_host();
  if (!host) return host.error();
  auto table = procfs.collect();
  if (!table) return table.error();
  const auto children = children_of(*table);
  const auto tree = tree_of(scan.root_pid, children);
  const std::set<ProcessKey> from_events(scan.from_events.begin(), scan.from_events.end());
  pid_t root_sid = 0;
  std::map<pid_t, const ProcessSample*> by_pid;
  for (const auto& process : table->processes) {
    by_pid[process.key.pid] = &process;
    if (process.key.pid == scan.root_pid) root_sid = process.sid;
  }

  std::vector<std::pair<const ProcessSample*, std::string>> found;  // sample, found_by
  std::string scratch;
  for (const auto& process : table->processes) {
    const pid_t pid = process.key.pid;
    if (pid == scan.root_pid || process.state == 'Z' || process.is_kernel_thread) continue;
    if (scan.baseline.contains(process.key)) continue;
    if (tree.contains(pid)) {
      found.emplace_back(&process, "tree");
    } else if (from_events.contains(process.key)) {
      found.emplace_back(&process, "events");
    } else if (!scan.marker.empty() && carries_marker(scan.proc_root, pid, scan.marker, scratch)) {
      found.emplace_back(&process, "marker");
    }
  }
  std::set<pid_t> leaked;
  for (const auto& [process, by] : found) leaked.insert(process->key.pid);

  std::vector<LeakedProcess> leaks;
  for (const auto& [process, by] : found) {
    EscapeFacts facts{process->key, process->ppid, process->sid, scan.root_pid, root_sid, scan.command_pid,
                      leaked.contains(process->ppid), tree.contains(process->ppid)};
    leaks.push_back(LeakedProcess{process->key, process->ppid, process->sid,
                                  process->argv.value_or("[" + process->comm + "]"),
                                  age_ms_of(process->key.start_ticks, host->clock_ticks), process->rss_kb,
                                  classify_escape(facts), by});
  }
  std::sort(leaks.begin(), leaks.end(), [](const LeakedProcess& a, const LeakedProcess& b) {
    return std::tie(a.key.start_ticks, a.key.pid) < std::tie(b.key.start_ticks, b.key.pid);
  });
  return leaks;
}

std::vector<LeakedContainer> new_containers(const std::set<std::string>& before_ids, const ContainerTable& now,
                                            int64_t since_us, const std::string& marker) {
  std::vector<LeakedContainer> leaks;
  for (const auto& c : now.containers) {
    if (before_ids.contains(c.id) || c.state == "exited" || c.state == "dead" || c.state == "removing") continue;
    const bool labelled = !marker.empty() && std::any_of(c.labels.begin(), c.labels.end(), [&](const auto& label) {
      return label.first == "proctrail.run" && label.second == marker;
    });
    if (!labelled && c.created_at_us < since_us) continue;
    leaks.push_back(LeakedContainer{c.id, c.name, c.image, c.state, c.created_at_us, labelled ? "label" : "time"});
  }
  return leaks;
}

std::string new_run_id() {
  unsigned char bytes[8] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) {
    const auto fallback = static_cast<uint64_t>(fs::clock_ns(CLOCK_REALTIME)) ^ (static_cast<uint64_t>(::getpid()) << 40);
    std::memcpy(bytes, &fallback, sizeof bytes);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kDigits[b >> 4];
    id += kDigits[b & 0xf];
  }
  return id;
}

std::string append_run_marker(const std::string& inherited, const std::string& run_id) {
  return inherited.empty() ? run_id : inherited + ":" + run_id;
}

bool environ_has_marker(std::string_view environ, std::string_view marker) {
  if (marker.empty()) return false;
  const std::string prefix = std::string(kRunMarkerVariable) + "=";
  size_t start = 0;
  while (start < environ.size()) {
    size_t end = environ.find('\0', start);
    if (end == std::string_view::npos) end = environ.size();
    std::string_view entry = environ.substr(start, end - start);
    start = end + 1;
    if (!entry.starts_with(prefix)) continue;
    std::string_view ids = entry.substr(prefix.size());
    while (!ids.empty()) {
      size_t colon = ids.find(':');
      if (ids.substr(0, colon) == marker) return true;
      if (colon == std::string_view::npos) break;
      ids.remove_prefix(colon + 1);
    }
  }
  return false;
}

size_t terminate_processes(const std::vector<ProcessKey>& processes, std::chrono::milliseconds grace,
                           const std::filesystem::path& proc_root) {
  // Gone, reused, zombie or not ours to signal: not counted; only what outlived SIGKILL is.
  size_t survivors = 0;
  auto count = [&](const detail::TargetOutcome& ended) {
    if (ended.outcome == detail::Termination::still_running) ++survivors;
    return ok_status();
  };
  (void)detail::terminate(processes, detail::TerminateOptions{.grace = grace, .proc_root = proc_root}, count);
  return survivors;
}

// ---- LeakGuard ----------------------------------------------------------------------------------

LeakGuard::LeakGuard(LeakGuardOptions options, Logger logger)
    : options_(std::move(options)), logger_(or_null(std::move(logger))), run_id_(new_run_id()),
      started_us_(fs::clock_us(CLOCK_REALTIME)) {
  if (const char* inherited = ::getenv(kRunMarkerVariable)) previous_marker_ = inherited;
  ::setenv(kRunMarkerVariable, append_run_marker(previous_marker_.value_or(""), run_id_).c_str(), 1);
  ::prctl(PR_GET_CHILD_SUBREAPER, &previous_subreaper_);
  if (options_.subreaper) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // What runs below us already is not this scope's doing.
  auto before = scan_for_leaks(LeakScan{.proc_root = options_.proc_root, .root_pid = ::getpid()});
  if (before) {
    for (const auto& process : *before) baseline_.insert(process.key);
  } else {
    logger_->warn("leak guard: reading the process table: {}", before.error().message);
  }
  if (!options_.docker) return;
  auto containers = options_.docker->collect();
  if (!containers) return;
  for (const auto& c : containers->containers) containers_before_.insert(c.id);
}

LeakGuard::~LeakGuard() {
  if (previous_marker_) {
    ::setenv(kRunMarkerVariable, previous_marker_->c_str(), 1);
  } else {
    ::unsetenv(kRunMarkerVariable);
  }
  if (options_.subreaper) ::prctl(PR_SET_CHILD_SUBREAPER, previous_subreaper_);
}

Result<LeakReport> LeakGuard::check() const {
  LeakScan scan{.proc_root = options_.proc_root, .root_pid = ::getpid(), .marker = run_id_, .baseline = baseline_};
  const auto deadline = std::chrono::steady_clock::now() + options_.settle;
  LeakReport report;
  while (true) {
    auto leaks = scan_for_leaks(scan);
    if (!leaks) return leaks.error();
    report.processes = std::move(*leaks);
    if (report.processes.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // some may be on their way out
  }
  if (!options_.docker) return report;
  auto containers = options_.docker->collect();
  if (!containers) {
    report.containers_source = "unavailable: " + containers.error().message;
    return report;
  }
  report.containers_source = containers->source;
  report.containers = new_containers(containers_before_, *containers, started_us_, run_id_);
  return report;
}

size_t LeakGuard::terminate(const LeakReport& report, std::chrono::milliseconds grace) const {
  std::vector<ProcessKey> keys;
  for (const auto& process : report.processes) keys.push_back(process.key);
  if (options_.docker) {
    for (const auto& container : report.containers) {
      auto stopped = options_.docker->stop(container.id, std::chrono::duration_cast<std::chrono::seconds>(grace));
      if (!stopped) logger_->warn("leak guard: stopping container {}: {}", container.name, stopped.error().message);
    }
  }
  return terminate_processes(keys, grace, options_.proc_root);
}

}  // namespace proctrail
