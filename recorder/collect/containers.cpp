// Container membership from cgroup paths, and the Docker Engine API's JSON replies.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

#include "proctrail/containers.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/procfs.hpp"
#include "common/text_util.hpp"
#include "recorder/collect/container_parse.hpp"
#include "recorder/collect/procfs_parse.hpp"

namespace proctrail {
namespace {

// systemd escapes '-' in unit names as \x2d.
std::string unescape_unit_dashes(std::string_view escaped) {
  constexpr std::string_view kDash = "\\x2d";
  std::string name;
  name.reserve(escaped.size());
  for (size_t at = 0; at < escaped.size();) {
    if (escaped.substr(at, kDash.size()) == kDash) {
      name += '-';
      at += kDash.size();
      continue;
    }
    name += escaped[at++];
  }
  return name;
}

bool is_hex_id(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// "PREFIX-ID.scope" (systemd driver) → ID when ID is 64 hex digits.
std::optional<std::string_view> scoped_id(std::string_view segment, std::string_view prefix) {
  if (!segment.starts_with(prefix) || !segment.ends_with(".scope")) return std::nullopt;
  auto id = segment.substr(prefix.size(), segment.size() - prefix.size() - 6);
  if (!is_hex_id(id)) return std::nullopt;
  return id;
}

// The container one cgroup path names, looking at each segment with the one before it.
std::optional<ContainerRef> ref_from_path(std::string_view path) {
  std::optional<ContainerRef> found;
  std::string_view previous;
  bool under_kubepods = false;
  auto take = [&](std::string runtime, std::string_view id) { found = ContainerRef{std::move(runtime), std::string(id), "cgroup"}; };
  for (auto segment : text::split(path, '/')) {
    if (segment.empty()) continue;
    if (segment.starts_with("kubepods")) under_kubepods = true;
    static const std::array<std::pair<std::string_view, std::string_view>, 6> scopes = {{
        {"docker-", "docker"}, {"libpod-", "podman"}, {"cri-containerd-", "cri-containerd"},
        {"crio-", "crio"}, {"containerd-", "containerd"}, {"nerdctl-", "containerd"}}};
    bool matched = false;
    for (const auto& [prefix, runtime] : scopes) {
      if (auto id = scoped_id(segment, prefix)) {
        take(std::string(runtime), *id);
        matched = true;
        break;
      }
    }
    if (!matched && is_hex_id(segment)) {
      if (previous == "docker") take("docker", segment);
      else if (previous.starts_with("libpod-") || previous == "libpod_parent") take("podman", segment);
      else if (under_kubepods) take("cri", segment);
    } else if (!matched && previous == "libpod_parent" && segment.starts_with("libpod-") && is_hex_id(segment.substr(7))) {
      take("podman", segment.substr(7));
    } else if (!matched && previous == "lxc" && !segment.empty()) {
      take("lxc", segment);
    } else if (!matched && segment.starts_with("lxc.payload.")) {
      take("lxc", segment.substr(12));
    } else if (!matched && segment.starts_with("machine-") && segment.ends_with(".scope")) {
      take("systemd-nspawn", unescape_unit_dashes(segment.substr(8, segment.size() - 8 - 6)));
    }
    previous = segment;
  }
  return found;
}

std::string string_or_empty(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<ContainerRef> parse_container_ref(std::string_view cgroup_text) {
  for (const auto& line : split_cgroup_lines(cgroup_text)) {
    if (auto ref = ref_from_path(line.path)) return ref;
  }
  return std::nullopt;
}

std::optional<int64_t> parse_docker_time_us(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  int64_t year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!text::parse_int(text.substr(0, 4), year) || !text::parse_int(text.substr(5, 2), month) ||
      !text::parse_int(text.substr(8, 2), day) || !text::parse_int(text.substr(11, 2), hour) ||
      !text::parse_int(text.substr(14, 2), minute) || !text::parse_int(text.substr(17, 2), second)) {
    return std::nullopt;
  }
  if (year <= 1) return std::nullopt;  // Go's zero time: never happened
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t at = 19;
  int64_t micros = 0;
  if (at < text.size() && text[at] == '.') {
    int digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
      if (digits < 6) micros = micros * 10 + (text[at] - '0');
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  int64_t offset_s = 0;
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    unsigned oh = 0, om = 0;
    if (text.size() < at + 6 || !text::parse_int(text.substr(at + 1, 2), oh) || !text::parse_int(text.substr(at + 4, 2), om)) {
      return std::nullopt;
    }
    offset_s = (text[at] == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
  } else if (at >= text.size() || text[at] != 'Z') {
    return std::nullopt;
  }
  return unix_us_from_utc(year, month, day, hour, minute, second) - offset_s * 1000000 + micros;
}

Result<std::vector<ContainerSample>> parse_container_list(std::string_view json) {
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded()) return Error{"bad reply: the container list is not JSON"};
  if (!parsed.is_array()) return Error{"bad reply: the container list is not a JSON array"};
  std::vector<ContainerSample> containers;
  for (const auto& item : parsed) {
    if (!item.is_object()) return Error{"bad reply: a container list entry is not an object"};
    ContainerSample sample;
    sample.id = string_or_empty(item, "Id");
    if (!is_hex_id(sample.id)) return Error{"bad reply: a container has no 64-hex Id"};
    if (auto names = item.find("Names"); names != item.end() && names->is_array() && !names->empty() &&
                                          names->front().is_string()) {
      sample.name = names->front().get<std::string>();
      if (sample.name.starts_with('/')) sample.name.erase(0, 1);
    }
    sample.image = string_or_empty(item, "Image");
    sample.command = string_or_empty(item, "Command");
    sample.state = string_or_empty(item, "State");
    sample.status = string_or_empty(item, "Status");
    if (auto created = item.find("Created"); created != item.end() && created->is_number_integer()) {
      sample.created_at_us = created->get<int64_t>() * 1000000;
    }
    if (auto labels = item.find("Labels"); labels != item.end() && labels->is_object()) {
      for (const auto& [key, value] : labels->items()) {
        sample.labels.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
      }
      std::sort(sample.labels.begin(), sample.labels.end());
    }
    containers.push_back(std::move(sample));
  }
  return containers;
}

Status apply_container_inspect(std::string_view json, ContainerSample& sample) {
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return Error{"bad reply: container " + sample.id + " inspect is not a JSON object"};
  auto state = parsed.find("State");
  if (state == parsed.end() || !state->is_object()) return Error{"bad reply: container " + sample.id + " has no State"};
  sample.started_at_us = parse_docker_time_us(string_or_empty(*state, "StartedAt"));
  sample.finished_at_us = parse_docker_time_us(string_or_empty(*state, "FinishedAt"));
  if (auto code = state->find("ExitCode"); code != state->end() && code->is_number_integer()) sample.exit_code = code->get<int64_t>();
  if (auto pid = state->find("Pid"); pid != state->end() && pid->is_number_integer() && pid->get<int64_t>() > 0) {
    sample.init_pid = static_cast<pid_t>(pid->get<int64_t>());
  }
  if (auto status = string_or_empty(*state, "Status"); !status.empty()) sample.state = status;
  if (auto created = parse_docker_time_us(string_or_empty(parsed, "Created"))) sample.created_at_us = *created;
  return ok_status();
}

std::string default_docker_socket() {
  const char* host = std::getenv("DOCKER_HOST");
  if (host != nullptr && std::string_view(host).starts_with("unix://")) return std::string(host + 7);
  return "/var/run/docker.sock";
}

}  // namespace proctrail
