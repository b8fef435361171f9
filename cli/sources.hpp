#pragma once
// What a snapshot command collects (descriptors, sockets, containers), shared by snap and watch.
#include <chrono>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "proctrail/containers.hpp"
#include "proctrail/recorder.hpp"
#include "proctrail/sockets.hpp"

namespace proctrail::cli {

struct CollectOptions {
  bool no_descriptors = false;
  bool no_containers = false;
  std::string docker_socket;            // empty: $DOCKER_HOST (unix://) or /var/run/docker.sock
  std::string docker_timeout = "2s";    // budget for the whole engine query
};

void add_collect_options(CLI::App& command, CollectOptions& options);

// The collectors one run uses; they outlive the Recorder that `recorder()` builds over them.
class Sources {
 public:
  // Fails on a malformed --docker-timeout.
  static Result<std::unique_ptr<Sources>> make(const CollectOptions& options, const Logger& logger);
  Recorder recorder(Store& store) const;
  const DockerCollector* docker() const { return docker_ ? &*docker_ : nullptr; }
  const ProcfsCollector& procfs() const { return procfs_; }
  const Logger& logger() const { return logger_; }

 private:
  Sources(const CollectOptions& options, const Logger& logger, std::chrono::milliseconds docker_timeout);

  Logger logger_;
  bool descriptors_;
  ProcfsCollector procfs_;
  SocketCollector sockets_;
  std::optional<DockerCollector> docker_;
};

}  // namespace proctrail::cli
