// The Docker Engine API's replies: GET /containers/json?all=1 and GET /containers/ID/json (each
// input is tried as both), and the RFC 3339 times inside them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proctrail/containers.hpp"
#include "recorder/collect/container_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)proctrail::parse_container_list(text);
  proctrail::ContainerSample sample;
  (void)proctrail::apply_container_inspect(text, sample);
  proctrail::parse_docker_time_us(text);
  return 0;
}
