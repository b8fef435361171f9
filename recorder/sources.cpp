#include "proctrail/sources.hpp"

#include <unistd.h>

namespace proctrail {

Sources::Sources(const CollectOptions& options, Logger logger)
    : logger_(or_null(std::move(logger))),
      descriptors_(options.descriptors),
      procfs_(ProcfsOptions{.exclude_pid = ::getpid(), .read_fds = options.descriptors,
                            .read_leak_evidence = options.leak_evidence}, logger_),
      sockets_(SocketOptions{}, logger_) {
  if (!options.containers) return;
  DockerOptions docker;
  if (!options.docker_socket.empty()) docker.socket_path = options.docker_socket;
  docker.timeout = options.docker_timeout;
  docker_.emplace(docker, logger_);
}

Recorder Sources::recorder(Store& store) const {
  Recorder recorder(store, procfs_, descriptors_ ? &sockets_ : nullptr, logger_);
  if (docker_) recorder.set_containers(&*docker_);
  return recorder;
}

}  // namespace proctrail
