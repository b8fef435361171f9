// The process collector: one pass over /proc/[0-9]*, each process read through one dirfd.
//
// Race policy (DESIGN.md): ENOENT/ESRCH on a process's directory or stat means it is gone: skip and
// count it. An unreadable optional file (EACCES, or gone after stat) is a nullopt field. Malformed
// stat is logged with its path and the process skipped and listed as unparsed, so the store keeps
// its open row rather than closing a process that is still there.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "proctrail/containers.hpp"
#include "proctrail/procfs.hpp"
#include "common/fnv1a.hpp"
#include "common/errno_kind.hpp"
#include "common/fs_util.hpp"
#include "common/pattern.hpp"
#include "recorder/collect/container_parse.hpp"
#include "recorder/collect/procfs_parse.hpp"

namespace proctrail {
namespace {

std::optional<pid_t> decimal_name(const char* name) {
  pid_t pid = 0;
  if (*name == '\0') return std::nullopt;
  for (const char* c = name; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return std::nullopt;
    pid = pid * 10 + (*c - '0');
  }
  return pid;
}

bool is_gone(int error) { return error == ENOENT || error == ESRCH; }

// Calls visit(number, name) for each numeric entry of the open directory `dir_fd`, read with
// getdents64 into a stack buffer: no DIR (fdopendir's fcntl and buffer allocation, once per process
// and table). Returns how many numeric entries there were; nullopt when the listing failed (EACCES,
// or the process is gone: the kernel answers ENOENT once its task has exited).
template <class Visit>
std::optional<size_t> list_numbered(int dir_fd, Visit visit) {
  alignas(dirent64) char buffer[16384];
  size_t count = 0;
  while (true) {
    const ssize_t n = ::getdents64(dir_fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return count;
    for (ssize_t offset = 0; offset < n;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buffer + offset);
      offset += entry->d_reclen;
      if (auto number = decimal_name(entry->d_name)) {
        ++count;
        visit(*number, entry->d_name);
      }
    }
  }
}

// Calls visit(number, name, dir_fd) for each numeric entry of `subdir` (relative to dirfd), where
// dir_fd is that directory; nullopt when it cannot be listed (EACCES, or the process is gone), else
// the number of numeric entries.
template <class Visit>
std::optional<size_t> for_each_numbered_entry(int dirfd, const char* subdir, Visit visit) {
  const int dir_fd = ::openat(dirfd, subdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return std::nullopt;
  auto count = list_numbered(dir_fd, [&](auto number, const char* name) { visit(number, name, dir_fd); });
  ::close(dir_fd);
  return count;
}

// The kind of a path descriptor, from a stat that follows the link.
std::string path_kind(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "dir";
  if (S_ISCHR(mode)) return "chr";
  if (S_ISBLK(mode)) return "blk";
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISSOCK(mode)) return "socket";
  return "other";
}

// A process's fdinfo directory, opened the first time a descriptor needs it (most never do).
class FdinfoDir {
 public:
  explicit FdinfoDir(int process_dir) : process_dir_(process_dir) {}
  ~FdinfoDir() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdinfoDir(const FdinfoDir&) = delete;
  FdinfoDir& operator=(const FdinfoDir&) = delete;

  int get() {
    if (!opened_) fd_ = ::openat(process_dir_, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    opened_ = true;
    return fd_;
  }

 private:
  int process_dir_;
  int fd_ = -1;
  bool opened_ = false;
};

// Fills what fdinfo alone knows: the open(2) flags, and the access mode and inode where the link's
// bits and text could not tell them. False when fdinfo could not be read.
bool read_fdinfo(int fdinfo_dir, const char* name, FdSample& sample, std::string& scratch) {
  if (fdinfo_dir < 0 || fs::read_file_at(fdinfo_dir, name, scratch) != 0) return false;
  FdInfo info = parse_fdinfo(scratch);
  sample.flags = info.flags;
  if (info.flags && !sample.mode) sample.mode = access_mode(*info.flags);
  if (!sample.inode) sample.inode = info.inode;
  return true;
}

// One descriptor, in as few calls as give its kind, inode, device and access mode: the link's text
// (kind; pipe and socket inodes), the link's own lstat (access mode; not for a socket, which is
// always open for reading and writing), and a stat through it for paths (kind, inode, device) and
// anonymous inodes (inode). So a socket costs one call, a pipe two, a path three. fdinfo only for
// flags when asked, or where the link is not a /proc fd link (fixture trees). nullopt if it closed
// meanwhile.
std::optional<FdSample> read_fd(int fd_dir, FdinfoDir& fdinfo_dir, const char* name, int fd, std::string& scratch,
                                bool read_flags) {
  auto link = fs::read_link_at(fd_dir, name);
  if (!link) return std::nullopt;
  FdSample sample;
  sample.fd = fd;
  FdLink classified = classify_fd_link(*link);
  sample.kind = classified.kind;
  sample.inode = classified.inode;
  if (classified.kind != "pipe" && classified.kind != "socket") sample.target = *link;
  // A socket's mode is known from its kind (always open for both); the rest need the link's lstat.
  bool known_mode = false;
  if (auto mode = access_mode_of_kind(classified.kind)) {
    sample.mode = std::move(mode);
    known_mode = true;
  } else {
    struct stat link_info {};
    known_mode = ::fstatat(fd_dir, name, &link_info, AT_SYMLINK_NOFOLLOW) == 0 && is_proc_fd_link_mode(link_info.st_mode);
    if (known_mode) sample.mode = access_mode_of_link(link_info.st_mode);
  }
  if (read_flags || !known_mode) read_fdinfo(fdinfo_dir.get(), name, sample, scratch);
  if (sample.inode && classified.kind != "path") return sample;
  struct stat info {};
  if (::fstatat(fd_dir, name, &info, 0) != 0) {
    if (classified.kind == "path") sample.kind = "file";  // deleted, or on a mount we cannot stat: keep the link text
    return sample;
  }
  sample.inode = info.st_ino;
  if (classified.kind != "path") return sample;
  sample.kind = path_kind(info.st_mode);
  sample.dev = info.st_dev;
  return sample;
}

struct FdTable {
  std::vector<FdSample> fds;
  size_t listed = 0;  // entries the listing gave (a descriptor closed before its link was read is not in fds)
};

// All descriptors of one process; nullopt when the fd directory cannot be listed (EACCES, gone).
std::optional<FdTable> read_fds(int dirfd, std::string& scratch, bool read_flags) {
  FdinfoDir fdinfo(dirfd);
  FdTable table;
  auto listed = for_each_numbered_entry(dirfd, "fd", [&](int fd, const char* name, int fd_dir) {
    if (auto sample = read_fd(fd_dir, fdinfo, name, fd, scratch, read_flags)) table.fds.push_back(std::move(*sample));
  });
  if (!listed) return std::nullopt;
  table.listed = *listed;
  std::sort(table.fds.begin(), table.fds.end(), [](const FdSample& a, const FdSample& b) { return a.fd < b.fd; });
  return table;
}

// A run signature's hash, tagged with the scheme that made it so two schemes never compare equal.
detail::Fnv1a signature_hash(uint64_t scheme) {
  detail::Fnv1a hash;
  hash.mix_u64(scheme);
  return hash;
}

// A run signature with the process's open descriptor count folded in (a scheme of its own, so a
// signature kept without a count never matches one with).
uint64_t signature_with_descriptor_count(uint64_t signature, uint64_t count) {
  auto hash = signature_hash(3);
  hash.mix_u64(signature);
  hash.mix_u64(count);
  return hash.value();
}

// A single-threaded process's signature: its switch-out count from the status already read. A
// process that ran since the last snapshot was switched out since (or is on a CPU now, and then
// there is no signature at all), so an equal count means its descriptors are as they were.
std::optional<uint64_t> status_signature(const StatusFields& status) {
  if (!status.context_switches) return std::nullopt;
  auto hash = signature_hash(1);
  hash.mix_u64(*status.context_switches);
  return hash.value();
}

// A multi-threaded process's signature: every thread's (tid, run_ns, pcount). A thread that ran
// and then exited changes the set of tids; one that was on a CPU when last read has run_ns grown.
std::optional<uint64_t> thread_signature(int dirfd, std::string& scratch) {
  std::vector<std::tuple<pid_t, uint64_t, uint64_t>> threads;
  bool malformed = false;
  std::string path;
  auto listed = for_each_numbered_entry(dirfd, "task", [&](pid_t tid, const char* name, int task_dir) {
    path.assign(name).append("/schedstat");
    if (fs::read_file_at(task_dir, path.c_str(), scratch) != 0) return;  // thread gone: the set changed
    auto stat = parse_schedstat(scratch);
    if (!stat) {
      malformed = true;
      return;
    }
    threads.emplace_back(tid, stat->run_ns, stat->pcount);
  });
  if (!listed || malformed) return std::nullopt;
  std::sort(threads.begin(), threads.end());
  auto hash = signature_hash(2);
  for (const auto& [tid, run_ns, pcount] : threads) {
    hash.mix_u64(static_cast<uint64_t>(tid));
    hash.mix_u64(run_ns);
    hash.mix_u64(pcount);
  }
  return hash.value();
}

// How many descriptors the process has open, without listing them: st_size of /proc/PID/fd (kernels
// ≥ 6.2 count the open descriptors there; see kernel_counts_descriptors). nullopt if it is gone.
std::optional<uint64_t> open_descriptor_count(int dirfd) {
  struct stat info {};
  if (::fstatat(dirfd, "fd", &info, 0) != 0) return std::nullopt;
  return static_cast<uint64_t>(info.st_size);
}

// Whether the process has run since its descriptors were last read, as a signature; nullopt
// (always re-read) when it is on a CPU now, has too many threads, or cannot be told.
std::optional<uint64_t> run_signature(int dirfd, const ProcessSample& sample, const StatusFields& status,
                                      std::string& scratch, const ProcfsOptions& options) {
  if (sample.state == 'R' || status.state == 'R') return std::nullopt;
  if (sample.threads == 1) return status_signature(status);
  if (sample.threads > options.max_threads_for_skip) return std::nullopt;
  return thread_signature(dirfd, scratch);
}

// The session marker of a process seen for the first time (environ is read once: a marker is
// inherited at exec and does not change). Unreadable (another user's, without privilege) is said.
void read_session_marker(int dirfd, ProcessSample& sample, std::string& scratch, const ProcfsOptions& options) {
  if (fs::read_file_at(dirfd, "environ", scratch, options.environ_max_bytes) != 0) {
    sample.unreadable.emplace_back("environ");
    return;
  }
  static const std::vector<std::string_view> names(std::begin(kSessionMarkerVariables), std::end(kSessionMarkerVariables));
  if (auto marker = find_environ_marker(scratch, names)) {
    sample.session_variable = std::move(marker->name);
    sample.session_marker = std::move(marker->value);
  }
}

// Leak evidence of one user process: swap and switch counts from the status already read; the
// session marker at first sight; read and write syscalls when it ran since the last snapshot.
void read_leak_evidence(int dirfd, ProcessSample& sample, const StatusFields& status, bool status_read,
                        std::string& scratch, const ProcfsOptions& options, const CollectHints& hints) {
  if (!status_read) sample.unreadable.emplace_back("status");
  sample.context_switches = status.context_switches;
  sample.swap_kb = status.swap_kb;
  auto known = hints.known.find(sample.key);
  if (known == hints.known.end()) {
    read_session_marker(dirfd, sample, scratch, options);
    return;
  }
  if (!ran_since(known->second, sample.utime_ticks + sample.stime_ticks, sample.context_switches)) return;
  if (fs::read_file_at(dirfd, "io", scratch) == 0) sample.io_syscalls = parse_io_syscalls(scratch);
}

// Reads the optional files of one process into `sample`. `scratch` is a reused buffer.
void read_optional_files(int dirfd, ProcessSample& sample, std::string& scratch, const ProcfsOptions& options,
                         const CollectHints& hints, bool count_fds) {
  StatusFields status;
  const bool status_read = fs::read_file_at(dirfd, "status", scratch) == 0;
  if (status_read) {
    status = parse_status(scratch);
    sample.uid = status.uid;
    sample.euid = status.euid;
  }
  if (auto ns = fs::read_link_at(dirfd, "ns/pid")) sample.pid_ns = parse_ns_link(*ns);
  if (sample.is_kernel_thread) return;  // no cmdline, exe, cwd, descriptors or own cgroup to speak of
  if (options.read_leak_evidence) read_leak_evidence(dirfd, sample, status, status_read, scratch, options, hints);

  if (fs::read_file_at(dirfd, "cmdline", scratch) == 0) {
    auto argv = parse_cmdline(scratch);
    if (!argv.empty()) sample.argv = quote_argv(argv);
  }
  // Whether its descriptors can be carried is decided before exe is read: a process that has not
  // run since its last read (every thread's counters, taken before this point) cannot have exec'd,
  // so its exe is as the trail has it (an exe left unread is carried by the writer, as an unreadable
  // one is). Its descriptor count is taken with the decision.
  std::optional<uint64_t> signature;
  bool carried = false;
  if (options.read_fds) {
    if (auto ns = fs::read_link_at(dirfd, "ns/net")) sample.net_ns = parse_ns_link(*ns);
    signature = run_signature(dirfd, sample, status, scratch, options);
    auto last = signature ? hints.run_signatures.find(sample.key) : hints.run_signatures.end();
    if (last != hints.run_signatures.end()) {
      // No thread ran since the last read, and (where the kernel counts them) it holds as many
      // descriptors as then: the table is as it was. The count catches a table shared with another
      // process (clone CLONE_FILES without CLONE_THREAD) that ran and opened or closed one.
      std::optional<uint64_t> now = signature;
      if (count_fds) {
        auto count = open_descriptor_count(dirfd);
        now = count ? std::optional<uint64_t>(signature_with_descriptor_count(*signature, *count)) : std::nullopt;
      }
      if (now && *now == last->second) {
        sample.run_signature = now;
        sample.fds_carried = carried = true;
      }
    }
  }
  if (!carried) sample.exe = fs::read_link_at(dirfd, "exe");
  // The working directory is recorded at first sight only (processes.cwd): not read again.
  if (!hints.known.contains(sample.key)) sample.cwd = fs::read_link_at(dirfd, "cwd");
  if (fs::read_file_at(dirfd, "cgroup", scratch) == 0) {
    sample.cgroup = parse_cgroup(scratch);
    sample.container = parse_container_ref(scratch);
  }
  if (!options.read_fds || carried) return;
  auto table = read_fds(dirfd, scratch, options.read_fd_flags);
  if (table && signature && count_fds) signature = signature_with_descriptor_count(*signature, table->listed);
  sample.run_signature = signature;
  if (table) sample.fds = std::move(table->fds);
}

// The table's processes by pid, built once per collection for the passes below.
using PidIndex = std::unordered_map<pid_t, size_t>;

PidIndex index_by_pid(const std::vector<ProcessSample>& processes) {
  PidIndex by_pid;
  by_pid.reserve(processes.size());
  for (size_t i = 0; i < processes.size(); ++i) by_pid.emplace(processes[i].key.pid, i);
  return by_pid;
}

// Links each process to its parent's identity, when the parent started no later than the child.
void resolve_parents(std::vector<ProcessSample>& processes, const PidIndex& by_pid) {
  for (auto& process : processes) {
    auto parent = by_pid.find(process.ppid);
    if (process.ppid == 0 || parent == by_pid.end()) continue;
    const uint64_t parent_start = processes[parent->second].key.start_ticks;
    if (parent_start > process.key.start_ticks) continue;  // pid reused by a younger process
    process.parent = ProcessKey{process.ppid, parent_start};
  }
}

// Process managers that adopt what others leave: a child of one of these that is not a session
// leader itself (a service it started would be) was inherited, not started, by it.
bool is_reaper(const ProcessSample& process) {
  static constexpr std::string_view kReapers[] = {"systemd", "init", "tini", "dumb-init", "catatonit",
                                                  "containerd-shim", "s6-svscan", "runsvdir"};
  if (process.key.pid == 1) return true;
  return std::find(std::begin(kReapers), std::end(kReapers), process.comm) != std::end(kReapers);
}

// Marks the processes found already reparented: their original parent is unknown, and init or the
// subreaper only inherited them (DESIGN.md: never credit a reaper with spawning them). A process that
// is not a session leader was inherited when its parent is init or a known process manager, or when
// it sits in a session that is neither its own nor its parent's (fork keeps the session, so whoever
// created it was in that session: a child subreaper such as `systemd --user` or `proctrail exec`
// adopted it). A session of 0 has its leader outside this pid namespace: it differs from any session
// led inside (a CI job's subreaper, started in a session made before the namespace, reads 0 while the
// orphans' setsid session reads its leader), and two sessions of 0 cannot be told apart.
void mark_inherited(std::vector<ProcessSample>& processes, const PidIndex& by_pid) {
  for (auto& process : processes) {
    if (process.is_kernel_thread || process.key.pid == 1 || process.sid == process.key.pid) continue;
    if (process.ppid == 1) {
      process.inherited_by = 1;
      continue;
    }
    auto parent = by_pid.find(process.ppid);
    if (parent == by_pid.end()) continue;
    const ProcessSample& reaper = processes[parent->second];
    const bool foreign_session = process.sid != reaper.sid;  // both 0: unknown, taken as the same
    if (is_reaper(reaper) || foreign_session) process.inherited_by = process.ppid;
  }
}

// The (parent, argv) groups whose instances started in more than one burst (a start more than half a
// second after the previous one): generations, of which the older may be abandoned. A pool started
// together is one burst and needs no memory read.
std::set<std::pair<pid_t, std::string_view>> generation_groups(const std::vector<ProcessSample>& processes) {
  static const uint64_t half_second = static_cast<uint64_t>(std::max(1L, ::sysconf(_SC_CLK_TCK) / 2));
  std::map<std::pair<pid_t, std::string_view>, std::vector<uint64_t>> starts;
  for (const auto& process : processes) {
    if (process.argv && !process.is_kernel_thread) starts[{process.ppid, *process.argv}].push_back(process.key.start_ticks);
  }
  std::set<std::pair<pid_t, std::string_view>> groups;
  for (auto& [group, ticks] : starts) {
    if (ticks.size() < 2) continue;
    std::sort(ticks.begin(), ticks.end());
    for (size_t i = 1; i < ticks.size(); ++i) {
      if (ticks[i] - ticks[i - 1] > half_second) {
        groups.insert(group);
        break;
      }
    }
  }
  return groups;
}

// The hints' --match, for memory reads: nullopt when absent or not a valid pattern (the question that
// asked will say so). RE2 (common/pattern.hpp): any argv, in linear time.
std::optional<Pattern> memory_pattern(const CollectHints& hints) {
  if (!hints.memory_match) return std::nullopt;
  auto compiled = Pattern::compile(*hints.memory_match);
  if (!compiled) return std::nullopt;
  return std::move(*compiled);
}

bool argv_matches(const std::optional<Pattern>& pattern, const std::optional<std::string>& argv) {
  return pattern && argv && pattern->search(*argv);
}

// Whether a verdict may need this process's real memory: an orphan, a session-marked process, one of
// several generations of one command under one parent, or one the caller asked about (cleanup targets
// and --match). A process read before is read again only when its RSS moved (unless asked about);
// what was asked about first, then the largest.
std::vector<ProcessSample*> memory_candidates(std::vector<ProcessSample>& processes, const PidIndex& present,
                                              const CollectHints& hints) {
  const auto pattern = memory_pattern(hints);
  const auto generations = generation_groups(processes);
  std::unordered_set<ProcessKey, ProcessKeyHash> targets(hints.memory_targets.begin(), hints.memory_targets.end());
  std::vector<ProcessSample*> candidates;
  std::unordered_set<const ProcessSample*> asked;  // targets and --match: read first
  for (auto& process : processes) {
    if (process.is_kernel_thread || process.state == 'Z' || process.rss_kb == 0 || process.ppid == 0) continue;
    const bool target = targets.contains(process.key) || argv_matches(pattern, process.argv);
    if (target) asked.insert(&process);
    const bool wanted = target || process.inherited_by || process.session_marker || !present.contains(process.ppid) ||
                        (process.argv && generations.contains({process.ppid, *process.argv}));
    if (!wanted) continue;
    if (auto last = hints.memory_read_at_rss_kb.find(process.key); !target && last != hints.memory_read_at_rss_kb.end()) {
      const int64_t moved = std::abs(process.rss_kb - last->second);
      if (moved < 1024 || moved * 10 < last->second) continue;  // read before, and RSS has not moved
    }
    candidates.push_back(&process);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [&](const ProcessSample* a, const ProcessSample* b) {
    return std::make_tuple(asked.contains(a), a->rss_kb) > std::make_tuple(asked.contains(b), b->rss_kb);
  });
  return candidates;
}

// smaps_rollup of one process, through its directory, checked to be the same process (pid reuse).
std::optional<MemorySample> read_memory(int root_fd, const ProcessKey& key, std::string& scratch) {
  const std::string name = std::to_string(key.pid);
  int dirfd = ::openat(root_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return std::nullopt;
  std::optional<MemorySample> memory;
  if (fs::read_file_at(dirfd, "stat", scratch) == 0) {
    auto stat = parse_stat(scratch);
    if (stat && stat->starttime == key.start_ticks && fs::read_file_at(dirfd, "smaps_rollup", scratch) == 0) {
      memory = parse_smaps_rollup(scratch);
    }
  }
  ::close(dirfd);
  return memory;
}

void read_memory_of_candidates(int root_fd, std::vector<ProcessSample>& processes, const PidIndex& by_pid,
                               const CollectHints& hints, size_t budget) {
  std::string scratch;
  for (ProcessSample* process : memory_candidates(processes, by_pid, hints)) {
    if (budget-- == 0) break;
    process->memory = read_memory(root_fd, process->key, scratch);
    if (!process->memory) process->unreadable.emplace_back("smaps_rollup");
  }
}

// Whether this /proc gives a process's descriptor count as the st_size of /proc/PID/fd (Linux ≥ 6.2;
// 0 before). Asked of our own table, which holds at least the /proc directory being listed. A
// fixture tree has no "self": no counts, and carrying rests on the run signature alone.
bool kernel_counts_descriptors(int root_fd) {
  struct stat info {};
  return ::fstatat(root_fd, "self/fd", &info, 0) == 0 && info.st_size > 0;
}

size_t collector_threads(const ProcfsOptions& options) {
  if (options.threads > 0) return static_cast<size_t>(options.threads);
  return std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 4);
}

}  // namespace

ProcfsCollector::ProcfsCollector(ProcfsOptions options, Logger logger)
    : options_(std::move(options)), logger_(or_null(std::move(logger))) {}

// What reading one /proc/PID directory gave.
struct ProcessRead {
  enum class Outcome { sample, vanished, unparsed, excluded } outcome = Outcome::vanished;
  ProcessSample sample;  // outcome sample; for excluded only the key
};

ProcessRead ProcfsCollector::read_process(int root_fd, pid_t pid, std::string& scratch, const CollectHints& hints,
                                          bool count_fds) const {
  using Outcome = ProcessRead::Outcome;
  ProcessRead read;
  const std::string name = std::to_string(pid);
  int dirfd = ::openat(root_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return read;
  int error = fs::read_file_at(dirfd, "stat", scratch);
  if (error != 0) {
    if (!is_gone(error)) {
      logger_->warn("reading {}/{}/stat: {}", options_.proc_root.string(), name, std::strerror(error));
      read.outcome = Outcome::unparsed;
    }
    ::close(dirfd);
    return read;
  }
  auto stat = parse_stat(scratch);
  if (!stat) {
    logger_->warn("parsing {}/{}/stat: {}", options_.proc_root.string(), name, stat.error().message);
    read.outcome = Outcome::unparsed;
    ::close(dirfd);
    return read;
  }
  ProcessSample& sample = read.sample;
  sample.key = ProcessKey{stat->pid, stat->starttime};
  if (pid == options_.exclude_pid) {
    read.outcome = Outcome::excluded;
    ::close(dirfd);
    return read;
  }
  static const int64_t page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
  sample.ppid = stat->ppid;
  sample.state = stat->state;
  sample.comm = std::move(stat->comm);
  sample.pgid = stat->pgrp;
  sample.sid = stat->session;
  sample.tty_nr = stat->tty_nr;
  sample.threads = stat->num_threads;
  sample.rss_kb = stat->rss_pages * page_kb;
  sample.utime_ticks = stat->utime;
  sample.stime_ticks = stat->stime;
  sample.is_kernel_thread = (stat->flags & kPfKthread) != 0;
  read_optional_files(dirfd, sample, scratch, options_, hints, count_fds);
  ::close(dirfd);
  read.outcome = Outcome::sample;
  return read;
}

// Lists the numeric entries of the /proc root.
static Result<std::vector<pid_t>> list_pids(const std::string& root, int& root_fd_out, DIR*& dir_out) {
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) {
    const int error = errno;
    return Error{"listing processes: cannot open " + root + ": " + std::strerror(error), detail::errno_kind(error)};
  }
  std::vector<pid_t> pids;
  pids.reserve(4096);
  while (dirent* entry = ::readdir(dir)) {
    if (auto pid = decimal_name(entry->d_name)) pids.push_back(*pid);
  }
  root_fd_out = ::dirfd(dir);
  dir_out = dir;
  return pids;
}

Result<ProcessTable> ProcfsCollector::collect(const CollectHints& hints) const {
  ProcessTable table;
  table.started_at_us = fs::clock_us(CLOCK_REALTIME);
  table.started_boottime_ns = fs::clock_ns(CLOCK_BOOTTIME);
  table.fds_collected = options_.read_fds;

  int root_fd = -1;
  DIR* dir = nullptr;
  auto pids = list_pids(options_.proc_root.string(), root_fd, dir);
  if (!pids) return pids.error();

  const bool count_fds = options_.read_fds && kernel_counts_descriptors(root_fd);
  // Workers take batches of the listing; each result lands in its listing slot, so the table
  // keeps /proc order whatever the thread count.
  std::vector<ProcessRead> reads(pids->size());
  std::atomic<size_t> next{0};
  constexpr size_t kBatch = 32;
  auto work = [&] {
    std::string scratch;
    scratch.reserve(8192);
    for (size_t begin = next.fetch_add(kBatch); begin < reads.size(); begin = next.fetch_add(kBatch)) {
      const size_t end = std::min(begin + kBatch, reads.size());
      for (size_t i = begin; i < end; ++i) reads[i] = read_process(root_fd, (*pids)[i], scratch, hints, count_fds);
    }
  };
  const size_t threads = std::clamp<size_t>(collector_threads(options_), 1, std::max<size_t>(1, reads.size() / kBatch));
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& helper : helpers) helper.join();

  table.processes.reserve(reads.size());
  for (size_t i = 0; i < reads.size(); ++i) {
    auto& read = reads[i];
    switch (read.outcome) {
      case ProcessRead::Outcome::sample: table.processes.push_back(std::move(read.sample)); break;
      case ProcessRead::Outcome::vanished: ++table.vanished; break;
      case ProcessRead::Outcome::unparsed: table.unparsed_pids.push_back((*pids)[i]); break;
      case ProcessRead::Outcome::excluded: table.excluded = read.sample.key; break;
    }
  }
  const PidIndex by_pid = index_by_pid(table.processes);
  resolve_parents(table.processes, by_pid);
  if (options_.read_leak_evidence) {
    mark_inherited(table.processes, by_pid);
    read_memory_of_candidates(root_fd, table.processes, by_pid, hints, options_.memory_budget);
  }
  ::closedir(dir);
  table.ended_at_us = fs::clock_us(CLOCK_REALTIME);
  return table;
}

}  // namespace proctrail
