#pragma once
// The socket parsers behind SocketCollector: sock_diag replies (bytes) and /proc/net/* tables
// (text), pure functions tested on literal input (tests/unit/test_socket_parse.cpp) and fuzzed.
#include <string>
#include <string_view>
#include <vector>

#include "proctrail/process.hpp"
#include "proctrail/result.hpp"
#include "proctrail/sockets.hpp"

namespace proctrail {

// Parses one recv() of a sock_diag dump (any number of netlink messages). Appends sockets to `out`;
// returns true once NLMSG_DONE was seen. `family` is AF_UNIX, AF_INET or AF_INET6 and `protocol`
// IPPROTO_TCP or IPPROTO_UDP for inet. Truncated or error replies are Errors.
Result<bool> parse_sock_diag_reply(std::string_view bytes, int family, int protocol, std::vector<SocketSample>& out);

// /proc/net/tcp, tcp6, udp, udp6 (the address columns are hex in host order per 32-bit word).
Result<std::vector<SocketSample>> parse_proc_net_inet(std::string_view text, int family, int protocol);
// /proc/net/unix (no peers: that file does not have them).
Result<std::vector<SocketSample>> parse_proc_net_unix(std::string_view text);

// TCP state number → name as ss prints it (UDP's 7 is UNCONN).
std::string tcp_state_name(int state, int protocol);

}  // namespace proctrail
