#pragma once
// Reading /proc: a collector over an injectable /proc root (its pure parsers over file text are
// recorder/collect/procfs_parse.hpp).
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "proctrail/logging.hpp"
#include "proctrail/process.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// POSIX shell quoting of each argument, joined by spaces: readable like `ps args`, and exact.
std::string quote_argv(const std::vector<std::string>& argv);

struct ProcfsOptions {
  std::filesystem::path proc_root = "/proc";
  std::filesystem::path machine_id_path = "/etc/machine-id";
  pid_t exclude_pid = 0;  // leave this process out (the recorder itself); 0 = none
  bool read_fds = true;   // read /proc/PID/fd of every user process
  // Also read each descriptor's fdinfo for its open(2) flags (fds.flags). Off: the access mode comes
  // from the link's permission bits and the inode from the link or a stat, so fdinfo is read only
  // where neither can tell (a fixture tree's plain symlinks); fds.flags is then NULL.
  bool read_fd_flags = false;
  int max_threads_for_skip = 16;  // more threads than this: always re-read (cheaper than N schedstat reads)
  int threads = 0;                // reader threads over the process list; 0 = one per core, at most 4
  // Leak evidence (DESIGN.md, "Verdicts"): a new process's environment is searched for the session
  // markers (kSessionMarkerVariables), at most this much of it; /proc/PID/io is read for a process
  // that ran since the last snapshot; smaps_rollup for at most `memory_budget` processes a verdict
  // needs (orphans, session-marked processes, repeated instances, hints' targets) per collection.
  bool read_leak_evidence = true;
  size_t environ_max_bytes = 64 * 1024;
  size_t memory_budget = 64;
};

struct ProcessRead;

// Reads the host and the process table. Race policy: a process gone before its stat is read is
// skipped and counted; an unreadable optional file is a nullopt field; malformed stat is a parse
// error carrying the path, logged, the process skipped and listed in unparsed_pids.
class ProcfsCollector {
 public:
  explicit ProcfsCollector(ProcfsOptions options = {}, Logger logger = nullptr);

  Result<HostInfo> read_host() const;
  // `hints`: descriptors of a process whose run signature equals the hint are not re-read.
  Result<ProcessTable> collect(const CollectHints& hints = {}) const;

  const ProcfsOptions& options() const { return options_; }

 private:
  ProcessRead read_process(int root_fd, pid_t pid, std::string& scratch, const CollectHints& hints,
                           bool count_fds) const;

  ProcfsOptions options_;
  Logger logger_;
};

}  // namespace proctrail
