// Host (boot) facts read from the injectable /proc root.
#include <unistd.h>

#include "proctrail/procfs.hpp"
#include "common/errno_kind.hpp"
#include "common/fs_util.hpp"
#include "recorder/collect/procfs_parse.hpp"

namespace proctrail {

Result<HostInfo> ProcfsCollector::read_host() const {
  HostInfo host;
  const std::string root = options_.proc_root.string();
  int root_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    const int error = errno;
    return Error{"reading host facts: cannot open " + root + ": " + std::strerror(error), detail::errno_kind(error)};
  }

  std::string text;
  int error = fs::read_file_at(root_fd, "sys/kernel/random/boot_id", text);
  if (error != 0) {
    ::close(root_fd);
    return Error{"reading host facts: " + root + "/sys/kernel/random/boot_id: " + std::strerror(error), detail::errno_kind(error)};
  }
  host.boot_id = fs::trim_line(text);

  error = fs::read_file_at(root_fd, "stat", text);
  if (error != 0) {
    ::close(root_fd);
    return Error{"reading host facts: " + root + "/stat: " + std::strerror(error), detail::errno_kind(error)};
  }
  auto boot_time = parse_boot_time(text);
  if (!boot_time) {
    ::close(root_fd);
    return boot_time.error().within("reading host facts");
  }
  host.boot_time = *boot_time;

  if (fs::read_file_at(root_fd, "sys/kernel/hostname", text) == 0) host.hostname = fs::trim_line(text);
  if (fs::read_file_at(root_fd, "sys/kernel/osrelease", text) == 0) {
    std::string kernel = fs::trim_line(text);
    if (fs::read_file_at(root_fd, "sys/kernel/version", text) == 0) kernel += " " + fs::trim_line(text);
    host.kernel = kernel;
  }
  ::close(root_fd);

  if (fs::read_file_at(AT_FDCWD, options_.machine_id_path.c_str(), text) == 0) {
    std::string machine_id = fs::trim_line(text);
    if (!machine_id.empty()) host.machine_id = machine_id;
  }
  if (host.hostname.empty()) host.hostname = "unknown";
  host.clock_ticks = ::sysconf(_SC_CLK_TCK);
  host.page_size = ::sysconf(_SC_PAGESIZE);
  return host;
}

}  // namespace proctrail
