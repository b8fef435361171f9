// The termination engine. Invariants:
//  - A signal goes only through a pidfd opened *before* the target's start time is re-read and
//    found equal to the expected one: a pid that was reused is never signalled.
//  - A pidfd lives exactly as long as its target is in flight (Pidfd closes it).
//  - Each outcome is reported once, as soon as it is known; a failed report stops everything after it.
#include "cleanup/terminate.hpp"

#include <signal.h>

#include <cerrno>
#include <cstring>

namespace proctrail::detail {
namespace {

constexpr std::chrono::seconds kKillWait{5};

// The pidfds of targets in flight, for wait_exits.
template <class Flights>
std::vector<int> pidfds_of(const Flights& flights) {
  std::vector<int> fds;
  for (const auto& flight : flights) fds.push_back(flight.pidfd.get());
  return fds;
}

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
    case Termination::failed: return "failed";
  }
  return "failed";
}

Terminator::Terminator(TerminateOptions options, OnTermination report)
    : options_(std::move(options)), report_(std::move(report)) {}

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

Status Terminator::finish() {
  std::vector<InFlight> flights = std::move(in_flight_);
  in_flight_.clear();
  const auto exited = wait_exits(pidfds_of(flights), options_.grace);
  std::vector<InFlight> stubborn;
  for (size_t k = 0; k < flights.size(); ++k) {
    auto& flight = flights[k];
    if (exited[k]) {
      if (auto reported = report(flight.index, flight.key, "TERM", Termination::exited); !reported) return reported;
      continue;
    }
    if (flight.pidfd.send_signal(SIGKILL) != 0 && errno != ESRCH) {
      const int error = errno;
      const Termination outcome = error == EPERM ? Termination::permission_denied : Termination::failed;
      if (auto reported = report(flight.index, flight.key, "TERM+KILL", outcome, std::strerror(error)); !reported) return reported;
      continue;
    }
    stubborn.push_back(std::move(flight));
  }
  const auto killed = wait_exits(pidfds_of(stubborn), kKillWait);
  for (size_t k = 0; k < stubborn.size(); ++k) {
    auto reported = killed[k] ? report(stubborn[k].index, stubborn[k].key, "TERM+KILL", Termination::killed,
                                       "ignored SIGTERM for the grace period")
                              : report(stubborn[k].index, stubborn[k].key, "TERM+KILL", Termination::still_running,
                                       "still running 5 s after SIGKILL");
    if (!reported) return reported;
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
