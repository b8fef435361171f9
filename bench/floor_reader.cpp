// The floor: the least a process snapshot can do. Reads exactly the /proc files `proctrail snap`
// reads for every process (stat, status, ns/pid; for non-kernel threads also cmdline, exe, cwd,
// cgroup), through one dirfd per process, with no parsing and no storage.
// With --fds (issue 3): also each descriptor's link and fdinfo (and a stat for paths), ns/net, and
// the socket tables (/proc/net/unix, tcp, tcp6, udp, udp6; proctrail uses sock_diag instead).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <initializer_list>

static char buffer[1 << 16];

static long read_at(int dirfd, const char* name) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  long total = 0;
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {  // one short read is the end, as in proctrail
    total += n;
    if (static_cast<size_t>(n) < sizeof buffer) break;
  }
  close(fd);
  return total;
}

static long link_at(int dirfd, const char* name) {
  ssize_t n = readlinkat(dirfd, name, buffer, sizeof buffer);
  return n > 0 ? n : 0;
}

static long read_fds(int dirfd) {
  int fd_dir = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_dir < 0) return 0;
  int info_dir = openat(dirfd, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* listing = fdopendir(fd_dir);
  long bytes = 0;
  while (dirent* entry = readdir(listing)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    long n = link_at(fd_dir, entry->d_name);
    bytes += n;
    if (n > 0 && buffer[0] == '/') {  // a path: stat it (before fdinfo overwrites the buffer)
      struct stat info;
      fstatat(fd_dir, entry->d_name, &info, 0);
    }
    if (info_dir >= 0) bytes += read_at(info_dir, entry->d_name);
  }
  if (info_dir >= 0) close(info_dir);
  closedir(listing);
  return bytes;
}

int main(int argc, char** argv) {
  bool fds = argc > 1 && strcmp(argv[1], "--fds") == 0;
  DIR* proc = opendir("/proc");
  if (!proc) return 1;
  long processes = 0, bytes = 0;
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    int dirfd = openat(::dirfd(proc), entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) continue;
    long stat_bytes = read_at(dirfd, "stat");
    bytes += stat_bytes;
    // kernel threads: flags (9) has PF_KTHREAD; checked the cheap way proctrail does after parsing
    const char* close_paren = strrchr(buffer, ')');
    unsigned long flags = 0;
    if (close_paren) sscanf(close_paren + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags);
    bytes += read_at(dirfd, "status") + link_at(dirfd, "ns/pid");
    if (!(flags & 0x00200000)) {
      bytes += read_at(dirfd, "cmdline") + link_at(dirfd, "exe") + link_at(dirfd, "cwd") + read_at(dirfd, "cgroup");
      if (fds) bytes += link_at(dirfd, "ns/net") + read_fds(dirfd);
    }
    close(dirfd);
    ++processes;
  }
  closedir(proc);
  if (fds) {
    int net = open("/proc/net", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (const char* table : {"unix", "tcp", "tcp6", "udp", "udp6"}) bytes += read_at(net, table);
    close(net);
  }
  printf("%ld processes, %ld bytes\n", processes, bytes);
  return 0;
}
