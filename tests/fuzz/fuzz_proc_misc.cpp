// The small /proc readers: cmdline (and its shell quoting), schedstat, namespace links, /proc/stat btime.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proctrail/procfs.hpp"
#include "recorder/collect/procfs_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  proctrail::quote_argv(proctrail::parse_cmdline(text));
  proctrail::parse_schedstat(text);
  proctrail::parse_ns_link(text);
  (void)proctrail::parse_boot_time(text);
  return 0;
}
