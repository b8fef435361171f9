#pragma once
// The embeddable recorder: collect from /proc and store into the trail in one call.
//
//   auto store = proctrail::Store::open(path);
//   proctrail::ProcfsCollector collector({.exclude_pid = getpid()});
//   proctrail::Recorder recorder(*store, collector);
//   auto summary = recorder.snapshot({.trigger = "exec-before", .tag = "my-test"});
#include "proctrail/containers.hpp"
#include "proctrail/procfs.hpp"
#include "proctrail/sockets.hpp"
#include "proctrail/store.hpp"

namespace proctrail {

class Recorder {
 public:
  // `sockets` may be null: no socket table is collected then.
  Recorder(Store& store, const ProcfsCollector& collector, const SocketCollector* sockets = nullptr,
           Logger logger = nullptr);

  // Also asks this engine for its containers at each snapshot (null: containers are not recorded;
  // membership from cgroup paths is recorded either way).
  void set_containers(const DockerCollector* docker) { docker_ = docker; }

  Result<SnapshotSummary> snapshot(const SnapshotRequest& request);

 private:
  Result<ProcessTable> collect(const CollectHints& hints);
  void add_other_namespaces(ProcessTable& table) const;
  void add_containers(ProcessTable& table, Result<ContainerTable> containers);
  void link_pid_namespaces(ProcessTable& table) const;

  Store& store_;
  const ProcfsCollector& collector_;
  const SocketCollector* sockets_;
  const DockerCollector* docker_ = nullptr;
  std::string last_container_error_;  // logged once per run, not per snapshot
  Logger logger_;
};

}  // namespace proctrail
