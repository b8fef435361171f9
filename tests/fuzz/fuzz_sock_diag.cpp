// One recv() of a sock_diag dump. The first byte picks what was asked for (unix, tcp, udp, tcp6,
// udp6), the rest are the reply's bytes.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "proctrail/sockets.hpp"
#include "recorder/collect/socket_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  struct Query {
    int family;
    int protocol;
  };
  constexpr Query kQueries[] = {{AF_UNIX, 0}, {AF_INET, IPPROTO_TCP}, {AF_INET, IPPROTO_UDP},
                                {AF_INET6, IPPROTO_TCP}, {AF_INET6, IPPROTO_UDP}};
  const Query& query = kQueries[data[0] % 5];
  std::vector<proctrail::SocketSample> sockets;
  (void)proctrail::parse_sock_diag_reply(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), query.family,
                                   query.protocol, sockets);
  return 0;
}
