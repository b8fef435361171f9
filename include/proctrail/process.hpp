#pragma once
// What one collection saw: the host (one boot) and its processes, as plain structs.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

namespace proctrail {

// One boot of one machine.
struct HostInfo {
  std::string boot_id;                    // /proc/sys/kernel/random/boot_id
  std::optional<std::string> machine_id;  // /etc/machine-id
  std::string hostname;                   // /proc/sys/kernel/hostname
  std::optional<std::string> kernel;      // osrelease + " " + version
  int64_t boot_time = 0;                  // btime, unix seconds
  int64_t clock_ticks = 100;              // sysconf(_SC_CLK_TCK)
  int64_t page_size = 4096;               // sysconf(_SC_PAGESIZE)
};

// A process is (boot, pid, start_ticks); within one host, (pid, start_ticks).
struct ProcessKey {
  pid_t pid = 0;
  uint64_t start_ticks = 0;
  friend bool operator==(const ProcessKey&, const ProcessKey&) = default;
  friend auto operator<=>(const ProcessKey&, const ProcessKey&) = default;
};

struct ProcessKeyHash {
  size_t operator()(const ProcessKey& key) const noexcept {
    return std::hash<uint64_t>{}((static_cast<uint64_t>(key.pid) << 40) ^ key.start_ticks);
  }
};

// One open descriptor of a process (/proc/PID/fd/N and fdinfo/N).
struct FdSample {
  int fd = -1;
  std::string kind;                   // pipe, fifo, socket, file, dir, chr, blk, anon, other
  std::optional<uint64_t> inode;      // pipe/socket inode from the link, else fdinfo ino / st_ino
  std::optional<uint64_t> dev;        // st_dev for paths
  std::optional<std::string> mode;    // r, w or rw (fdinfo flags & O_ACCMODE)
  std::optional<uint32_t> flags;      // fdinfo flags
  std::optional<std::string> target;  // the link text for paths and anon inodes; nullopt for pipes/sockets
  friend bool operator==(const FdSample&, const FdSample&) = default;
};

// One socket from sock_diag (or /proc/net/* when netlink is refused).
struct SocketSample {
  uint64_t inode = 0;
  std::optional<uint64_t> netns;               // network namespace inode
  std::string family;                          // unix, inet, inet6
  std::string protocol;                        // tcp, udp (inet); stream, dgram, seqpacket (unix)
  std::string state;                           // LISTEN, ESTABLISHED, ... (unix: LISTEN, ESTABLISHED, UNCONNECTED, ...)
  std::optional<std::string> local_address;    // inet: numeric address
  std::optional<int> local_port;
  std::optional<std::string> remote_address;
  std::optional<int> remote_port;
  std::optional<std::string> path;             // unix: bound path; abstract names start with '@'
  std::optional<uint64_t> peer_inode;          // unix: the peer socket's inode (sock_diag only)
  std::optional<uint32_t> uid;                 // inet: owner uid
};

// The container a process belongs to, from its cgroup path or its pid namespace.
struct ContainerRef {
  std::string runtime;  // docker, podman, cri-containerd, crio, containerd, lxc, systemd-nspawn
  std::string id;       // the runtime's id: 64 hex digits for OCI runtimes, the machine name otherwise
  std::string source;   // "cgroup" or "pid-ns" (shares the pid namespace of a container's init)
  bool operator==(const ContainerRef&) const = default;
};

// A container as its engine reports it (Docker Engine API: containers/json and containers/ID/json).
struct ContainerSample {
  std::string id;                              // full 64-hex id
  std::string name;                            // first name, without the leading '/'
  std::string image;                           // image as asked for (name:tag or id)
  std::string command;                         // entrypoint + cmd as one string
  std::string state;                           // created, running, paused, restarting, removing, exited, dead
  std::string status;                          // human text ("Up 5 minutes", "Exited (0) 2 hours ago")
  int64_t created_at_us = 0;                   // creation time, unix µs
  std::optional<int64_t> started_at_us;        // last start, unix µs; nullopt if never started
  std::optional<int64_t> finished_at_us;       // last exit, unix µs; nullopt if never exited
  std::optional<int64_t> exit_code;            // last exit code (meaningful once exited)
  std::optional<pid_t> init_pid;               // host pid of its init process; nullopt when not running
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by key
};

// What a process's memory really is (/proc/PID/smaps_rollup), KiB.
struct MemorySample {
  int64_t rss_kb = 0;   // Rss
  int64_t pss_kb = 0;   // Pss: shared pages divided among their sharers
  int64_t uss_kb = 0;   // Private_Clean + Private_Dirty: what ending the process frees
  int64_t swap_kb = 0;  // Swap: swapped out (freed too)
  friend bool operator==(const MemorySample&, const MemorySample&) = default;
};

// The environment variables that name a client session in a process's environment, strongest first:
// Claude Code's session id (equal to its hooks' session_id), then a `proctrail exec` run's id. Add
// others here; the collector, the sessions view and the docs read this one list.
inline constexpr const char* kSessionMarkerVariables[] = {"CLAUDE_CODE_SESSION_ID", "PROCTRAIL_RUN"};

// One process as read from /proc at one moment.
struct ProcessSample {
  ProcessKey key;
  pid_t ppid = 0;
  std::optional<ProcessKey> parent;  // ppid's identity, only if it started no later than this process
  char state = '?';
  std::string comm;
  std::optional<std::string> exe;
  std::optional<std::string> argv;   // shell-quoted cmdline; nullopt if empty or unreadable
  std::optional<std::string> cwd;
  std::optional<uid_t> uid;
  std::optional<uid_t> euid;
  pid_t pgid = 0;
  pid_t sid = 0;
  int64_t tty_nr = 0;
  int64_t threads = 0;
  int64_t rss_kb = 0;
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  std::optional<std::string> cgroup;
  std::optional<uint64_t> pid_ns;
  bool is_kernel_thread = false;
  std::optional<uint64_t> net_ns;       // inode of /proc/PID/ns/net
  std::optional<std::vector<FdSample>> fds;  // nullopt: descriptors not read (unreadable, not asked, or carried)
  std::optional<uint64_t> run_signature;     // changes whenever it has run (see run_signature()); nullopt: always re-read
  bool fds_carried = false;                  // not re-read: run_signature equals the last read's
  std::optional<ContainerRef> container;     // nullopt: not in a container we can name
  // Leak evidence (migration 015).
  std::optional<uint64_t> context_switches;  // status voluntary + nonvoluntary; nullopt if unreadable
  std::optional<int64_t> swap_kb;            // status VmSwap; nullopt if unreadable or absent
  std::optional<uint64_t> io_syscalls;       // /proc/PID/io syscr + syscw; read only when it ran since the last snapshot
  std::optional<pid_t> inherited_by;         // first seen as a child of init or a subreaper that did not start it
  std::optional<std::string> session_variable;  // the kSessionMarkerVariables entry set in its environment
  std::optional<std::string> session_marker;    // its value; environ is read only at first sight
  std::optional<MemorySample> memory;        // smaps_rollup, for the processes a verdict needs (budgeted)
  std::vector<std::string> unreadable;       // evidence that could not be read: environ, status, io, smaps_rollup
};

// A process's activity counters as last recorded, to tell whether it ran since.
struct ActivityBaseline {
  uint64_t cpu_ticks = 0;                    // utime + stime
  std::optional<uint64_t> context_switches;
};

// Whether a process ran since `before`: it used CPU time, or it was switched out (a wake-up that
// used less than a tick still counts a switch). The collector and the store's activity judge share it.
inline bool ran_since(const ActivityBaseline& before, uint64_t cpu_ticks, const std::optional<uint64_t>& context_switches) {
  if (cpu_ticks != before.cpu_ticks) return true;
  return context_switches && before.context_switches && *context_switches != *before.context_switches;
}

// What the store remembers of the last descriptor reads, so unchanged processes can be skipped.
struct CollectHints {
  std::unordered_map<ProcessKey, uint64_t, ProcessKeyHash> run_signatures;  // of the last read
  // Every open process of the trail (those not here are new: their environment is read), with the
  // counters that tell whether it ran (then its /proc/PID/io is read).
  std::unordered_map<ProcessKey, ActivityBaseline, ProcessKeyHash> known;
  // RSS at each process's last smaps_rollup read: it is read again only when RSS moved.
  std::unordered_map<ProcessKey, int64_t, ProcessKeyHash> memory_read_at_rss_kb;
  std::vector<ProcessKey> memory_targets;    // read smaps_rollup of these first (cleanup targets)
  std::optional<std::string> memory_match;   // and of processes whose argv matches (RE2; cleanup --match)
};

// A full read of the process table.
struct ProcessTable {
  std::vector<ProcessSample> processes;  // in /proc listing order
  std::vector<pid_t> unparsed_pids;      // present, but a required file was malformed
  std::optional<ProcessKey> excluded;    // the recorder itself: present, deliberately not recorded
  int64_t vanished = 0;                  // listed, gone before stat could be read
  int64_t started_at_us = 0;             // wall clock when collection began
  int64_t ended_at_us = 0;               // wall clock when collection ended
  int64_t started_boottime_ns = 0;       // CLOCK_BOOTTIME when collection began
  bool fds_collected = false;            // descriptors were asked for
  std::optional<std::vector<SocketSample>> sockets;  // nullopt: sockets not collected
  std::string sockets_source;            // sock_diag, proc-net, or why none
  std::optional<std::vector<ContainerSample>> containers;  // nullopt: not asked, or the engine could not be asked
  std::string containers_source;         // "docker unix:///path", or why containers are missing; empty: not asked
};

}  // namespace proctrail
