#include "cli/sources.hpp"

#include <unistd.h>

#include "proctrail/duration.hpp"

namespace proctrail::cli {

void add_collect_options(CLI::App& command, CollectOptions& options) {
  command.add_flag("--no-descriptors", options.no_descriptors,
                   "Record processes only: no descriptors (/proc/PID/fd) and no socket table");
  command.add_flag("--no-containers", options.no_containers,
                   "Do not ask the Docker daemon for its containers (membership from cgroups is still recorded)");
  command.add_option("--docker-socket", options.docker_socket,
                     "Docker Engine API socket (default: $DOCKER_HOST if unix://, else /var/run/docker.sock)")
      ->type_name("PATH");
  command.add_option("--docker-timeout", options.docker_timeout, "Longest wait for the Docker daemon per snapshot")
      ->capture_default_str();
}

Result<std::unique_ptr<Sources>> Sources::make(const CollectOptions& options, const Logger& logger) {
  auto timeout = parse_duration(options.docker_timeout);
  if (!timeout) return timeout.error().within("--docker-timeout");
  return std::unique_ptr<Sources>(new Sources(options, logger, *timeout));
}

Sources::Sources(const CollectOptions& options, const Logger& logger, std::chrono::milliseconds docker_timeout)
    : logger_(logger),
      descriptors_(!options.no_descriptors),
      procfs_(ProcfsOptions{.exclude_pid = ::getpid(), .read_fds = !options.no_descriptors}, logger),
      sockets_(SocketOptions{}, logger) {
  if (options.no_containers) return;
  DockerOptions docker;
  if (!options.docker_socket.empty()) docker.socket_path = options.docker_socket;
  docker.timeout = docker_timeout;
  docker_.emplace(docker, logger);
}

Recorder Sources::recorder(Store& store) const {
  Recorder recorder(store, procfs_, descriptors_ ? &sockets_ : nullptr, logger_);
  if (docker_) recorder.set_containers(&*docker_);
  return recorder;
}

}  // namespace proctrail::cli
