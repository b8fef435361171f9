// The JSON a hook caller writes to `snap --hook`'s stdin.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "integrations/hook_payload.hpp"
#include "proctrail/hook.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto payload = proctrail::parse_hook_payload(std::string_view(reinterpret_cast<const char*>(data), size));
  if (payload.error && payload.event) __builtin_trap();  // an unusable payload yields no fields
  return 0;
}
