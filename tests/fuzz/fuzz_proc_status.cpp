// /proc/PID/status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proctrail/procfs.hpp"
#include "recorder/collect/procfs_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  proctrail::parse_status(text);
  return 0;
}
