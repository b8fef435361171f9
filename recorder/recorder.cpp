#include "proctrail/recorder.hpp"

#include <chrono>
#include <future>

#include <spdlog/spdlog.h>

namespace proctrail {

Recorder::Recorder(Store& store, const ProcfsCollector& collector, const SocketCollector* sockets, Logger logger)
    : store_(store), collector_(collector), sockets_(sockets), logger_(or_null(std::move(logger))) {}

// Processes and their descriptors, with the socket table read meanwhile on another thread. A socket
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
  return table;
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
