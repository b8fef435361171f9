// One datagram of the netlink proc connector (watch --events).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "proctrail/events.hpp"
#include "recorder/collect/connector_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<proctrail::RawProcEvent> events;
  (void)proctrail::parse_connector_datagram(std::span(reinterpret_cast<const std::byte*>(data), size), events);
  return 0;
}
