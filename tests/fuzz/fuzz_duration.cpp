// --interval/--grace durations and --since/--until bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proctrail/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto duration = proctrail::parse_duration(text);
  if (duration && duration->count() <= 0) __builtin_trap();  // parse_duration promises positive
  (void)proctrail::parse_time_bound(text, 1'790'000'000'000'000);
  return 0;
}
