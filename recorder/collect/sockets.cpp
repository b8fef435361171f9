// Socket collection: sock_diag dumps per family/protocol, /proc/net/* as the fallback.
#include "proctrail/sockets.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

#include "proctrail/procfs.hpp"
#include "common/fs_util.hpp"
#include "common/text_util.hpp"
#include "recorder/collect/procfs_parse.hpp"
#include "recorder/collect/socket_parse.hpp"

namespace proctrail {
namespace {

std::string unix_type_name(int type) {
  switch (type) {
    case SOCK_STREAM: return "stream";
    case SOCK_DGRAM: return "dgram";
    case SOCK_SEQPACKET: return "seqpacket";
    default: return "type" + std::to_string(type);
  }
}

std::string unix_state_name(int state) {
  switch (state) {
    case 1: return "ESTABLISHED";
    case 2: return "SYN_SENT";
    case 7: return "UNCONNECTED";
    case 10: return "LISTEN";
    default: return "STATE" + std::to_string(state);
  }
}

std::string address_text(int family, const void* bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(family, bytes, text, sizeof text) == nullptr) return "?";
  return text;
}

// A unix socket name: abstract names (leading NUL) are shown with '@', as ss does.
std::string unix_name(const char* data, size_t size) {
  if (size == 0) return {};
  if (data[0] == '\0') return "@" + std::string(data + 1, size - 1);
  return std::string(data, strnlen(data, size));
}

Error truncated(const char* what) { return Error{std::string("malformed sock_diag reply: ") + what}; }

void parse_unix_message(const unix_diag_msg& msg, std::string_view attributes, SocketSample& socket) {
  socket.inode = msg.udiag_ino;
  socket.family = "unix";
  socket.protocol = unix_type_name(msg.udiag_type);
  socket.state = unix_state_name(msg.udiag_state);
  while (attributes.size() >= sizeof(rtattr)) {
    rtattr attr{};
    std::memcpy(&attr, attributes.data(), sizeof attr);
    if (attr.rta_len < sizeof(rtattr) || attr.rta_len > attributes.size()) return;
    const char* payload = attributes.data() + RTA_LENGTH(0);
    size_t payload_size = attr.rta_len - RTA_LENGTH(0);
    if (attr.rta_type == UNIX_DIAG_NAME) socket.path = unix_name(payload, payload_size);
    if (attr.rta_type == UNIX_DIAG_PEER && payload_size >= sizeof(uint32_t)) {
      uint32_t peer = 0;
      std::memcpy(&peer, payload, sizeof peer);
      if (peer != 0) socket.peer_inode = peer;
    }
    size_t step = RTA_ALIGN(attr.rta_len);
    if (step >= attributes.size()) break;
    attributes.remove_prefix(step);
  }
}

void parse_inet_message(const inet_diag_msg& msg, int protocol, SocketSample& socket) {
  socket.inode = msg.idiag_inode;
  socket.family = msg.idiag_family == AF_INET6 ? "inet6" : "inet";
  socket.protocol = protocol == IPPROTO_UDP ? "udp" : "tcp";
  socket.state = tcp_state_name(msg.idiag_state, protocol);
  socket.local_address = address_text(msg.idiag_family, msg.id.idiag_src);
  socket.local_port = ntohs(msg.id.idiag_sport);
  socket.remote_address = address_text(msg.idiag_family, msg.id.idiag_dst);
  socket.remote_port = ntohs(msg.id.idiag_dport);
  socket.uid = msg.idiag_uid;
}

// Sends one dump request and reads replies until NLMSG_DONE.
Result<std::vector<SocketSample>> netlink_dump(int family, int protocol) {
  int sock = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (sock < 0) return Error{std::string("sock_diag socket: ") + std::strerror(errno)};
  struct {
    nlmsghdr header;
    union {
      unix_diag_req unix_request;
      inet_diag_req_v2 inet_request;
    };
  } request{};
  request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  if (family == AF_UNIX) {
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(unix_diag_req));
    request.unix_request.sdiag_family = AF_UNIX;
    request.unix_request.udiag_states = ~0u;
    request.unix_request.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER;
  } else {
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(inet_diag_req_v2));
    request.inet_request.sdiag_family = static_cast<uint8_t>(family);
    request.inet_request.sdiag_protocol = static_cast<uint8_t>(protocol);
    request.inet_request.idiag_states = ~0u;
  }
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(sock, &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    int error = errno;
    ::close(sock);
    return Error{std::string("sock_diag request: ") + std::strerror(error)};
  }
  std::vector<SocketSample> sockets;
  std::string buffer(1 << 16, '\0');
  while (true) {
    ssize_t n = ::recv(sock, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : EPIPE;
      ::close(sock);
      return Error{std::string("sock_diag reply: ") + std::strerror(error)};
    }
    auto done = parse_sock_diag_reply(std::string_view(buffer.data(), static_cast<size_t>(n)), family, protocol, sockets);
    if (!done) {
      ::close(sock);
      return done.error();
    }
    if (*done) break;
  }
  ::close(sock);
  return sockets;
}

// "0100007F:1F90" (host-order words) → address text and port.
bool parse_hex_endpoint(std::string_view endpoint, int family, std::string& address, int& port) {
  size_t colon = endpoint.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view hex = endpoint.substr(0, colon);
  size_t words = family == AF_INET6 ? 4 : 1;
  if (hex.size() != words * 8) return false;
  uint32_t raw[4] = {};
  for (size_t i = 0; i < words; ++i) {
    if (!text::parse_int(hex.substr(i * 8, 8), raw[i], 16)) return false;
  }
  address = address_text(family, raw);  // the words are the in-memory (network-order) bytes
  return text::parse_int(endpoint.substr(colon + 1), port, 16);
}

// Calls `parse(fields, line)` for each non-empty line after the header; stops at its first Error.
template <class Parse>
Status for_each_table_row(std::string_view table, Parse parse) {
  text::Lines lines(table);
  std::string_view line;
  if (!lines.next(line)) return ok_status();  // the header
  while (lines.next(line)) {
    auto fields = text::split_fields(line);
    if (fields.empty()) continue;
    if (auto done = parse(fields, line); !done) return done;
  }
  return ok_status();
}

// nlmsgerr.error is minus an errno. Anything else (0 is an ACK; INT_MIN has no negation) is named
// by its number.
std::string netlink_error_text(int error) {
  constexpr int kMaxErrno = 4095;
  if (error < 0 && error >= -kMaxErrno) return std::strerror(-error);
  return "netlink error " + std::to_string(error);
}

}  // namespace

std::string tcp_state_name(int state, int protocol) {
  static const char* kNames[] = {"?",         "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT1",
                                 "FIN_WAIT2", "TIME_WAIT",   "CLOSE",      "CLOSE_WAIT", "LAST_ACK",
                                 "LISTEN",    "CLOSING",     "NEW_SYN_RECV"};
  if (protocol == IPPROTO_UDP && state == 7) return "UNCONN";
  if (state > 0 && state < static_cast<int>(sizeof kNames / sizeof *kNames)) return kNames[state];
  return "STATE" + std::to_string(state);
}

Result<bool> parse_sock_diag_reply(std::string_view bytes, int family, int protocol, std::vector<SocketSample>& out) {
  while (!bytes.empty()) {
    if (bytes.size() < sizeof(nlmsghdr)) return truncated("short header");
    nlmsghdr header{};
    std::memcpy(&header, bytes.data(), sizeof header);
    if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > bytes.size()) return truncated("bad length");
    if (header.nlmsg_type == NLMSG_DONE) return true;
    if (header.nlmsg_type == NLMSG_ERROR) {
      nlmsgerr error{};
      if (header.nlmsg_len < NLMSG_LENGTH(sizeof error)) return truncated("short error");
      std::memcpy(&error, bytes.data() + NLMSG_HDRLEN, sizeof error);
      return Error{"sock_diag refused: " + netlink_error_text(error.error)};
    }
    std::string_view payload = bytes.substr(NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN);
    SocketSample socket;
    if (family == AF_UNIX) {
      unix_diag_msg msg{};
      if (payload.size() < sizeof msg) return truncated("short unix message");
      std::memcpy(&msg, payload.data(), sizeof msg);
      parse_unix_message(msg, payload.substr(NLMSG_ALIGN(sizeof msg) <= payload.size() ? NLMSG_ALIGN(sizeof msg) : payload.size()), socket);
    } else {
      inet_diag_msg msg{};
      if (payload.size() < sizeof msg) return truncated("short inet message");
      std::memcpy(&msg, payload.data(), sizeof msg);
      parse_inet_message(msg, protocol, socket);
    }
    if (socket.inode != 0) out.push_back(std::move(socket));  // TIME_WAIT and the like: no holder
    size_t step = NLMSG_ALIGN(header.nlmsg_len);
    if (step >= bytes.size()) break;
    bytes.remove_prefix(step);
  }
  return false;
}

Result<std::vector<SocketSample>> parse_proc_net_inet(std::string_view text, int family, int protocol) {
  std::vector<SocketSample> sockets;
  auto parsed = for_each_table_row(text, [&](const std::vector<std::string_view>& fields, std::string_view) -> Status {
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
    if (fields.size() < 10) return Error{"malformed /proc/net line: too few fields"};
    SocketSample socket;
    std::string address;
    int port = 0;
    if (!parse_hex_endpoint(fields[1], family, address, port)) return Error{"malformed /proc/net local address"};
    socket.local_address = address;
    socket.local_port = port;
    if (!parse_hex_endpoint(fields[2], family, address, port)) return Error{"malformed /proc/net remote address"};
    socket.remote_address = address;
    socket.remote_port = port;
    int state = 0;
    uint32_t uid = 0;
    if (!text::parse_int(fields[3], state, 16) || !text::parse_int(fields[7], uid) || !text::parse_int(fields[9], socket.inode)) {
      return Error{"malformed /proc/net state, uid or inode"};
    }
    socket.family = family == AF_INET6 ? "inet6" : "inet";
    socket.protocol = protocol == IPPROTO_UDP ? "udp" : "tcp";
    socket.state = tcp_state_name(state, protocol);
    socket.uid = uid;
    if (socket.inode != 0) sockets.push_back(std::move(socket));
    return ok_status();
  });
  if (!parsed) return parsed.error();
  return sockets;
}

Result<std::vector<SocketSample>> parse_proc_net_unix(std::string_view text) {
  std::vector<SocketSample> sockets;
  auto parsed = for_each_table_row(text, [&](const std::vector<std::string_view>& fields, std::string_view line) -> Status {
    // Num RefCount Protocol Flags Type St Inode [Path]
    if (fields.size() < 7) return Error{"malformed /proc/net/unix line: too few fields"};
    SocketSample socket;
    uint32_t flags = 0, type = 0, state = 0;
    if (!text::parse_int(fields[3], flags, 16) || !text::parse_int(fields[4], type, 16) ||
        !text::parse_int(fields[5], state, 16) || !text::parse_int(fields[6], socket.inode)) {
      return Error{"malformed /proc/net/unix flags, type, state or inode"};
    }
    socket.family = "unix";
    socket.protocol = unix_type_name(static_cast<int>(type));
    constexpr uint32_t kAcceptConnections = 0x10000;  // __SO_ACCEPTCON
    if (flags & kAcceptConnections) {
      socket.state = "LISTEN";
    } else {
      socket.state = state == 3 ? "ESTABLISHED" : state == 2 ? "SYN_SENT" : "UNCONNECTED";  // SS_CONNECTED, SS_CONNECTING
    }
    if (fields.size() > 7) socket.path = std::string(line.substr(static_cast<size_t>(fields[7].data() - line.data())));
    sockets.push_back(std::move(socket));
    return ok_status();
  });
  if (!parsed) return parsed.error();
  return sockets;
}

SocketCollector::SocketCollector(SocketOptions options, Logger logger)
    : options_(std::move(options)), logger_(or_null(std::move(logger))) {}

Result<std::vector<SocketSample>> SocketCollector::collect_netlink(uint64_t netns) const {
  std::vector<SocketSample> all;
  const std::pair<int, int> dumps[] = {{AF_UNIX, 0}, {AF_INET, IPPROTO_TCP}, {AF_INET6, IPPROTO_TCP},
                                       {AF_INET, IPPROTO_UDP}, {AF_INET6, IPPROTO_UDP}};
  for (auto [family, protocol] : dumps) {
    auto sockets = netlink_dump(family, protocol);
    if (!sockets) {
      if (family == AF_INET6) continue;  // no IPv6 in this namespace is not a failure
      return sockets.error();
    }
    for (auto& socket : *sockets) {
      socket.netns = netns;
      all.push_back(std::move(socket));
    }
  }
  return all;
}

Result<std::vector<SocketSample>> SocketCollector::collect_proc_net(const std::filesystem::path& net_dir,
                                                                   uint64_t netns) const {
  std::vector<SocketSample> all;
  const std::string root = net_dir.string();
  int dir = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Error{"reading " + root + ": " + std::strerror(errno)};
  std::string text;
  struct Table {
    const char* name;
    int family;
    int protocol;
  };
  const Table tables[] = {{"unix", AF_UNIX, 0}, {"tcp", AF_INET, IPPROTO_TCP}, {"tcp6", AF_INET6, IPPROTO_TCP},
                          {"udp", AF_INET, IPPROTO_UDP}, {"udp6", AF_INET6, IPPROTO_UDP}};
  for (const auto& table : tables) {
    if (fs::read_file_at(dir, table.name, text) != 0) continue;  // e.g. no IPv6
    auto sockets = table.family == AF_UNIX ? parse_proc_net_unix(text) : parse_proc_net_inet(text, table.family, table.protocol);
    if (!sockets) {
      ::close(dir);
      return Error{"parsing " + root + "/" + table.name + ": " + sockets.error().message};
    }
    for (auto& socket : *sockets) {
      socket.netns = netns;
      all.push_back(std::move(socket));
    }
  }
  ::close(dir);
  return all;
}

uint64_t SocketCollector::own_namespace() const {
  auto link = fs::read_link_at(AT_FDCWD, (options_.proc_root / "self/ns/net").c_str());
  return link ? parse_ns_link(*link).value_or(0) : 0;
}

Result<SocketTable> SocketCollector::collect() const {
  const uint64_t netns = own_namespace();
  if (options_.use_netlink) {
    auto sockets = collect_netlink(netns);
    if (sockets) return SocketTable{std::move(*sockets), "sock_diag"};
    logger_->warn("{}; falling back to {}/net (unix sockets will have no peers)", sockets.error().message,
                  options_.proc_root.string());
  }
  auto sockets = collect_proc_net(options_.proc_root / "net", netns);
  if (!sockets) return sockets.error();
  return SocketTable{std::move(*sockets), "proc-net"};
}

Result<SocketTable> SocketCollector::collect_namespace(pid_t holder, uint64_t netns) const {
  const auto holder_dir = options_.proc_root / std::to_string(holder);
  if (options_.use_netlink) {
    // setns changes only the calling thread, so a thread of its own enters and is discarded.
    Result<std::vector<SocketSample>> sockets = Error{"not run"};
    std::thread visitor([&] {
      int ns_fd = ::open((holder_dir / "ns/net").c_str(), O_RDONLY | O_CLOEXEC);
      if (ns_fd < 0) {
        sockets = Error{"opening the namespace of pid " + std::to_string(holder) + ": " + std::strerror(errno)};
        return;
      }
      if (::setns(ns_fd, CLONE_NEWNET) != 0) {
        sockets = Error{"entering the namespace of pid " + std::to_string(holder) + ": " + std::strerror(errno)};
      } else {
        sockets = collect_netlink(netns);
      }
      ::close(ns_fd);
    });
    visitor.join();
    if (sockets) return SocketTable{std::move(*sockets), "sock_diag"};
    logger_->debug("network namespace {}: {}; reading {}/net", netns, sockets.error().message, holder_dir.string());
  }
  auto sockets = collect_proc_net(holder_dir / "net", netns);
  if (!sockets) return sockets.error();
  return SocketTable{std::move(*sockets), "proc-net"};
}

}  // namespace proctrail
