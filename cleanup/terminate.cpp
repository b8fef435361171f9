// The termination engine. Invariants:
//  - A signal goes only through a pidfd opened *before* the target's start time is re-read and
//    found equal to the expected one: a pid that was reused is never signalled.
//  - before_signal hears of a target after its identity is verified and before its first signal;
//    when it fails the target is not signalled (the cleanup's write-ahead audit rests on this).
//  - A pidfd lives exactly as long as its target is in flight (Pidfd closes it).
//  - Each outcome is reported once, as soon as it is known; a failed report stops everything after it.
//  - Once stop_fd is readable finish() sends nothing more: no SIGKILL follows the grace.
#include "cleanup/terminate.hpp"

#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

namespace proctrail::detail {
namespace {

constexpr std::chrono::seconds kKillWait{5};

}  // namespace

std::string_view termination_name(Termination termination) {
  switch (termination) {
    case Termination::gone: return "gone";
    case Termination::identity_mismatch: return "identity-mismatch";
    case Termination::zombie: return "zombie";
    case Termination::permission_denied: return "permission-denied";
    case Termination::exited: return "exited";
    case Termination::killed: return "killed";
    case Termination::still_running: return "still-running";
    case Termination::interrupted: return "interrupted";
    case Termination::failed: return "failed";
  }
  return "failed";
}

Terminator::Terminator(TerminateOptions options, OnTermination report, BeforeSignal before_signal)
    : options_(std::move(options)), report_(std::move(report)), before_signal_(std::move(before_signal)) {}

Status Terminator::report(size_t index, const ProcessKey& key, std::string signal, Termination outcome, std::string detail) {
  return report_(TargetOutcome{index, key, std::move(signal), outcome, std::move(detail)});
}

Status Terminator::signal(size_t index, const ProcessKey& key) {
  // Identity first: the pidfd pins whatever process has the pid now; only if its start time is the
  // expected one is that process the target.
  Pidfd pidfd(key.pid);
  if (!pidfd) {
    const int error = pidfd.error();
    if (error == ESRCH) return report(index, key, "none", Termination::gone, "exited before the action");
    return report(index, key, "none", Termination::failed, std::strerror(error));
  }
  const auto now = current_stat(key.pid, options_.proc_root.string());
  if (!now) return report(index, key, "none", Termination::gone, "exited before the action");
  if (now->starttime != key.start_ticks) {
    return report(index, key, "none", Termination::identity_mismatch,
                  "pid " + std::to_string(key.pid) + " now belongs to a process started at tick " +
                      std::to_string(now->starttime) + "; it was not touched");
  }
  if (now->state == 'Z') {
    const auto parent = current_stat(now->ppid, options_.proc_root.string());
    return report(index, key, "none", Termination::zombie,
                  "already exited; its parent " + std::to_string(now->ppid) + " (" + (parent ? parent->comm : "?") +
                      ") has not reaped it");
  }
  if (before_signal_) {
    if (auto told = before_signal_(index, key); !told) return told;
  }
  if (pidfd.send_signal(SIGTERM) != 0) {
    const int error = errno;
    const Termination outcome = error == EPERM   ? Termination::permission_denied
                                : error == ESRCH ? Termination::gone
                                                 : Termination::failed;
    return report(index, key, "TERM", outcome, std::strerror(error));
  }
  in_flight_.push_back(InFlight{index, key, std::move(pidfd)});
  return ok_status();
}

Status Terminator::await_exits(std::vector<InFlight>& flights, std::chrono::milliseconds limit, const std::string& signal,
                               Termination outcome, const std::string& detail, bool& stopped) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!flights.empty() && !stopped) {
    std::vector<pollfd> fds;
    for (const auto& flight : flights) fds.push_back(pollfd{flight.pidfd.get(), POLLIN, 0});
    if (options_.stop_fd >= 0) fds.push_back(pollfd{options_.stop_fd, POLLIN, 0});
    // Rounded up, and a timeout only ends the wait once the deadline has passed: poll's millisecond
    // timeout truncated would signal a process the grace had not yet run out for.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ok_status();
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    if (ready < 0) return ok_status();
    std::vector<InFlight> running;
    for (size_t k = 0; k < flights.size(); ++k) {
      if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        running.push_back(std::move(flights[k]));
        continue;
      }
      if (auto reported = report(flights[k].index, flights[k].key, signal, outcome, detail); !reported) return reported;
    }
    flights = std::move(running);
    stopped = options_.stop_fd >= 0 && (fds.back().revents & POLLIN) != 0;
  }
  return ok_status();
}

Status Terminator::report_interrupted(const std::vector<InFlight>& flights, const std::string& signal, const std::string& detail) {
  for (const auto& flight : flights) {
    if (auto reported = report(flight.index, flight.key, signal, Termination::interrupted, detail); !reported) return reported;
  }
  return ok_status();
}

Status Terminator::finish() {
  std::vector<InFlight> flights = std::move(in_flight_);
  in_flight_.clear();
  bool stopped = false;
  if (auto waited = await_exits(flights, options_.grace, "TERM", Termination::exited, "", stopped); !waited) return waited;
  if (stopped) return report_interrupted(flights, "TERM", "still running when the cleanup was interrupted in the grace; SIGKILL was not sent");
  std::vector<InFlight> stubborn;
  for (auto& flight : flights) {
    if (flight.pidfd.send_signal(SIGKILL) != 0 && errno != ESRCH) {
      const int error = errno;
      const Termination outcome = error == EPERM ? Termination::permission_denied : Termination::failed;
      if (auto reported = report(flight.index, flight.key, "TERM+KILL", outcome, std::strerror(error)); !reported) return reported;
      continue;
    }
    stubborn.push_back(std::move(flight));
  }
  if (auto waited = await_exits(stubborn, kKillWait, "TERM+KILL", Termination::killed, "ignored SIGTERM for the grace period", stopped);
      !waited) {
    return waited;
  }
  if (stopped) return report_interrupted(stubborn, "TERM+KILL", "SIGKILL sent; the cleanup was interrupted before its exit was seen");
  for (const auto& flight : stubborn) {
    if (auto reported = report(flight.index, flight.key, "TERM+KILL", Termination::still_running, "still running 5 s after SIGKILL");
        !reported) {
      return reported;
    }
  }
  return ok_status();
}

Status terminate(std::span<const ProcessKey> targets, const TerminateOptions& options, const OnTermination& report) {
  Terminator terminator(options, report);
  for (size_t i = 0; i < targets.size(); ++i) {
    if (auto signalled = terminator.signal(i, targets[i]); !signalled) return signalled;
  }
  return terminator.finish();
}

}  // namespace proctrail::detail
