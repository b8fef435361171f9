// Invariants:
//  - The handler only does what is async-signal-safe: an atomic compare-exchange and a write(2) to a
//    non-blocking pipe, with errno kept.
//  - The handlers are restored before the pipe is closed, so no handler writes to a closed (or
//    reused) descriptor.
#include "cleanup/interrupt.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace proctrail::detail {
namespace {

std::atomic<int> g_write_fd{-1};  // the live guard's pipe, for the handler
std::atomic<int> g_caught{0};     // the first signal it caught

void on_signal(int signal) {
  const int saved_errno = errno;
  int none = 0;
  g_caught.compare_exchange_strong(none, signal);
  const int fd = g_write_fd.load();
  if (fd >= 0) {
    const char byte = 1;
    (void)::write(fd, &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

InterruptGuard::InterruptGuard(std::span<const int> signals) {
  if (signals.empty() || g_write_fd.load() >= 0) return;
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return;
  read_fd_ = ends[0];
  write_fd_ = ends[1];
  g_caught.store(0);
  g_write_fd.store(write_fd_);
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;  // file and socket I/O carries on; poll(2) still returns EINTR
  sigemptyset(&action.sa_mask);
  for (int signal : signals) {
    Saved saved{.signal = signal};
    if (::sigaction(signal, &action, &saved.action) == 0) saved_.push_back(saved);
  }
}

InterruptGuard::~InterruptGuard() {
  for (const auto& saved : saved_) ::sigaction(saved.signal, &saved.action, nullptr);
  if (write_fd_ < 0) return;
  g_write_fd.store(-1);
  ::close(write_fd_);
  ::close(read_fd_);
}

int InterruptGuard::signal() const { return read_fd_ >= 0 ? g_caught.load() : 0; }

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
  }
  return "signal " + std::to_string(signal);
}

}  // namespace proctrail::detail
