#pragma once
// The guard's policy: rules that say which leaked processes (or containers) to end unattended, and an
// allow list nothing is ever done to. Read from TOML (toml++); every mistake is refused with the file,
// line and key, and then nothing runs.
//
//   [[rule]]
//   name = "leaked mcp servers"
//   match = "mcp-server|server-memory"          # RE2 over argv
//   verdict = ["orphaned", "abandoned", "outlived-session"]
//   older_than = "30m"
//   idle_for = "10m"
//   action = "terminate"                         # or "report"
//   grace = "5s"
//
//   [[rule]]
//   name = "one memory server per client"
//   match = "server-memory"
//   keep_newest = 1
//   per = "parent"                               # or "session", "user"
//   idle_for = "10m"
//
//   [allow]
//   match = ["shared-mcp-proxy"]
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proctrail/result.hpp"

namespace proctrail {

enum class RuleAction { terminate, report };

// keep_newest counts instances per one of these.
enum class RuleScope { parent, session, user };

struct GuardRule {
  std::string name;                          // required, unique within the file
  std::optional<std::string> match;          // RE2 over argv (containers: name, image, command); checked to compile
  std::vector<std::string> verdicts;         // any of CleanupSelectors::known_verdicts(); empty: no verdict needed
  std::optional<int64_t> older_than_s;       // age at the evidence snapshot
  std::optional<int64_t> idle_for_s;         // abandoned/spinning thresholds, and keep_newest's idleness; default 600
  RuleAction action = RuleAction::terminate;
  std::chrono::milliseconds grace{5000};     // SIGTERM → SIGKILL (containers: the stop timeout)
  std::optional<int64_t> keep_newest;        // ≥ 1: keep the newest N matching instances per `per`, act on older idle ones
  RuleScope per = RuleScope::parent;
  int64_t max_per_run = 20;                  // more targets than this: refused as a probable mistake, reported
  std::optional<uid_t> user;                 // only this real uid
  bool containers = false;                   // a container rule: stops containers whose creating client exited
  std::optional<std::string> container_label;  // KEY=VALUE (container rules)
  bool remove = false;                       // container rules: remove after stopping
  int line = 0;                              // where the rule begins in its file (for messages)
};

struct GuardPolicy {
  std::filesystem::path file;                // where it was read from ("" when parsed from text)
  std::vector<GuardRule> rules;              // at least one
  std::vector<std::string> allow_match;      // RE2 over argv: never acted on by any rule
};

// Parses policy text. `file` names it in errors: "FILE:LINE: KEY: what is wrong" (ErrorKind::bad_input).
// Refused: TOML syntax errors, unknown tables or keys, a rule without name, duplicate names, unknown
// verdicts, actions or scopes, bad durations (common/duration), regexes that do not compile, a
// keep_newest below 1, a max_per_run below 1, a rule that narrows nothing (no match, verdict,
// older_than, user, keep_newest or container_label), container keys on a process rule.
Result<GuardPolicy> parse_policy(std::string_view text, const std::filesystem::path& file = {});

// Reads and parses a file (a missing or unreadable file is ErrorKind::not_found / permission).
Result<GuardPolicy> load_policy(const std::filesystem::path& file);

// ~/.config/proctrail/policy.toml ($XDG_CONFIG_HOME when set).
std::filesystem::path default_policy_path();

std::string_view action_name(RuleAction action);
std::string_view scope_name(RuleScope scope);

}  // namespace proctrail
