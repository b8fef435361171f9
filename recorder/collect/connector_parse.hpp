#pragma once
// The proc connector parser behind ProcConnector: bytes of one datagram in, raw events out. Pure,
// tested on literal bytes (tests/unit/test_events.cpp) and fuzzed.
#include <cstddef>
#include <span>
#include <vector>

#include "proctrail/events.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// Parses the bytes of one datagram from a NETLINK_CONNECTOR socket: netlink messages, each a
// cn_msg carrying a proc_event. Acknowledgements, other connector ids, NLMSG_NOOP and events
// proctrail does not record (gid, ptrace) yield nothing. A truncated or inconsistent message is an
// error naming the byte offset; events parsed before it are kept in `out`.
Status parse_connector_datagram(std::span<const std::byte> bytes, std::vector<RawProcEvent>& out);

}  // namespace proctrail
