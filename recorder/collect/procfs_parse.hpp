#pragma once
// The /proc parsers behind ProcfsCollector: pure functions over file text, tested on literal kernel
// text (tests/unit/test_parse.cpp) and fuzzed (tests/fuzz).
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proctrail/procfs.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// Fields of /proc/PID/stat that proctrail records (numbers as in proc(5)).
struct StatFields {
  pid_t pid = 0;              // (1)
  std::string comm;           // (2) without the parentheses
  char state = '?';           // (3)
  pid_t ppid = 0;             // (4)
  pid_t pgrp = 0;             // (5)
  pid_t session = 0;          // (6)
  int64_t tty_nr = 0;         // (7)
  uint64_t flags = 0;         // (9)
  uint64_t utime = 0;         // (14)
  uint64_t stime = 0;         // (15)
  int64_t num_threads = 0;    // (20)
  uint64_t starttime = 0;     // (22)
  int64_t rss_pages = 0;      // (24)
};

inline constexpr uint64_t kPfKthread = 0x00200000;  // PF_KTHREAD in (9) flags

// /proc/PID/stat. comm may hold spaces, parentheses and newlines: it ends at the last ')'.
Result<StatFields> parse_stat(std::string_view text);

struct StatusFields {
  std::optional<uid_t> uid;   // Uid: real
  std::optional<uid_t> euid;  // Uid: effective
  char state = '?';           // State: first letter (R, S, D, Z, T, t, X, I)
  // voluntary_ctxt_switches + nonvoluntary_ctxt_switches: how often the task was switched *out*.
  // Per task, not summed over threads; both lines present or nullopt.
  std::optional<uint64_t> context_switches;
  std::optional<int64_t> swap_kb;  // VmSwap: KiB swapped out (absent for kernel threads and zombies)
};
// /proc/PID/status: the Uid line. Missing or malformed lines give nullopt fields.
StatusFields parse_status(std::string_view text);

// /proc/PID/io: read and write syscalls (syscr + syscw), what tells a process doing I/O from one
// only using CPU. nullopt when either line is missing or malformed.
std::optional<uint64_t> parse_io_syscalls(std::string_view text);

// /proc/PID/smaps_rollup: the memory a process really holds (MemorySample, process.hpp: Rss, Pss,
// Private_Clean + Private_Dirty as USS, Swap). nullopt unless Rss and Pss are there.
std::optional<MemorySample> parse_smaps_rollup(std::string_view text);

// /proc/PID/environ (NUL-separated NAME=value): the first of `names` that is set, as (name, value),
// the value cut to kMaxSessionMarkerBytes. Entries without '=' and non-text bytes are skipped, never
// an error: the environment is whatever the process made of it.
inline constexpr size_t kMaxSessionMarkerBytes = 256;
struct EnvironMarker {
  std::string name;
  std::string value;
  friend bool operator==(const EnvironMarker&, const EnvironMarker&) = default;
};
std::optional<EnvironMarker> find_environ_marker(std::string_view environ, const std::vector<std::string_view>& names);

// /proc/PID/cmdline: NUL-separated arguments (a trailing NUL is optional; setproctitle may leave
// spaces instead of NULs, which stay inside one argument).
std::vector<std::string> parse_cmdline(std::string_view text);

// One line of /proc/PID/cgroup: hierarchy-ID:controller-list:cgroup-path (the path may hold ':').
struct CgroupLine {
  std::string_view hierarchy;
  std::string_view controllers;
  std::string_view path;
};
std::vector<CgroupLine> split_cgroup_lines(std::string_view text);

// /proc/PID/cgroup: the v2 path ("0::/path"), else the name=systemd v1 path, else the first v1 path.
std::optional<std::string> parse_cgroup(std::string_view text);

// A namespace link target such as "pid:[4026531836]" → 4026531836.
std::optional<uint64_t> parse_ns_link(std::string_view target);

// /proc/PID/task/TID/schedstat: "run_ns wait_ns pcount". pcount counts switches *in*, so a thread
// that was on a CPU when it was read can run on and sleep without changing it; run_ns grows then.
struct SchedStat {
  uint64_t run_ns = 0;  // time on a CPU
  uint64_t pcount = 0;  // times run on a CPU
};
std::optional<SchedStat> parse_schedstat(std::string_view text);

// /proc/stat: the btime line (boot time, unix seconds).
Result<int64_t> parse_boot_time(std::string_view text);

// /proc/PID/fdinfo/N.
struct FdInfo {
  std::optional<uint32_t> flags;  // "flags:" (octal)
  std::optional<uint64_t> inode;  // "ino:" (kernels ≥ 5.14)
  std::optional<uint64_t> pos;    // "pos:"
};
FdInfo parse_fdinfo(std::string_view text);

// r, w or rw from open(2) flags.
std::string access_mode(uint32_t flags);

// The access mode of a descriptor from its /proc/PID/fd/N link's own permission bits, as lstat(2)
// reports them: the kernel gives the link S_IRUSR|S_IXUSR when the file is open for reading and
// S_IWUSR|S_IXUSR when open for writing, and no group or other bits (fs/proc/fd.c). r, w or rw;
// nullopt for an O_PATH descriptor (neither). `mode` is st_mode; see is_proc_fd_link_mode.
std::optional<std::string> access_mode_of_link(uint32_t mode);
// The access mode a descriptor's kind alone tells, so no lstat is needed: a socket is always open
// for reading and writing (net/socket.c: sock_alloc_file opens every socket O_RDWR, and a socket
// cannot be reopened through /proc), so "rw". nullopt for every other kind (a pipe's end, a file's
// open mode: the link's lstat says).
std::optional<std::string> access_mode_of_kind(std::string_view kind);
// Whether st_mode is that of a /proc fd link (user bits only). A plain symlink (a fixture tree's
// stand-in, lrwxrwxrwx) is not, and its access mode must come from fdinfo.
bool is_proc_fd_link_mode(uint32_t mode);

// Classifies a /proc/PID/fd/N link: "pipe:[5]" → pipe 5, "socket:[6]" → socket 6,
// "anon_inode:[eventfd]" → anon; a path needs a stat to be told apart (kind "path").
struct FdLink {
  std::string kind;                  // pipe, socket, anon, path, other
  std::optional<uint64_t> inode;
};
FdLink classify_fd_link(std::string_view target);

}  // namespace proctrail
