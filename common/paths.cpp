#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "proctrail/paths.hpp"
#include "common/errno_kind.hpp"

namespace proctrail {

Result<std::filesystem::path> default_db_path(const EnvLookup& env) {
  auto non_empty = [&](const char* name) -> const char* {
    const char* value = env(name);
    return (value != nullptr && *value != '\0') ? value : nullptr;
  };
  if (const char* db = non_empty("PROCTRAIL_DB")) return std::filesystem::path(db);
  if (const char* state = non_empty("XDG_STATE_HOME")) {
    return std::filesystem::path(state) / "proctrail" / "trail.db";
  }
  if (const char* home = non_empty("HOME")) {
    return std::filesystem::path(home) / ".local" / "state" / "proctrail" / "trail.db";
  }
  return Error{"choosing a database: none of --db, PROCTRAIL_DB, XDG_STATE_HOME or HOME is set", ErrorKind::not_found};
}

Status ensure_private_dir(const std::filesystem::path& dir) {
  if (dir.empty()) return ok_status();
  std::filesystem::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0 || errno == EEXIST) continue;
    const int error = errno;
    return Error{"creating " + partial.string() + ": " + std::strerror(error), detail::errno_kind(error)};
  }
  if (!std::filesystem::is_directory(dir)) return Error{"creating " + dir.string() + ": not a directory"};
  return ok_status();
}

std::filesystem::path log_path_for(const std::filesystem::path& db_path) {
  return db_path.parent_path() / "proctrail.log";
}

}  // namespace proctrail

namespace proctrail {
namespace {

// open(2) with O_NOFOLLOW, then the checks a descriptor allows: a regular file, mode 0600.
Result<int> open_private(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    const int error = errno;
    if (error == ELOOP) {
      return Error{"refusing to write " + path.string() + ": it is a symbolic link", ErrorKind::permission};
    }
    return Error{"cannot write " + path.string() + ": " + std::strerror(error), detail::errno_kind(error)};
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error{"refusing to write " + path.string() + ": not a regular file", ErrorKind::permission};
  }
  if ((info.st_mode & 07777) != 0600 && ::fchmod(fd, 0600) != 0) {
    const int error = errno;
    ::close(fd);
    return Error{"cannot make " + path.string() + " private: " + std::strerror(error), detail::errno_kind(error)};
  }
  return fd;
}

}  // namespace

Status write_private_file(const std::filesystem::path& path, std::string_view content) {
  auto fd = open_private(path, O_TRUNC);
  if (!fd) return fd.error();
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(*fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(*fd);
      return Error{"writing " + path.string() + " failed: " + std::strerror(error), detail::errno_kind(error)};
    }
    written += static_cast<size_t>(n);
  }
  if (::close(*fd) != 0) return Error{"writing " + path.string() + " failed: " + std::strerror(errno)};
  return ok_status();
}

Result<int> open_private_append(const std::filesystem::path& path) { return open_private(path, O_APPEND); }

}  // namespace proctrail
