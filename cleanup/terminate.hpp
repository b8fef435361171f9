#pragma once
// The one termination engine, used by Cleaner::execute and the leak guard (terminate_processes):
// for each target, a pidfd, then the start time re-read through `proc_root` and compared with the
// target's, then SIGTERM; after the grace, SIGKILL to whatever is left, and 5 s more. A target whose
// pid now belongs to another process, or that is a zombie, is never signalled.
//
// Each target's outcome is reported as soon as it is known (a refused target at once, one that
// exits when it does, the others after the grace or the kill), so a caller can audit every action
// before the next one. A report that fails stops the engine: nothing more is signalled.
//
// Write-ahead: a caller may be told, once a target's identity is verified and before its first
// signal, that it is about to be signalled (BeforeSignal); if that fails, it is not signalled. A
// caller may also hand in a stop descriptor: once it is readable, the grace wait ends, no SIGKILL is
// sent, and each target still running is reported interrupted.
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proctrail/process.hpp"
#include "proctrail/result.hpp"
#include "cleanup/pidfd.hpp"

namespace proctrail::detail {

enum class Termination {
  gone,               // exited before it could be signalled
  identity_mismatch,  // its pid belongs to a process with another start time: not touched
  zombie,             // exited, not yet reaped by its parent: nothing to signal
  permission_denied,  // the kernel refused the signal (another user's process)
  exited,             // ended within the grace after SIGTERM
  killed,             // ignored SIGTERM for the grace, ended by SIGKILL
  still_running,      // still there 5 s after SIGKILL
  interrupted,        // still there when the caller stopped the wait (stop_fd): not signalled further
  failed,             // any other error (the detail says which)
};

// "gone", "identity-mismatch", "zombie", ... as cleanup_actions.outcome stores them.
std::string_view termination_name(Termination termination);

// What was done to one target and how it ended.
struct TargetOutcome {
  size_t index = 0;            // the target's index as given to Terminator::signal
  ProcessKey key;
  std::string signal;          // none, TERM, TERM+KILL
  Termination outcome = Termination::failed;
  std::string detail;          // empty, or the words Cleaner's audit rows carry
};

struct TerminateOptions {
  std::chrono::milliseconds grace{5000};      // SIGTERM → SIGKILL
  std::filesystem::path proc_root = "/proc";  // where the start time is re-read
  int stop_fd = -1;                           // readable: stop waiting and signal no more (-1: never)
};

using OnTermination = std::function<Status(const TargetOutcome&)>;
// Told the target's index and identity after its identity is verified, before its first signal.
using BeforeSignal = std::function<Status(size_t index, const ProcessKey& key)>;

class Terminator {
 public:
  Terminator(TerminateOptions options, OnTermination report, BeforeSignal before_signal = nullptr);

  // Verifies the target's identity, tells before_signal, and sends SIGTERM. An outcome known at once
  // (gone, identity-mismatch, zombie, a refused signal) is reported before this returns; the others
  // are reported by finish(). Returns before_signal's or the report's error, if one failed (then
  // the target was not signalled, or its outcome not recorded).
  Status signal(size_t index, const ProcessKey& key);

  // Waits up to the grace for every target signal() sent SIGTERM to, reporting each as it exits,
  // SIGKILLs the rest, waits up to 5 s for them, reporting each as it exits, and reports the rest.
  // When stop_fd becomes readable, reports the targets still running as interrupted and sends
  // nothing more. Stops at a report's error.
  Status finish();

 private:
  struct InFlight {
    size_t index = 0;
    ProcessKey key;
    Pidfd pidfd;
  };

  Status report(size_t index, const ProcessKey& key, std::string signal, Termination outcome, std::string detail = "");
  // Waits up to `limit` for `flights` to exit, reporting each (signal, outcome, detail) as it does
  // and dropping it. Sets stopped when stop_fd became readable.
  Status await_exits(std::vector<InFlight>& flights, std::chrono::milliseconds limit, const std::string& signal,
                     Termination outcome, const std::string& detail, bool& stopped);
  // Reports every flight left as interrupted, the stop having come before its end was known.
  Status report_interrupted(const std::vector<InFlight>& flights, const std::string& signal, const std::string& detail);

  TerminateOptions options_;
  OnTermination report_;
  BeforeSignal before_signal_;
  std::vector<InFlight> in_flight_;
};

// signal() for each target in order (index = its position), then finish().
Status terminate(std::span<const ProcessKey> targets, const TerminateOptions& options, const OnTermination& report);

}  // namespace proctrail::detail
