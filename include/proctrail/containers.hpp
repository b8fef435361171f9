#pragma once
// Containers: membership of any runtime's processes from their cgroup paths (no daemon needed), and
// Docker's own view of its containers through the Engine API on its unix socket (libcurl for the
// HTTP, nlohmann-json for the replies). The collector's socket path is injectable; its parsers, over
// text, are recorder/collect/container_parse.hpp.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "proctrail/logging.hpp"
#include "proctrail/process.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// $DOCKER_HOST when it is unix://PATH, else /var/run/docker.sock.
std::string default_docker_socket();

struct DockerOptions {
  std::string socket_path = default_docker_socket();
  std::chrono::milliseconds timeout{2000};  // for the whole collection: a hung daemon never stalls a snapshot
};

struct ContainerTable {
  std::vector<ContainerSample> containers;
  std::string source;  // "docker unix:///path"
};

// Every container of one Docker daemon (all=1), each inspected for its pid and times. An Error says
// why, in one line that starts with what kind of failure it is: "no socket", "permission denied",
// "timeout", "bad reply" or "cannot connect". Its kind is unavailable for no socket, permission for
// permission denied, not_found for an HTTP 404 (a container the daemon does not know), else failed.
class DockerCollector {
 public:
  explicit DockerCollector(DockerOptions options = {}, Logger logger = nullptr);
  Result<ContainerTable> collect() const;
  // POST /containers/ID/stop?t=GRACE: "stopped" (also when it was already stopped) or "gone".
  Result<std::string> stop(const std::string& id, std::chrono::seconds grace) const;
  // DELETE /containers/ID: "removed" or "gone".
  Result<std::string> remove(const std::string& id) const;
  const DockerOptions& options() const { return options_; }

 private:
  DockerOptions options_;
  Logger logger_;
};

}  // namespace proctrail
