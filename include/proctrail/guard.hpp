#pragma once
// proctrail guard: applies a policy (proctrail/policy.hpp) unattended. One run takes one evidence
// snapshot; each rule chooses its targets from it (leak verdicts with the rule's thresholds, or the
// newest-N instances it keeps), drops what the allow list names and what more than one client
// shares, and goes through the evidence-first cleanup engine as a cleanup run of its own: identity-
// verified signals, an audit row per target naming the rule and the verdict, a cleanup-after
// snapshot. Guards on one trail are serialised by a lock file beside it (TRAIL.guard.lock).
//
//   proctrail::Guard guard(store, recorder, policy);
//   auto report = guard.run_once({.own_argv = "my-launcher guard"});
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proctrail/cleanup.hpp"
#include "proctrail/logging.hpp"
#include "proctrail/policy.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

struct GuardRunOptions {
  bool dry_run = false;    // plan and report only: nothing is signalled
  bool all_users = false;  // as root: other users' processes too
  std::string own_argv;    // recorded with each cleanup run
};

// What one rule did in one guard run.
struct GuardRuleOutcome {
  std::string rule;
  std::string action;                      // terminate or report (a dry run reports)
  std::vector<CleanupTarget> plan;         // the targets it chose (protected ones included, marked)
  std::vector<CleanupAction> actions;      // what was done (empty when it only reported)
  std::vector<CleanupTarget> spared;       // chosen, then left alone: why says why (allow list, shared, busy)
  std::optional<std::string> refused;      // set: the rule chose too many targets and did nothing
  int64_t run_id = 0;                      // its cleanup_runs row (0: it chose nothing)
};

struct GuardReport {
  int64_t evidence_snapshot_id = 0;
  std::vector<GuardRuleOutcome> rules;     // in the policy's order
  int interrupted_by = 0;                  // SIGINT/SIGTERM that stopped the run (the action under way finished)
  int64_t acted() const;                   // targets signalled or stopped
  int64_t freed_kb() const;                // what the targets that ended were measured to hold (USS + swap)
};

class Guard {
 public:
  Guard(Store& store, Recorder& recorder, GuardPolicy policy, CleanerOptions options = {}, Logger logger = nullptr);

  // One run: waits for any other guard on this trail, takes the evidence, applies every rule.
  Result<GuardReport> run_once(const GuardRunOptions& options);

 private:
  Store& store_;
  Recorder& recorder_;
  GuardPolicy policy_;
  CleanerOptions options_;
  Logger logger_;
};

}  // namespace proctrail
