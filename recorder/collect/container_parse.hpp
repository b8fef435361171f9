#pragma once
// The container parsers: cgroup paths → the container they name (ProcfsCollector), and the Docker
// Engine API's JSON replies (DockerCollector). Pure functions over text, tested and fuzzed.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "proctrail/containers.hpp"
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

}  // namespace proctrail
