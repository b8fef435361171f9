// Descriptor and socket parsers on literal kernel text and bytes.
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <limits>

#include "proctrail/procfs.hpp"
#include "proctrail/sockets.hpp"
#include "recorder/collect/procfs_parse.hpp"
#include "recorder/collect/socket_parse.hpp"

namespace proctrail {
namespace {

TEST(ParseFdinfo, ReadsFlagsInOctalAndTheInode) {
  // Read off this machine: /proc/self/fdinfo of a socketpair end
  auto info = parse_fdinfo("pos:\t0\nflags:\t02000002\nmnt_id:\t10\nino:\t534388\nscm_fds: 0\n");
  ASSERT_TRUE(info.flags);
  EXPECT_EQ(*info.flags, 02000002u);
  EXPECT_EQ(access_mode(*info.flags), "rw");
  EXPECT_EQ(info.inode, 534388u);
  EXPECT_EQ(info.pos, 0u);
  EXPECT_EQ(access_mode(02000001), "w");   // write end of a pipe
  EXPECT_EQ(access_mode(0100000), "r");    // O_LARGEFILE, read-only
  EXPECT_FALSE(parse_fdinfo("flags:\tnine\n").flags);
  EXPECT_FALSE(parse_fdinfo("").flags);
}

// The link modes the kernel gives /proc/PID/fd/N (fs/proc/fd.c): user bits only.
TEST(AccessModeOfLink, ReadWriteReadWriteAndOPathFromTheLinksPermissionBits) {
  EXPECT_EQ(access_mode_of_link(S_IFLNK | 0500), "r");
  EXPECT_EQ(access_mode_of_link(S_IFLNK | 0300), "w");
  EXPECT_EQ(access_mode_of_link(S_IFLNK | 0700), "rw");
  EXPECT_EQ(access_mode_of_link(S_IFLNK), std::nullopt);  // O_PATH: neither
  EXPECT_TRUE(is_proc_fd_link_mode(S_IFLNK | 0500));
  EXPECT_TRUE(is_proc_fd_link_mode(S_IFLNK));
  EXPECT_FALSE(is_proc_fd_link_mode(S_IFLNK | 0777)) << "a plain symlink, as in a fixture tree";
  EXPECT_FALSE(is_proc_fd_link_mode(S_IFREG | 0500));
}

// Issue 24: a socket's mode needs no lstat (every socket is open O_RDWR); every other kind does.
TEST(AccessModeOfKind, OnlyASocketsModeIsKnownFromItsKind) {
  EXPECT_EQ(access_mode_of_kind("socket"), "rw");
  for (const char* kind : {"pipe", "anon", "path", "other", "file", "fifo"}) {
    EXPECT_EQ(access_mode_of_kind(kind), std::nullopt) << kind;
  }
}

// The same, read off this process's own descriptors: the link's lstat agrees with fdinfo's flags.
TEST(AccessModeOfLink, AgreesWithFdinfoOnThisProcesssOwnDescriptors) {
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  const int read_write = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  const int path_only = ::open("/dev/null", O_PATH | O_CLOEXEC);
  ASSERT_GE(read_write, 0);
  ASSERT_GE(path_only, 0);
  auto link_mode = [](int fd) {
    struct stat info {};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    EXPECT_EQ(::lstat(link.c_str(), &info), 0) << link;
    EXPECT_TRUE(is_proc_fd_link_mode(info.st_mode)) << link;
    return access_mode_of_link(info.st_mode);
  };
  EXPECT_EQ(link_mode(ends[0]), "r");
  EXPECT_EQ(link_mode(ends[1]), "w");
  EXPECT_EQ(link_mode(read_write), "rw");
  EXPECT_EQ(link_mode(path_only), std::nullopt);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  EXPECT_EQ(link_mode(pair[0]), access_mode_of_kind("socket")) << "what the collector assumes without an lstat";
  for (int fd : {ends[0], ends[1], read_write, path_only, pair[0], pair[1]}) ::close(fd);
}

TEST(ClassifyFdLink, TellsPipesSocketsAnonAndPathsApart) {
  auto pipe = classify_fd_link("pipe:[534390]");
  EXPECT_EQ(pipe.kind, "pipe");
  EXPECT_EQ(pipe.inode, 534390u);
  auto socket = classify_fd_link("socket:[534388]");
  EXPECT_EQ(socket.kind, "socket");
  EXPECT_EQ(socket.inode, 534388u);
  EXPECT_EQ(classify_fd_link("anon_inode:[eventfd]").kind, "anon");
  EXPECT_EQ(classify_fd_link("anon_inode:inotify").kind, "anon");
  EXPECT_EQ(classify_fd_link("/dev/null").kind, "path");
  EXPECT_EQ(classify_fd_link("/tmp/x (deleted)").kind, "path");
  EXPECT_EQ(classify_fd_link("net:[4026531840]").kind, "other");
  EXPECT_EQ(classify_fd_link("pipe:[x]").kind, "other");
}

TEST(ParseProcNet, TcpLinesGiveAddressesPortsStateAndInode) {
  const char* text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 41234 1 0 100 0 0 10 0\n"
      "   1: 0100007F:D2F0 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 41240 1 0 20 4 30 10 -1\n"
      "   2: 0100007F:D2F2 0100007F:1F90 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0\n";
  auto sockets = parse_proc_net_inet(text, AF_INET, IPPROTO_TCP);
  ASSERT_TRUE(sockets) << sockets.error().message;
  ASSERT_EQ(sockets->size(), 2u);  // TIME_WAIT (inode 0) has no holder
  EXPECT_EQ((*sockets)[0].local_address, "127.0.0.1");
  EXPECT_EQ((*sockets)[0].local_port, 8080);
  EXPECT_EQ((*sockets)[0].state, "LISTEN");
  EXPECT_EQ((*sockets)[0].inode, 41234u);
  EXPECT_EQ((*sockets)[0].uid, 1000u);
  EXPECT_EQ((*sockets)[1].state, "ESTABLISHED");
  EXPECT_EQ((*sockets)[1].remote_port, 8080);
  EXPECT_EQ((*sockets)[1].local_port, 0xD2F0);
}

TEST(ParseProcNet, Tcp6AndUdp) {
  const char* tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0\n";
  auto sockets = parse_proc_net_inet(tcp6, AF_INET6, IPPROTO_TCP);
  ASSERT_TRUE(sockets) << sockets.error().message;
  ASSERT_EQ(sockets->size(), 1u);
  EXPECT_EQ((*sockets)[0].local_address, "::1");
  EXPECT_EQ((*sockets)[0].local_port, 22);
  EXPECT_EQ((*sockets)[0].family, "inet6");
  const char* udp =
      "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
      "  100: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 555 2 0 0\n";
  auto udp_sockets = parse_proc_net_inet(udp, AF_INET, IPPROTO_UDP);
  ASSERT_TRUE(udp_sockets);
  ASSERT_EQ(udp_sockets->size(), 1u);
  EXPECT_EQ((*udp_sockets)[0].state, "UNCONN");
  EXPECT_EQ((*udp_sockets)[0].protocol, "udp");
}

TEST(ParseProcNet, MalformedLinesAreErrors) {
  EXPECT_FALSE(parse_proc_net_inet("header\n 0: zz:1 00000000:0000 0A 0 0 0 0 0 0 1\n", AF_INET, IPPROTO_TCP));
  EXPECT_FALSE(parse_proc_net_inet("header\n 0: 0100007F:1F90\n", AF_INET, IPPROTO_TCP));
  EXPECT_FALSE(parse_proc_net_unix("header\n0000: 2 0 zz 1 1 5\n"));
  EXPECT_TRUE(parse_proc_net_inet("", AF_INET, IPPROTO_TCP));
}

TEST(ParseProcNet, UnixLinesGivePathStateAndListening) {
  const char* text =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "0000000000000000: 00000002 00000000 00010000 0001 01 21001 /run/dbus/system_bus_socket\n"
      "0000000000000000: 00000003 00000000 00000000 0001 03 21002 /run/dbus/system_bus_socket\n"
      "0000000000000000: 00000003 00000000 00000000 0001 03 21003\n"
      "0000000000000000: 00000002 00000000 00000000 0002 01 21004 @abstract name\n";
  auto sockets = parse_proc_net_unix(text);
  ASSERT_TRUE(sockets) << sockets.error().message;
  ASSERT_EQ(sockets->size(), 4u);
  EXPECT_EQ((*sockets)[0].state, "LISTEN");
  EXPECT_EQ((*sockets)[0].path, "/run/dbus/system_bus_socket");
  EXPECT_EQ((*sockets)[1].state, "ESTABLISHED");
  EXPECT_FALSE((*sockets)[2].path);
  EXPECT_EQ((*sockets)[3].protocol, "dgram");
  EXPECT_EQ((*sockets)[3].path, "@abstract name");
  EXPECT_FALSE((*sockets)[1].peer_inode);  // /proc/net/unix has no peers
}

// ---- sock_diag replies, byte by byte as the kernel lays them out ----

void append_attribute(std::string& out, uint16_t type, const void* data, size_t size) {
  rtattr attr{};
  attr.rta_type = type;
  attr.rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
  out.append(reinterpret_cast<const char*>(&attr), sizeof attr);
  out.append(static_cast<const char*>(data), size);
  out.append(RTA_ALIGN(attr.rta_len) - attr.rta_len, '\0');
}

std::string message(uint16_t type, const std::string& payload) {
  nlmsghdr header{};
  header.nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(payload.size()));
  header.nlmsg_type = type;
  std::string out(reinterpret_cast<const char*>(&header), sizeof header);
  out += payload;
  out.append(NLMSG_ALIGN(header.nlmsg_len) - header.nlmsg_len, '\0');
  return out;
}

std::string unix_message(uint32_t inode, uint8_t state, const std::string& name, uint32_t peer) {
  unix_diag_msg msg{};
  msg.udiag_family = AF_UNIX;
  msg.udiag_type = SOCK_STREAM;
  msg.udiag_state = state;
  msg.udiag_ino = inode;
  std::string payload(reinterpret_cast<const char*>(&msg), sizeof msg);
  if (!name.empty()) append_attribute(payload, UNIX_DIAG_NAME, name.data(), name.size());
  if (peer != 0) append_attribute(payload, UNIX_DIAG_PEER, &peer, sizeof peer);
  return message(SOCK_DIAG_BY_FAMILY, payload);
}

TEST(ParseSockDiag, UnixRepliesCarryNameAndPeer) {
  std::string reply = unix_message(1234, 1, "/run/app.sock", 5678) + unix_message(5678, 1, "", 1234) +
                      unix_message(42, 10, std::string("\0hidden", 7), 0);
  std::vector<SocketSample> sockets;
  auto done = parse_sock_diag_reply(reply, AF_UNIX, 0, sockets);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_FALSE(*done);
  ASSERT_EQ(sockets.size(), 3u);
  EXPECT_EQ(sockets[0].inode, 1234u);
  EXPECT_EQ(sockets[0].path, "/run/app.sock");
  EXPECT_EQ(sockets[0].peer_inode, 5678u);
  EXPECT_EQ(sockets[0].state, "ESTABLISHED");
  EXPECT_EQ(sockets[0].protocol, "stream");
  EXPECT_FALSE(sockets[1].path);
  EXPECT_EQ(sockets[1].peer_inode, 1234u);
  EXPECT_EQ(sockets[2].path, "@hidden");
  EXPECT_EQ(sockets[2].state, "LISTEN");
  EXPECT_FALSE(sockets[2].peer_inode);

  std::string done_message = message(NLMSG_DONE, std::string(4, '\0'));
  auto finished = parse_sock_diag_reply(done_message, AF_UNIX, 0, sockets);
  ASSERT_TRUE(finished);
  EXPECT_TRUE(*finished);
}

TEST(ParseSockDiag, InetRepliesCarryEndpointsStateAndUid) {
  inet_diag_msg msg{};
  msg.idiag_family = AF_INET;
  msg.idiag_state = 1;  // ESTABLISHED
  msg.id.idiag_sport = htons(51000);
  msg.id.idiag_dport = htons(8080);
  msg.id.idiag_src[0] = htonl(INADDR_LOOPBACK);
  msg.id.idiag_dst[0] = htonl(INADDR_LOOPBACK);
  msg.idiag_uid = 1000;
  msg.idiag_inode = 777;
  std::string reply = message(SOCK_DIAG_BY_FAMILY, std::string(reinterpret_cast<const char*>(&msg), sizeof msg));
  std::vector<SocketSample> sockets;
  auto done = parse_sock_diag_reply(reply, AF_INET, IPPROTO_TCP, sockets);
  ASSERT_TRUE(done) << done.error().message;
  ASSERT_EQ(sockets.size(), 1u);
  EXPECT_EQ(sockets[0].local_address, "127.0.0.1");
  EXPECT_EQ(sockets[0].local_port, 51000);
  EXPECT_EQ(sockets[0].remote_port, 8080);
  EXPECT_EQ(sockets[0].state, "ESTABLISHED");
  EXPECT_EQ(sockets[0].uid, 1000u);
  EXPECT_EQ(sockets[0].protocol, "tcp");
}

TEST(ParseSockDiag, ErrorsAndTruncationAreErrorsNotCrashes) {
  nlmsgerr error{};
  error.error = -EPERM;
  std::string refused = message(NLMSG_ERROR, std::string(reinterpret_cast<const char*>(&error), sizeof error));
  std::vector<SocketSample> sockets;
  auto result = parse_sock_diag_reply(refused, AF_UNIX, 0, sockets);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("refused"), std::string::npos);

  std::string whole = unix_message(1, 1, "/x", 2);
  for (size_t cut = 1; cut < whole.size(); ++cut) {
    std::vector<SocketSample> partial;
    auto truncated = parse_sock_diag_reply(std::string_view(whole).substr(0, cut), AF_UNIX, 0, partial);
    if (cut < NLMSG_HDRLEN + sizeof(unix_diag_msg)) {
      EXPECT_FALSE(truncated) << "cut at " << cut;
    }
  }
  std::string garbage(64, '\xff');
  EXPECT_FALSE(parse_sock_diag_reply(garbage, AF_INET, IPPROTO_TCP, sockets));
}

// Bug (found by fuzz_sock_diag in CI): an NLMSG_ERROR whose error was INT_MIN was negated to pick
// its errno text, which is undefined behaviour. Values that are not minus an errno are named by number.
TEST(ParseSockDiag, AnErrorCodeThatIsNotMinusAnErrnoWasNegatedPastIntMin) {
  for (int code : {std::numeric_limits<int>::min(), 0, 7, -5000}) {
    nlmsgerr error{};
    error.error = code;
    std::string refused = message(NLMSG_ERROR, std::string(reinterpret_cast<const char*>(&error), sizeof error));
    std::vector<SocketSample> sockets;
    auto result = parse_sock_diag_reply(refused, AF_INET, IPPROTO_TCP, sockets);
    ASSERT_FALSE(result) << code;
    EXPECT_EQ(result.error().message, "sock_diag refused: netlink error " + std::to_string(code));
  }
}

TEST(SocketCollector, ProcNetFallbackReadsThisMachine) {
  SocketCollector collector(SocketOptions{.use_netlink = false});
  auto table = collector.collect();
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->source, "proc-net");
}

TEST(SocketCollector, NetlinkSeesUnixPeers) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  struct stat a {}, b {};
  ::fstat(pair[0], &a);
  ::fstat(pair[1], &b);
  SocketCollector collector;
  auto table = collector.collect();
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->source, "sock_diag");
  bool found = false;
  for (const auto& socket : table->sockets) {
    if (socket.inode == a.st_ino) {
      found = true;
      EXPECT_EQ(socket.peer_inode, b.st_ino);
    }
  }
  EXPECT_TRUE(found);
  ::close(pair[0]);
  ::close(pair[1]);
}

}  // namespace
}  // namespace proctrail
