#pragma once
// Containers: membership of any runtime's processes from their cgroup paths (no daemon needed), and
// Docker's own view of its containers through the Engine API on its unix socket (libcurl for the
// HTTP, nlohmann-json for the replies). Parsers take text; the collector's socket path is injectable.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proctrail/logging.hpp"
#include "proctrail/process.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// /proc/PID/cgroup (whole text, v1 or v2) → the container it names, if any. Recognises Docker
// (/docker/ID, docker-ID.scope), Podman (libpod-ID.scope, /libpod_parent/libpod-ID; not the
// libpod-conmon scope, which is the monitor outside the container), CRI (cri-containerd-ID.scope,
// crio-ID.scope, /kubepods/.../pod…/ID), LXC (/lxc/NAME, /lxc.payload.NAME) and systemd-nspawn
// machines (machine-NAME.scope). The innermost match wins (docker-in-docker names the inner one).
std::optional<ContainerRef> parse_container_ref(std::string_view cgroup_text);

// GET /containers/json?all=1 → one sample per container (no start/finish times, exit code or pid:
// those come from inspect). A reply that is not a JSON array of objects with an Id is an Error.
Result<std::vector<ContainerSample>> parse_container_list(std::string_view json);

// GET /containers/ID/json → fills started/finished times, exit code and the init pid into `sample`.
Status apply_container_inspect(std::string_view json, ContainerSample& sample);

// Docker's RFC 3339 times ("2026-11-24T05:46:59.470321675Z"), with the zero time
// "0001-01-01T00:00:00Z" as nullopt.
std::optional<int64_t> parse_docker_time_us(std::string_view text);

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
