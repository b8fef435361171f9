#pragma once
// The one termination engine, used by Cleaner::execute and the leak guard (terminate_processes):
// for each target, a pidfd, then the start time re-read through `proc_root` and compared with the
// target's, then SIGTERM; after the grace, SIGKILL to whatever is left, and 5 s more. A target whose
// pid now belongs to another process, or that is a zombie, is never signalled.
//
// Each target's outcome is reported as soon as it is known (a refused target at once, the others
// after the grace or the kill), so a caller can audit every action before the next one. A report
// that fails stops the engine: nothing more is signalled.
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
};

using OnTermination = std::function<Status(const TargetOutcome&)>;

class Terminator {
 public:
  Terminator(TerminateOptions options, OnTermination report);

  // Verifies the target's identity and sends SIGTERM. An outcome known at once (gone,
  // identity-mismatch, zombie, a refused signal) is reported before this returns; the others are
  // reported by finish(). Returns the report's error, if it failed.
  Status signal(size_t index, const ProcessKey& key);

  // Waits up to the grace for every target signal() sent SIGTERM to, reporting each that exits,
  // SIGKILLs the rest, waits up to 5 s for them, and reports them. Stops at a report's error.
  Status finish();

 private:
  struct InFlight {
    size_t index = 0;
    ProcessKey key;
    Pidfd pidfd;
  };

  Status report(size_t index, const ProcessKey& key, std::string signal, Termination outcome, std::string detail = "");

  TerminateOptions options_;
  OnTermination report_;
  std::vector<InFlight> in_flight_;
};

// signal() for each target in order (index = its position), then finish().
Status terminate(std::span<const ProcessKey> targets, const TerminateOptions& options, const OnTermination& report);

}  // namespace proctrail::detail
