// Issue 7 benchmark helper: a burst of short-lived processes (fork + exec + exit) at a steady rate,
// with the ground truth of every child for bench/run-events-bench to match a trail against.
//
//   bench_burst [--count N] [--rate R] [--out FILE] [--exec PATH]
//
// Forks and execs PATH (default /bin/true, no arguments) N times (default 20000), R per second
// (default 2000), paced by clock_nanosleep against absolute deadlines (start + i / R), so a late fork
// does not push back the ones after it. Children are reaped without SIGCHLD: before each wait for the
// next deadline, and after each fork, every finished child is taken with
// waitid(P_ALL, WEXITED | WNOHANG | WNOWAIT), its /proc/PID/stat read while it is still a zombie (its
// start_ticks, field 22, is its identity with the pid), and only then reaped with waitpid. Many
// children are in flight at once, so the rate does not wait on each child's exec and exit.
//
// FILE (CSV, header first): pid,start_ticks,parent_pid,parent_start_ticks,status
// status is the wait status as waitpid returned it (0: exited 0). A row with start_ticks -1 is a
// child whose stat could not be read (it never happens with a zombie; counted in the summary).
// stdout: one line, e.g. "spawned 20000 of 20000, 2000.1/s, elapsed 10.012 s (forking 9.999 s), ...":
// the rate is over the forking time; "late" counts forks that began more than one period after their
// deadline (the machine could not keep the rate); "max in flight" is the most children alive at once.
// SIGINT / SIGTERM stop the forking; the children already started are still waited for and written.
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Truth {
  pid_t pid;
  long long start_ticks;
  int status;
};

// Field 22 (starttime) of /proc/PID/stat; -1 if unreadable. comm (field 2) may hold spaces and
// parentheses, so the fields after it are counted from the last ')'.
long long read_start_ticks(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  std::string_view text(buf, static_cast<size_t>(n));
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return -1;
  // After ") " comes field 3 (state); field 22 is 19 fields further.
  size_t pos = close + 2;
  for (int field = 3; field < 22; ++field) {
    pos = text.find(' ', pos);
    if (pos == std::string_view::npos) return -1;
    ++pos;
  }
  return std::strtoll(buf + pos, nullptr, 10);
}

timespec add_ns(timespec t, int64_t ns) {
  int64_t total = static_cast<int64_t>(t.tv_nsec) + ns;
  t.tv_sec += static_cast<time_t>(total / 1000000000);
  t.tv_nsec = static_cast<long>(total % 1000000000);
  return t;
}

double seconds_between(const timespec& a, const timespec& b) {
  return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e9;
}

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--count N] [--rate R] [--out FILE] [--exec PATH]\n", argv0);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  long count = 20000;
  double rate = 2000;
  std::string out_path;
  std::string exec_path = "/bin/true";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    if (arg == "--count") count = std::strtol(value(), nullptr, 10);
    else if (arg == "--rate") rate = std::strtod(value(), nullptr);
    else if (arg == "--out") out_path = value();
    else if (arg == "--exec") exec_path = value();
    else usage(argv[0]);
  }
  if (count < 0 || !(rate > 0)) usage(argv[0]);

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);

  const pid_t self = ::getpid();
  const long long self_ticks = read_start_ticks(self);

  std::vector<Truth> truth;
  truth.reserve(static_cast<size_t>(count));
  std::unordered_set<pid_t> in_flight;
  size_t max_in_flight = 0;
  long unreadable = 0, fork_failures = 0, late = 0;

  // Takes every finished child: its identity while a zombie, then reaps it. With block, waits until
  // at least one has finished (used to drain at the end).
  auto reap = [&](bool block) {
    for (;;) {
      siginfo_t info{};
      int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
      if (::waitid(P_ALL, 0, &info, flags) != 0) {
        if (errno == EINTR) continue;
        return;  // ECHILD: none left
      }
      if (info.si_pid == 0) return;  // none finished yet
      pid_t pid = info.si_pid;
      long long ticks = read_start_ticks(pid);
      if (ticks < 0) ++unreadable;
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      in_flight.erase(pid);
      truth.push_back({pid, ticks, status});
      block = false;  // one was taken; take the rest without waiting
    }
  };

  const char* exec_c = exec_path.c_str();
  char* const child_argv[] = {const_cast<char*>(exec_c), nullptr};
  const int64_t period_ns = static_cast<int64_t>(1e9 / rate);

  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  long spawned = 0;
  for (long i = 0; i < count && !g_stop; ++i) {
    reap(false);
    // Deadline i: start + i * 1e9 / rate, computed from i (no drift from rounding the period).
    timespec deadline = add_ns(start, static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate));
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (seconds_between(deadline, now) > static_cast<double>(period_ns) / 1e9) ++late;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR && !g_stop) {
    }
    if (g_stop) break;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execv(exec_c, child_argv);
      ::_exit(127);
    }
    if (pid < 0) {
      ++fork_failures;
      reap(true);  // EAGAIN: make room, then go on with the next deadline
      continue;
    }
    in_flight.insert(pid);
    max_in_flight = std::max(max_in_flight, in_flight.size());
    ++spawned;
    reap(false);
  }
  timespec forked{};
  clock_gettime(CLOCK_MONOTONIC, &forked);
  while (!in_flight.empty()) reap(true);
  timespec done{};
  clock_gettime(CLOCK_MONOTONIC, &done);

  long nonzero = 0;
  for (const Truth& t : truth)
    if (t.status != 0) ++nonzero;

  if (!out_path.empty()) {
    FILE* out = std::fopen(out_path.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "bench_burst: cannot write %s: %s\n", out_path.c_str(), std::strerror(errno));
      return 1;
    }
    std::fprintf(out, "pid,start_ticks,parent_pid,parent_start_ticks,status\n");
    for (const Truth& t : truth)
      std::fprintf(out, "%d,%lld,%d,%lld,%d\n", static_cast<int>(t.pid), t.start_ticks, static_cast<int>(self),
                   self_ticks, t.status);
    if (std::fclose(out) != 0) {
      std::fprintf(stderr, "bench_burst: cannot write %s: %s\n", out_path.c_str(), std::strerror(errno));
      return 1;
    }
  }

  double fork_s = seconds_between(start, forked);
  double elapsed = seconds_between(start, done);
  std::printf(
      "spawned %ld of %ld, %.1f/s, elapsed %.3f s (forking %.3f s), max in flight %zu, late %ld, "
      "fork failures %ld, nonzero exits %ld, unreadable %ld, parent %d start_ticks %lld\n",
      spawned, count, fork_s > 0 ? static_cast<double>(spawned) / fork_s : 0.0, elapsed, fork_s, max_in_flight,
      late, fork_failures, nonzero, unreadable, static_cast<int>(self), self_ticks);
  return g_stop ? 130 : 0;
}
