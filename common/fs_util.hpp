#pragma once
// Small POSIX helpers shared by the collectors: read a whole file or link relative to a dirfd.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <optional>
#include <string>

namespace proctrail::fs {

// Reads all of `name` (relative to dirfd) into `out`. Returns 0 or the errno of the failure.
// procfs generates these small files whole on the first read, so a read that returns less than
// was asked for is the end: that saves the second read(2) that would return 0, for every file.
// `max_bytes` bounds what is kept (a hostile environ or cmdline may be large): reading stops there.
inline int read_file_at(int dirfd, const char* name, std::string& out, size_t max_bytes = static_cast<size_t>(-1)) {
  out.clear();
  int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return errno;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0 && static_cast<size_t>(n) < sizeof buffer) {
      out.append(buffer, static_cast<size_t>(n));
      break;
    }
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      ::close(fd);
      return error;
    }
    out.append(buffer, static_cast<size_t>(n));
    if (out.size() >= max_bytes) {
      out.resize(max_bytes);
      break;
    }
  }
  ::close(fd);
  return 0;
}

// readlinkat into a string; nullopt on any error (errno kept).
inline std::optional<std::string> read_link_at(int dirfd, const char* name) {
  char buffer[4096];
  ssize_t n = ::readlinkat(dirfd, name, buffer, sizeof buffer);
  if (n < 0) return std::nullopt;
  return std::string(buffer, static_cast<size_t>(n));
}

inline std::string trim_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\0')) text.pop_back();
  return text;
}

inline int64_t clock_us(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

inline int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace proctrail::fs
