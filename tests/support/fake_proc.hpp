#pragma once
// Builds fixture /proc trees on disk so the collector can be aimed at them.
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace proctrail::test {

struct FakeProcess {
  int pid = 100;
  int ppid = 1;
  std::string comm = "sleep";
  char state = 'S';
  unsigned long start_ticks = 1000;
  long rss_pages = 256;
  unsigned long flags = 4194304;  // PF_RANDOMIZE-ish user process
  int threads = 1;
  std::vector<std::string> argv = {"sleep", "1000"};
  std::string exe = "/usr/bin/sleep";
  std::string cwd = "/";
  int uid = 1000;
  std::string cgroup = "0::/user.slice/user-1000.slice/session-1.scope\n";
  std::string pid_ns = "pid:[4026531836]";
  uint64_t voluntary_switches = 40;    // status: voluntary_ctxt_switches
  uint64_t involuntary_switches = 2;   // status: nonvoluntary_ctxt_switches
  int pgid = 0;  // (5) process group; 0: the pid itself
  int sid = 0;   // (6) session; 0: the pid itself (write session_outside_namespace for a 0 in stat)
  bool session_outside_namespace = false;  // (6) reads 0: the session's leader is outside this pid namespace
};

// The status lines the collector reads, in the kernel's order.
inline std::string status_text(const FakeProcess& p) {
  const std::string uid = std::to_string(p.uid);
  return "Name:\t" + p.comm + "\nState:\t" + std::string(1, p.state) + " (fixture)\nUid:\t" + uid + "\t" + uid + "\t" +
         uid + "\t" + uid + "\nGid:\t0\t0\t0\t0\nThreads:\t" + std::to_string(p.threads) +
         "\nvoluntary_ctxt_switches:\t" + std::to_string(p.voluntary_switches) +
         "\nnonvoluntary_ctxt_switches:\t" + std::to_string(p.involuntary_switches) + "\n";
}

// The full 52-field stat line the kernel writes, built from the fields above.
inline std::string stat_line(const FakeProcess& p) {
  const int pgid = p.pgid ? p.pgid : p.pid;
  const int sid = p.session_outside_namespace ? 0 : (p.sid ? p.sid : p.pid);
  return std::to_string(p.pid) + " (" + p.comm + ") " + p.state + " " + std::to_string(p.ppid) + " " +
         std::to_string(pgid) + " " + std::to_string(sid) + " 34816 -1 " + std::to_string(p.flags) +
         " 96 0 0 0 7 3 0 0 20 0 " + std::to_string(p.threads) + " 0 " + std::to_string(p.start_ticks) +
         " 3133440 " + std::to_string(p.rss_pages) +
         " 18446744073709551615 94762147790848 94762147810729 140733657930592 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0"
         " 94762147826736 94762147828352 94762479316992 140733657934278 140733657934298 140733657934298"
         " 140733657935851 0\n";
}

class FakeProc {
 public:
  explicit FakeProc(std::filesystem::path root) : root_(std::move(root)) {
    write_all(root_ / "sys/kernel/random/boot_id", "0f6e5bd6-1111-2222-3333-444455556666\n");
    write_all(root_ / "sys/kernel/hostname", "fixture-host\n");
    write_all(root_ / "sys/kernel/osrelease", "6.1.0-fixture\n");
    write_all(root_ / "sys/kernel/version", "#1 SMP\n");
    write_all(root_ / "stat", "cpu  1 2 3 4\nintr 0\nctxt 0\nbtime 1795488708\nprocesses 3000\n");
  }

  void add(const FakeProcess& p) {
    auto dir = root_ / std::to_string(p.pid);
    write_all(dir / "stat", stat_line(p));
    write_all(dir / "status", status_text(p));
    std::string cmdline;
    for (const auto& arg : p.argv) cmdline += arg + std::string(1, '\0');
    write_all(dir / "cmdline", cmdline);
    write_all(dir / "cgroup", p.cgroup);
    std::filesystem::create_directories(dir / "ns");
    std::filesystem::create_symlink(p.exe, dir / "exe");
    std::filesystem::create_symlink(p.cwd, dir / "cwd");
    std::filesystem::create_symlink(p.pid_ns, dir / "ns" / "pid");
  }

  // A descriptor: /proc/PID/fd/N → link, and fdinfo/N.
  void add_fd(int pid, int fd, const std::string& link, const std::string& fdinfo) {
    auto dir = root_ / std::to_string(pid);
    std::filesystem::create_directories(dir / "fd");
    std::filesystem::create_symlink(link, dir / "fd" / std::to_string(fd));
    write_all(dir / "fdinfo" / std::to_string(fd), fdinfo);
  }

  void write(const std::string& relative, const std::string& text) { write_all(root_ / relative, text); }
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace proctrail::test
