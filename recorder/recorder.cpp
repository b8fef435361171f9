#include "proctrail/recorder.hpp"

namespace proctrail {

Recorder::Recorder(Store& store, const ProcfsCollector& collector, Logger logger)
    : store_(store), collector_(collector), logger_(or_null(std::move(logger))) {}

Result<SnapshotSummary> Recorder::snapshot(const SnapshotRequest& request) {
  auto host = collector_.read_host();
  if (!host) return host.error();
  auto summary = store_.record(*host, request, [this] { return collector_.collect(); });
  if (summary) {
    logger_->debug("snapshot {}: {} processes, {} new, {} gone, {} changes", summary->snapshot_id, summary->seen,
                   summary->created, summary->gone, summary->changed);
  }
  return summary;
}

}  // namespace proctrail
