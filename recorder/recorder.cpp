#include "proctrail/recorder.hpp"

#include <chrono>
#include <future>
#include <set>

#include <spdlog/spdlog.h>

namespace proctrail {

Recorder::Recorder(Store& store, const ProcfsCollector& collector, const SocketCollector* sockets, Logger logger)
    : store_(store), collector_(collector), sockets_(sockets), logger_(or_null(std::move(logger))) {}

// Processes and their descriptors, with the socket table read meanwhile on another thread; then
// the sockets of every other network namespace a process is in (containers, unshare). A socket
// table that cannot be read is not a failed snapshot: the snapshot says why sockets are missing.
Result<ProcessTable> Recorder::collect(const CollectHints& hints) const {
  if (sockets_ == nullptr) return collector_.collect(hints);
  auto pending_sockets = std::async(std::launch::async, [this] { return sockets_->collect(); });
  auto table = collector_.collect(hints);
  auto sockets = pending_sockets.get();
  if (!table) return table;
  if (sockets) {
    table->sockets = std::move(sockets->sockets);
    table->sockets_source = std::move(sockets->source);
  } else {
    table->sockets_source = "unavailable: " + sockets.error().message;
    logger_->warn("sockets not recorded: {}", sockets.error().message);
  }
  if (table->sockets) add_other_namespaces(*table);  // never a partial table: the rest would read as closed
  return table;
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
