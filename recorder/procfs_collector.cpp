// The process collector: one pass over /proc/[0-9]*, each process read through one dirfd.
//
// Race policy (DESIGN.md): ENOENT/ESRCH on a process's directory or stat means it is gone: skip and
// count it. An unreadable optional file (EACCES, or gone after stat) is a nullopt field. Malformed
// stat is logged with its path and the process skipped and listed as unparsed, so the store keeps
// its open row rather than closing a process that is still there.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "proctrail/procfs.hpp"
#include "recorder/fs_util.hpp"

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

// Calls visit(number, name, dir_fd) for each numeric entry of `subdir` (relative to dirfd), where
// dir_fd is that directory; false when it cannot be opened (EACCES, or the process is gone).
template <class Visit>
bool for_each_numbered_entry(int dirfd, const char* subdir, Visit visit) {
  int dir_fd = ::openat(dirfd, subdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return false;
  DIR* listing = ::fdopendir(dir_fd);
  if (listing == nullptr) {
    ::close(dir_fd);
    return false;
  }
  while (dirent* entry = ::readdir(listing)) {
    if (auto number = decimal_name(entry->d_name)) visit(*number, entry->d_name, dir_fd);
  }
  ::closedir(listing);
  return true;
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

// One descriptor: the link, fdinfo, and for paths a stat. nullopt if it closed meanwhile.
std::optional<FdSample> read_fd(int fd_dir, int fdinfo_dir, const char* name, int fd, std::string& scratch) {
  auto link = fs::read_link_at(fd_dir, name);
  if (!link) return std::nullopt;
  FdSample sample;
  sample.fd = fd;
  FdLink classified = classify_fd_link(*link);
  sample.kind = classified.kind;
  sample.inode = classified.inode;
  if (classified.kind != "pipe" && classified.kind != "socket") sample.target = *link;
  if (fdinfo_dir >= 0 && fs::read_file_at(fdinfo_dir, name, scratch) == 0) {
    FdInfo info = parse_fdinfo(scratch);
    sample.flags = info.flags;
    if (info.flags) sample.mode = access_mode(*info.flags);
    if (!sample.inode) sample.inode = info.inode;
  }
  if (classified.kind == "path") {
    struct stat info {};
    if (::fstatat(fd_dir, name, &info, 0) == 0) {
      sample.kind = path_kind(info.st_mode);
      sample.inode = info.st_ino;
      sample.dev = info.st_dev;
    } else {
      sample.kind = "file";  // deleted, or on a mount we cannot stat: keep the link text
    }
  }
  return sample;
}

// All descriptors of one process; nullopt when the fd directory cannot be read (EACCES, gone).
std::optional<std::vector<FdSample>> read_fds(int dirfd, std::string& scratch) {
  int fdinfo_dir = ::openat(dirfd, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  std::vector<FdSample> fds;
  bool listed = for_each_numbered_entry(dirfd, "fd", [&](int fd, const char* name, int fd_dir) {
    if (auto sample = read_fd(fd_dir, fdinfo_dir, name, fd, scratch)) fds.push_back(std::move(*sample));
  });
  if (fdinfo_dir >= 0) ::close(fdinfo_dir);
  if (!listed) return std::nullopt;
  std::sort(fds.begin(), fds.end(), [](const FdSample& a, const FdSample& b) { return a.fd < b.fd; });
  return fds;
}

// A signature of every thread's (tid, pcount): unchanged means no thread has run since. A thread
// that ran and then exited changes the set of tids, so it changes the signature too.
std::optional<uint64_t> run_signature(int dirfd, std::string& scratch) {
  std::vector<std::pair<pid_t, uint64_t>> threads;
  bool malformed = false;
  std::string path;
  bool listed = for_each_numbered_entry(dirfd, "task", [&](pid_t tid, const char* name, int task_dir) {
    path.assign(name).append("/schedstat");
    if (fs::read_file_at(task_dir, path.c_str(), scratch) != 0) return;  // thread gone: the set changed
    auto pcount = parse_schedstat_pcount(scratch);
    if (!pcount) {
      malformed = true;
      return;
    }
    threads.emplace_back(tid, *pcount);
  });
  if (!listed || malformed) return std::nullopt;
  std::sort(threads.begin(), threads.end());
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the sorted pairs
  auto mix = [&hash](uint64_t value) {
    for (int i = 0; i < 8; ++i, value >>= 8) {
      hash ^= value & 0xff;
      hash *= 1099511628211ull;
    }
  };
  for (const auto& [tid, pcount] : threads) {
    mix(static_cast<uint64_t>(tid));
    mix(pcount);
  }
  return hash;
}

// Reads the optional files of one process into `sample`. `scratch` is a reused buffer.
void read_optional_files(int dirfd, ProcessSample& sample, std::string& scratch, const ProcfsOptions& options,
                         const CollectHints& hints) {
  if (fs::read_file_at(dirfd, "status", scratch) == 0) {
    StatusIds ids = parse_status_ids(scratch);
    sample.uid = ids.uid;
    sample.euid = ids.euid;
  }
  if (auto ns = fs::read_link_at(dirfd, "ns/pid")) sample.pid_ns = parse_ns_link(*ns);
  if (sample.is_kernel_thread) return;  // no cmdline, exe, cwd, descriptors or own cgroup to speak of

  if (fs::read_file_at(dirfd, "cmdline", scratch) == 0) {
    auto argv = parse_cmdline(scratch);
    if (!argv.empty()) sample.argv = quote_argv(argv);
  }
  sample.exe = fs::read_link_at(dirfd, "exe");
  sample.cwd = fs::read_link_at(dirfd, "cwd");
  if (fs::read_file_at(dirfd, "cgroup", scratch) == 0) sample.cgroup = parse_cgroup(scratch);
  if (!options.read_fds) return;
  if (auto ns = fs::read_link_at(dirfd, "ns/net")) sample.net_ns = parse_ns_link(*ns);
  if (sample.threads <= options.max_threads_for_skip) sample.run_signature = run_signature(dirfd, scratch);
  if (sample.run_signature) {
    auto last = hints.run_signatures.find(sample.key);
    if (last != hints.run_signatures.end() && last->second == *sample.run_signature) {
      sample.fds_carried = true;  // no thread ran since the last read: the table is as it was
      return;
    }
  }
  sample.fds = read_fds(dirfd, scratch);
}

// Links each process to its parent's identity, when the parent started no later than the child.
void resolve_parents(std::vector<ProcessSample>& processes) {
  std::unordered_map<pid_t, uint64_t> start_by_pid;
  start_by_pid.reserve(processes.size());
  for (const auto& process : processes) start_by_pid.emplace(process.key.pid, process.key.start_ticks);
  for (auto& process : processes) {
    auto parent = start_by_pid.find(process.ppid);
    if (process.ppid == 0 || parent == start_by_pid.end()) continue;
    if (parent->second > process.key.start_ticks) continue;  // pid reused by a younger process
    process.parent = ProcessKey{process.ppid, parent->second};
  }
}

}  // namespace

ProcfsCollector::ProcfsCollector(ProcfsOptions options, Logger logger)
    : options_(std::move(options)), logger_(or_null(std::move(logger))) {}

Result<ProcessTable> ProcfsCollector::collect(const CollectHints& hints) const {
  ProcessTable table;
  table.started_at_us = fs::clock_us(CLOCK_REALTIME);
  table.started_boottime_ns = fs::clock_ns(CLOCK_BOOTTIME);
  table.fds_collected = options_.read_fds;

  const std::string root = options_.proc_root.string();
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) return Error{"listing processes: cannot open " + root + ": " + std::strerror(errno)};
  const int root_fd = ::dirfd(dir);
  const int64_t page_kb = ::sysconf(_SC_PAGESIZE) / 1024;

  std::string scratch;
  scratch.reserve(8192);
  table.processes.reserve(16384);  // virtual until touched: no regrowth below 16k processes
  while (dirent* entry = ::readdir(dir)) {
    auto pid = decimal_name(entry->d_name);
    if (!pid) continue;

    int dirfd = ::openat(root_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
      ++table.vanished;
      continue;
    }
    int error = fs::read_file_at(dirfd, "stat", scratch);
    if (error != 0) {
      if (is_gone(error)) {
        ++table.vanished;
      } else {
        logger_->warn("reading {}/{}/stat: {}", root, entry->d_name, std::strerror(error));
        table.unparsed_pids.push_back(*pid);
      }
      ::close(dirfd);
      continue;
    }
    auto stat = parse_stat(scratch);
    if (!stat) {
      logger_->warn("parsing {}/{}/stat: {}", root, entry->d_name, stat.error().message);
      table.unparsed_pids.push_back(*pid);
      ::close(dirfd);
      continue;
    }

    if (*pid == options_.exclude_pid) {
      table.excluded = ProcessKey{stat->pid, stat->starttime};
      ::close(dirfd);
      continue;
    }
    ProcessSample sample;
    sample.key = ProcessKey{stat->pid, stat->starttime};
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
    read_optional_files(dirfd, sample, scratch, options_, hints);
    ::close(dirfd);
    table.processes.push_back(std::move(sample));
  }
  ::closedir(dir);

  resolve_parents(table.processes);
  table.ended_at_us = fs::clock_us(CLOCK_REALTIME);
  return table;
}

}  // namespace proctrail
