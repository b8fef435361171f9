#pragma once
// Interrupting a cleanup without losing its audit. While an InterruptGuard lives, the signals it was
// given (SIGINT, SIGTERM) no longer end the process: the first to arrive is remembered and makes
// fd() readable, so the termination engine's wait can end early and the cleanup can record what it
// knows before it returns. The handlers it replaced are restored when it goes; nothing is re-raised
// (the caller decides how to end). A caller that blocks these signals keeps them blocked: the guard
// then never fires.
//
// One guard at a time per process: a guard made while another lives installs nothing and never fires.
#include <csignal>
#include <span>
#include <string>
#include <vector>

namespace proctrail::detail {

class InterruptGuard {
 public:
  explicit InterruptGuard(std::span<const int> signals);
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  ~InterruptGuard();

  // Readable once one of the signals arrived; -1 when the guard is inert.
  int fd() const { return read_fd_; }
  // The first signal that arrived while the guard lived; 0 if none did.
  int signal() const;

 private:
  struct Saved {
    int signal = 0;
    struct sigaction action {};
  };

  int read_fd_ = -1;
  int write_fd_ = -1;
  std::vector<Saved> saved_;
};

// "SIGINT", "SIGTERM", ... for the audit; "signal N" for one without a name here.
std::string signal_name(int signal);

}  // namespace proctrail::detail
