// /proc/PID/cgroup: the path proctrail records and the container it names.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proctrail/containers.hpp"
#include "proctrail/procfs.hpp"
#include "recorder/collect/container_parse.hpp"
#include "recorder/collect/procfs_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  proctrail::split_cgroup_lines(text);
  proctrail::parse_cgroup(text);
  proctrail::parse_container_ref(text);
  return 0;
}
