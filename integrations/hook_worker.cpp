// The mechanics of `snap --hook`: reading the caller's payload without stalling, and the detached
// worker that records after the caller has been let go.
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "integrations/hook_payload.hpp"
#include "proctrail/hook.hpp"

namespace proctrail {

std::optional<HookPayload> read_hook_payload(int fd, std::chrono::milliseconds deadline_after) {
  struct stat info {};
  if (::fstat(fd, &info) != 0 || ::isatty(fd)) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + deadline_after;
  std::string text;
  bool ended = false;  // EOF: the caller wrote all it had
  char buffer[65536];
  while (text.size() <= kMaxHookPayloadBytes) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd poll_fd{fd, POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ended = true;
      break;
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  if (text.empty() && ended) return std::nullopt;
  if (!ended && text.size() <= kMaxHookPayloadBytes) {
    // Said, not dropped: the snapshot records that its payload was late or cut short.
    HookPayload late;
    late.error = "hook payload did not end within " + std::to_string(deadline_after.count()) + " ms (" +
                 std::to_string(text.size()) + " bytes read)";
    return late;
  }
  return parse_hook_payload(text);  // larger than the bound: an error, no fields
}

HookRole detach_hook_worker() {
  const pid_t middle = ::fork();
  if (middle < 0) return HookRole::worker;
  if (middle > 0) {
    ::waitpid(middle, nullptr, 0);
    return HookRole::caller;
  }
  ::setsid();
  const pid_t worker = ::fork();
  if (worker > 0) ::_exit(0);
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (null_fd >= 0) ::dup2(null_fd, fd);
  }
  ::close_range(3, ~0U, 0);  // null_fd too: every descriptor above stdio goes
  ::setpriority(PRIO_PROCESS, 0, 19);  // background work: hook callers and the user's own work come first
  return HookRole::worker;
}

}  // namespace proctrail
