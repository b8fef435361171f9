// Reading and replacing the small text files the installers edit.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proctrail/install.hpp"
#include "common/errno_kind.hpp"

namespace proctrail {
namespace {

Error failed(const std::string& doing, const std::filesystem::path& file) {
  const int error = errno;
  return Error{doing + " " + file.string() + ": " + std::strerror(error), detail::errno_kind(error)};
}

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Status sync_folder(const std::filesystem::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failed("opening", folder);
  bool synced = ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  errno = error;
  if (!synced) return failed("syncing", folder);
  return ok_status();
}

}  // namespace

Result<std::optional<std::string>> read_file_if_exists(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::optional<std::string>();
  if (fd < 0) return failed("reading", file);
  std::string text;
  char buffer[65536];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  int error = errno;
  ::close(fd);
  errno = error;
  if (n < 0) return failed("reading", file);
  return std::optional<std::string>(std::move(text));
}

Status write_file_atomically(const std::filesystem::path& file, std::string_view text, mode_t new_file_mode) {
  struct stat existing {};
  mode_t mode = ::stat(file.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : new_file_mode;
  const std::filesystem::path folder = file.parent_path().empty() ? "." : file.parent_path();
  std::string temp_name = ".";
  temp_name += file.filename().string();
  temp_name += ".proctrail-XXXXXX";
  std::string temp = (folder / temp_name).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return failed("creating a temporary file beside", file);
  bool written = ::fchmod(fd, mode) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
  int error = errno;
  written = ::close(fd) == 0 && written;
  if (written && ::rename(temp.c_str(), file.c_str()) == 0) return sync_folder(folder);
  if (written) error = errno;
  ::unlink(temp.c_str());
  errno = error;
  return failed("writing", file);
}

}  // namespace proctrail
