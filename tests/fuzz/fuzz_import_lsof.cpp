// `lsof -F` field output (newline- or NUL-separated) as `proctrail import lsof` reads it.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_set>

#include "import/parse.hpp"
#include "proctrail/import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto table = proctrail::parse_lsof(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!table) return 0;
  // Each pid appears once and each socket inode once.
  std::unordered_set<pid_t> pids;
  for (const auto& process : table->processes) {
    if (!pids.insert(process.pid).second) __builtin_trap();
  }
  std::unordered_set<uint64_t> inodes;
  for (const auto& socket : table->sockets) {
    if (!inodes.insert(socket.inode).second) __builtin_trap();
  }
  return 0;
}
