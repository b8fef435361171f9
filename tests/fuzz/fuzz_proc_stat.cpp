// /proc/PID/stat: comm may hold anything up to the last ')'.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proctrail/procfs.hpp"
#include "recorder/collect/procfs_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = proctrail::parse_stat(text);
  if (parsed && parsed->comm.size() > text.size()) __builtin_trap();
  return 0;
}
