#pragma once
// Signalling a process by identity: a pidfd pins whatever process has the pid now, and only if its
// start time (re-read after the pidfd is open) is the expected one is that process the target.
// The termination engine (cleanup/terminate.hpp) is built on these; `proctrail exec` reads
// current_stat.
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <utility>

#include "proctrail/procfs.hpp"
#include "common/fs_util.hpp"
#include "recorder/collect/procfs_parse.hpp"

namespace proctrail::detail {

inline int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
inline int pidfd_send_signal(int pidfd, int signal) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

// An open pidfd, closed when it goes. It refers to the process that had the pid when it was opened,
// even after that process exits and the pid is reused.
class Pidfd {
 public:
  // Opens a pidfd on `pid`; when that fails the object is empty and error() is the errno (ESRCH:
  // no such process).
  explicit Pidfd(pid_t pid) : fd_(pidfd_open(pid)), error_(fd_ < 0 ? errno : 0) {}
  Pidfd(Pidfd&& other) noexcept : fd_(std::exchange(other.fd_, -1)), error_(other.error_) {}
  Pidfd& operator=(Pidfd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
      error_ = other.error_;
    }
    return *this;
  }
  Pidfd(const Pidfd&) = delete;
  Pidfd& operator=(const Pidfd&) = delete;
  ~Pidfd() { reset(); }

  explicit operator bool() const { return fd_ >= 0; }
  int get() const { return fd_; }
  int error() const { return error_; }

  // 0, or -1 with errno set (ESRCH: it has exited, EPERM: not ours to signal).
  int send_signal(int signal) const { return pidfd_send_signal(fd_, signal); }

 private:
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  int error_ = 0;
};

// The process now behind `pid`, read fresh from /proc.
inline std::optional<StatFields> current_stat(pid_t pid, const std::string& proc_root = "/proc") {
  std::string text;
  if (fs::read_file_at(AT_FDCWD, (proc_root + "/" + std::to_string(pid) + "/stat").c_str(), text) != 0) return std::nullopt;
  auto stat = parse_stat(text);
  if (!stat) return std::nullopt;
  return std::move(*stat);
}

}  // namespace proctrail::detail
