// The small /proc readers: cmdline (and its shell quoting), schedstat, namespace links, /proc/stat btime,
// and the leak evidence: io, smaps_rollup, environ's session markers.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "proctrail/procfs.hpp"
#include "recorder/collect/procfs_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  proctrail::quote_argv(proctrail::parse_cmdline(text));
  proctrail::parse_schedstat(text);
  proctrail::parse_ns_link(text);
  (void)proctrail::parse_boot_time(text);
  proctrail::parse_io_syscalls(text);
  proctrail::parse_smaps_rollup(text);
  static const std::vector<std::string_view> names = {"CLAUDE_CODE_SESSION_ID", "PROCTRAIL_RUN"};
  auto marker = proctrail::find_environ_marker(text, names);
  if (marker && marker->value.size() > proctrail::kMaxSessionMarkerBytes) __builtin_trap();
  return 0;
}
