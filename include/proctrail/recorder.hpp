#pragma once
// The embeddable recorder: collect from /proc and store into the trail in one call.
//
//   auto store = proctrail::Store::open(path);
//   proctrail::ProcfsCollector collector({.exclude_pid = getpid()});
//   proctrail::Recorder recorder(*store, collector);
//   auto summary = recorder.snapshot({.trigger = "exec-before", .tag = "my-test"});
#include "proctrail/procfs.hpp"
#include "proctrail/store.hpp"

namespace proctrail {

class Recorder {
 public:
  Recorder(Store& store, const ProcfsCollector& collector, Logger logger = nullptr);

  Result<SnapshotSummary> snapshot(const SnapshotRequest& request);

 private:
  Store& store_;
  const ProcfsCollector& collector_;
  Logger logger_;
};

}  // namespace proctrail
