// `ps aux`, `ps -ef` and `ps -eo …` output as `proctrail import ps` reads it.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_set>

#include "import/parse.hpp"
#include "proctrail/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int64_t kTakenAt = 1'763'900'000'000'000;  // 2025-11-23, an arbitrary capture time
  // A zone from -18:00 to +18:00 in half hours, taken from the size so every seed keeps its bytes.
  const int64_t utc_offset_s = (static_cast<int64_t>(size % 73) - 36) * 1800;
  auto table = proctrail::parse_ps(std::string_view(reinterpret_cast<const char*>(data), size), kTakenAt, utc_offset_s);
  if (!table) return 0;
  // Every line read is either taken or skipped, and each pid appears once.
  if (table->lines_taken + static_cast<int64_t>(table->skipped.size()) != table->lines_read) __builtin_trap();
  std::unordered_set<pid_t> pids;
  for (const auto& process : table->processes) {
    if (!pids.insert(process.pid).second) __builtin_trap();
  }
  for (const auto& line : table->skipped) {
    if (line.text.size() > proctrail::kSkippedTextMax) __builtin_trap();
  }
  return 0;
}
