// /proc/net/tcp, tcp6, udp, udp6 and unix. The first byte picks the table, the rest is its text.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proctrail/sockets.hpp"
#include "recorder/collect/socket_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: (void)proctrail::parse_proc_net_inet(text, AF_INET, IPPROTO_TCP); break;
    case 1: (void)proctrail::parse_proc_net_inet(text, AF_INET6, IPPROTO_TCP); break;
    case 2: (void)proctrail::parse_proc_net_inet(text, AF_INET, IPPROTO_UDP); break;
    case 3: (void)proctrail::parse_proc_net_inet(text, AF_INET6, IPPROTO_UDP); break;
    default: (void)proctrail::parse_proc_net_unix(text); break;
  }
  return 0;
}
