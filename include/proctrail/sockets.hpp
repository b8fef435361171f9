#pragma once
// Sockets: the kernel's sock_diag netlink interface (as ss and lsof +E use; unix peers exist only
// there), with /proc/net/* as the fallback when netlink is refused. Its parsers, over bytes or text,
// are recorder/collect/socket_parse.hpp.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "proctrail/logging.hpp"
#include "proctrail/process.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

struct SocketOptions {
  std::filesystem::path proc_root = "/proc";  // for /proc/net/* and /proc/self/ns/net
  bool use_netlink = true;                    // false: /proc/net/* only (tests, or netlink refused)
};

struct SocketTable {
  std::vector<SocketSample> sockets;
  std::string source;  // "sock_diag" or "proc-net"
};

// Every socket of the recorder's network namespace, and on request of another one.
class SocketCollector {
 public:
  explicit SocketCollector(SocketOptions options = {}, Logger logger = nullptr);
  Result<SocketTable> collect() const;
  // The sockets of network namespace `netns`, entered through a process `holder` inside it: a
  // short-lived thread joins it (setns, which needs CAP_SYS_ADMIN) and asks sock_diag there; when
  // that is refused, /proc/HOLDER/net/* (that namespace's tables, without unix peers).
  Result<SocketTable> collect_namespace(pid_t holder, uint64_t netns) const;
  // The recorder's own network namespace inode (0 if unknown).
  uint64_t own_namespace() const;

 private:
  Result<std::vector<SocketSample>> collect_netlink(uint64_t netns) const;
  Result<std::vector<SocketSample>> collect_proc_net(const std::filesystem::path& net_dir, uint64_t netns) const;

  SocketOptions options_;
  Logger logger_;
};

}  // namespace proctrail
