#pragma once
// The collectors one recording uses (processes, descriptors and sockets, Docker's containers),
// assembled from a few choices, and the Recorder over them:
//
//   proctrail::Sources sources({.containers = false});
//   proctrail::Recorder recorder = sources.recorder(store);
#include <chrono>
#include <optional>
#include <string>

#include "proctrail/containers.hpp"
#include "proctrail/logging.hpp"
#include "proctrail/procfs.hpp"
#include "proctrail/recorder.hpp"
#include "proctrail/sockets.hpp"

namespace proctrail {

struct CollectOptions {
  bool descriptors = true;  // /proc/PID/fd and the socket table; false: processes only
  bool leak_evidence = true;  // session markers, I/O counts and smaps_rollup (ProcfsOptions::read_leak_evidence)
  bool containers = true;   // ask the Docker daemon (membership from cgroups is recorded either way)
  std::string docker_socket;  // empty: $DOCKER_HOST (unix://) or /var/run/docker.sock
  std::chrono::milliseconds docker_timeout{2000};  // budget for the whole engine query
};

// The collectors leave this process out of what they record. They outlive the Recorder that
// `recorder()` builds over them, so a Sources stays where it was made (not copyable, not movable).
class Sources {
 public:
  explicit Sources(const CollectOptions& options = {}, Logger logger = nullptr);
  Sources(const Sources&) = delete;
  Sources& operator=(const Sources&) = delete;

  Recorder recorder(Store& store) const;
  const DockerCollector* docker() const { return docker_ ? &*docker_ : nullptr; }
  const ProcfsCollector& procfs() const { return procfs_; }
  const Logger& logger() const { return logger_; }

 private:
  Logger logger_;
  bool descriptors_;
  ProcfsCollector procfs_;
  SocketCollector sockets_;
  std::optional<DockerCollector> docker_;
};

}  // namespace proctrail
