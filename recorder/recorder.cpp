#include "proctrail/recorder.hpp"

#include <chrono>
#include <future>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>

namespace proctrail {

Recorder::Recorder(Store& store, const ProcfsCollector& collector, const SocketCollector* sockets, Logger logger)
    : store_(store), collector_(collector), sockets_(sockets), logger_(or_null(std::move(logger))) {}

// Processes and their descriptors, with the socket table and the container engine read meanwhile on
// threads of their own; then the sockets of every other network namespace a process is in
// (containers, unshare). A socket table or engine that cannot be read is not a failed snapshot: the
// snapshot says why they are missing.
Result<ProcessTable> Recorder::collect(const CollectHints& hints) {
  std::future<Result<SocketTable>> pending_sockets;
  std::future<Result<ContainerTable>> pending_containers;
  if (sockets_ != nullptr) pending_sockets = std::async(std::launch::async, [this] { return sockets_->collect(); });
  if (docker_ != nullptr) pending_containers = std::async(std::launch::async, [this] { return docker_->collect(); });
  auto table = collector_.collect(hints);
  std::optional<Result<SocketTable>> sockets;
  if (pending_sockets.valid()) sockets.emplace(pending_sockets.get());
  std::optional<Result<ContainerTable>> containers;
  if (pending_containers.valid()) containers.emplace(pending_containers.get());
  if (!table) return table;
  if (sockets && *sockets) {
    table->sockets = std::move((*sockets)->sockets);
    table->sockets_source = std::move((*sockets)->source);
    add_other_namespaces(*table);
  } else if (sockets) {
    table->sockets_source = "unavailable: " + sockets->error().message;
    logger_->warn("sockets not recorded: {}", sockets->error().message);
  }
  if (containers) add_containers(*table, std::move(*containers));
  link_pid_namespaces(*table);
  return table;
}

void Recorder::add_containers(ProcessTable& table, Result<ContainerTable> containers) {
  if (!containers) {
    table.containers_source = "unavailable: " + containers.error().message;
    if (containers.error().message != last_container_error_) {
      // No daemon installed is the common case, not a problem: said at info level.
      auto level = containers.error().kind == ErrorKind::unavailable ? spdlog::level::info : spdlog::level::warn;
      logger_->log(level, "containers not recorded: {}", containers.error().message);
      last_container_error_ = containers.error().message;
    }
    return;
  }
  last_container_error_.clear();
  table.containers_source = std::move(containers->source);
  table.containers = std::move(containers->containers);
}

// A process whose cgroup names no container but which shares the pid namespace of a container's
// init (from the engine) or of a process whose cgroup does name one belongs to that container too.
void Recorder::link_pid_namespaces(ProcessTable& table) const {
  std::unordered_map<pid_t, const ProcessSample*> by_pid;
  for (const auto& process : table.processes) by_pid.emplace(process.key.pid, &process);
  std::optional<uint64_t> own_pid_ns;
  if (auto self = by_pid.find(1); self != by_pid.end()) own_pid_ns = self->second->pid_ns;  // the host's init
  std::unordered_map<uint64_t, ContainerRef> by_namespace;
  auto claim = [&](const ProcessSample& process, const ContainerRef& ref) {
    if (!process.pid_ns || process.pid_ns == own_pid_ns) return;  // a container sharing the host's pid namespace
    by_namespace.try_emplace(*process.pid_ns, ContainerRef{ref.runtime, ref.id, "pid-ns"});
  };
  if (table.containers) {
    for (const auto& container : *table.containers) {
      if (!container.init_pid) continue;
      if (auto init = by_pid.find(*container.init_pid); init != by_pid.end()) {
        claim(*init->second, ContainerRef{"docker", container.id, "pid-ns"});
      }
    }
  }
  for (const auto& process : table.processes) {
    if (process.container) claim(process, *process.container);
  }
  if (by_namespace.empty()) return;
  for (auto& process : table.processes) {
    if (process.container || !process.pid_ns) continue;
    if (auto found = by_namespace.find(*process.pid_ns); found != by_namespace.end()) process.container = found->second;
  }
}

void Recorder::add_other_namespaces(ProcessTable& table) const {
  const uint64_t own = sockets_->own_namespace();
  std::set<uint64_t> visited{own};
  for (const auto& process : table.processes) {
    if (!process.net_ns || !visited.insert(*process.net_ns).second) continue;
    auto sockets = sockets_->collect_namespace(process.key.pid, *process.net_ns);
    std::string part = "netns " + std::to_string(*process.net_ns) + ": ";
    if (sockets) {
      part += sockets->source;
      for (auto& socket : sockets->sockets) table.sockets->push_back(std::move(socket));
    } else {
      part += "unavailable: " + sockets.error().message;
      logger_->warn("sockets of network namespace {} not recorded: {}", *process.net_ns, sockets.error().message);
    }
    table.sockets_source += "; " + part;
  }
}

Result<SnapshotSummary> Recorder::snapshot(const SnapshotRequest& request) {
  using Clock = std::chrono::steady_clock;
  auto host = collector_.read_host();
  if (!host) return host.error();
  Clock::time_point collect_start, collect_end;
  const auto start = Clock::now();
  auto summary = store_.record(*host, request, [&](const CollectHints& hints) {
    collect_start = Clock::now();
    auto table = collect(hints);
    collect_end = Clock::now();
    return table;
  });
  if (summary) {
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    bool collected = collect_end != Clock::time_point{};
    logger_->debug("snapshot {}: {} processes, {} new, {} gone, {} changes; lock wait {:.1f} ms, collect {:.1f} ms, "
                   "write {:.1f} ms",
                   summary->snapshot_id, summary->seen, summary->created, summary->gone, summary->changed,
                   collected ? ms(collect_start - start) : 0.0, collected ? ms(collect_end - collect_start) : 0.0,
                   collected ? ms(Clock::now() - collect_end) : 0.0);
  }
  return summary;
}

}  // namespace proctrail
