// /proc/PID/fdinfo/N, and the /proc/PID/fd/N link target beside it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proctrail/procfs.hpp"
#include "recorder/collect/procfs_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto info = proctrail::parse_fdinfo(text);
  if (info.flags) proctrail::access_mode(*info.flags);
  proctrail::classify_fd_link(text);
  return 0;
}
