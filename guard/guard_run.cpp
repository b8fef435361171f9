// proctrail guard: one run of a policy (include/proctrail/guard.hpp).
//
// Invariants:
//  1. Evidence first: every rule chooses from the one evidence snapshot this run committed, and acts
//     only through Cleaner::execute (an intent row before each signal, identity checked by pidfd).
//  2. What a rule chose but must not end stays in its plan as protected (the audit says why): the
//     allow list, a server held by more than one client. An older busy instance of a keep_newest rule
//     is never chosen: it is reported among the spared.
//  3. A rule that chose more unprotected targets than its max_per_run acts on none of them.
//  4. One guard at a time per trail: an exclusive flock on TRAIL.guard.lock, held for the whole run.
#include "proctrail/guard.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "common/pattern.hpp"
#include "proctrail/query.hpp"

namespace proctrail {
namespace {

int64_t int_of(const Cell& cell) { return std::holds_alternative<int64_t>(cell) ? std::get<int64_t>(cell) : 0; }
std::string text_of(const Cell& cell) { return cell_text(cell, ""); }

// An exclusive lock on TRAIL.guard.lock for the life of the object (RAII over the descriptor).
class GuardLock {
 public:
  static Result<GuardLock> take(const std::filesystem::path& trail) {
    const auto path = trail.string() + ".guard.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return Error{"opening the guard lock " + path + ": " + std::strerror(errno), ErrorKind::permission};
    GuardLock lock(fd);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) return Error{"locking " + path + ": " + std::strerror(errno), ErrorKind::busy};
    }
    return lock;
  }
  GuardLock(GuardLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  GuardLock& operator=(GuardLock&&) = delete;
  ~GuardLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit GuardLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

struct Choice {
  std::vector<ProcessKey> keys;
  std::map<ProcessKey, std::string> verdict;  // why each was chosen
  std::vector<CleanupTarget> spared;
};

// A leak-verdict rule: the suspects of `query leaks` with the rule's thresholds and verdicts.
Result<Choice> choose_by_verdict(TrailReader& trail, int64_t snapshot, const GuardRule& rule) {
  auto leaks = query_leaks(trail, snapshot, LeakOptions{.match = rule.match, .idle_for_s = rule.idle_for_s.value_or(600)});
  if (!leaks) return leaks.error();
  Choice choice;
  for (const auto& row : leaks->rows) {
    if (text_of(row[0]) != "process") continue;
    const std::string verdict = text_of(row[1]);
    if (std::find(rule.verdicts.begin(), rule.verdicts.end(), verdict) == rule.verdicts.end()) continue;
    const ProcessKey key{static_cast<pid_t>(int_of(row[2])), static_cast<uint64_t>(int_of(row[3]))};
    choice.keys.push_back(key);
    choice.verdict[key] = verdict + ": " + text_of(row[11]);
  }
  return choice;
}

// A keep_newest rule: per parent, session or user, the instances of each matching command beyond the
// newest N; an older one is chosen only when idle for idle_for, else spared (busy, reported).
Result<Choice> choose_surplus(TrailReader& trail, int64_t snapshot, const GuardRule& rule) {
  auto rows = trail.select(
      "SELECT i.pid, i.start_ticks, i.ppid, COALESCE(ps.session_id, ''), COALESCE(i.uid, -1), i.argv,"
      " COALESCE(a.activity, 'unknown'), COALESCE((s.started_at_us - a.since_us) / 1000000, 0)"
      " FROM snapshot_instances i JOIN snapshots s ON s.snapshot_id = i.snapshot_id"
      " LEFT JOIN snapshot_activity a ON a.snapshot_id = i.snapshot_id AND a.process_id = i.process_id"
      " LEFT JOIN process_sessions ps ON ps.process_id = i.process_id"
      " WHERE i.snapshot_id = ?1 AND COALESCE(i.state, '') != 'Z' AND i.argv REGEXP ?2"
      " ORDER BY i.start_time_us DESC, i.pid DESC",
      {snapshot, *rule.match});
  if (!rows) return rows.error();
  const int64_t idle_for = rule.idle_for_s.value_or(600);
  std::map<std::pair<std::string, std::string>, int64_t> seen;  // (scope, argv) → instances newer than this one
  Choice choice;
  for (const auto& row : rows->rows) {
    const std::string scope = rule.per == RuleScope::parent    ? "parent " + text_of(row[2])
                              : rule.per == RuleScope::session ? "session " + text_of(row[3])
                                                               : "uid " + text_of(row[4]);
    const int64_t newer = seen[{scope, text_of(row[5])}]++;
    if (newer < *rule.keep_newest) continue;
    const ProcessKey key{static_cast<pid_t>(int_of(row[0])), static_cast<uint64_t>(int_of(row[1]))};
    const std::string why = "instance " + std::to_string(newer + 1) + " (newest first) of this command under " + scope +
                            ", which keeps " + std::to_string(*rule.keep_newest);
    if (text_of(row[6]) == "idle" && int_of(row[7]) >= idle_for) {
      choice.keys.push_back(key);
      choice.verdict[key] = "surplus: " + why + "; idle " + std::to_string(int_of(row[7])) + " s";
      continue;
    }
    CleanupTarget spared;
    spared.key = key;
    spared.argv = text_of(row[5]);
    spared.why = "rule " + rule.name + ": " + why + "; " + text_of(row[6]) + ", not idle " + std::to_string(idle_for) +
                 " s: reported, never ended";
    choice.spared.push_back(std::move(spared));
  }
  return choice;
}

// A rule of plain selectors (match, older_than, user): the processes they name, so a rule that names
// none records no cleanup run.
Result<Choice> choose_plain(TrailReader& trail, int64_t snapshot, const GuardRule& rule) {
  auto rows = trail.select(
      "SELECT pid, start_ticks FROM snapshot_processes WHERE snapshot_id = ?1 AND is_kernel_thread = 0"
      " AND (?2 IS NULL OR argv REGEXP ?2) AND (?3 IS NULL OR age_s >= ?3) AND (?4 IS NULL OR uid = ?4)",
      {snapshot, rule.match ? Cell{*rule.match} : Cell{}, rule.older_than_s ? Cell{*rule.older_than_s} : Cell{},
       rule.user ? Cell{int64_t{*rule.user}} : Cell{}});
  if (!rows) return rows.error();
  Choice choice;
  for (const auto& row : rows->rows) choice.keys.push_back({static_cast<pid_t>(int_of(row[0])), static_cast<uint64_t>(int_of(row[1]))});
  return choice;
}

// Which of `targets` have their stdin/stdout or sockets held by processes of more than one other
// process group (two clients share the server). Asked only for a plan's targets: over a whole
// snapshot this join is the costliest read of a run.
Result<std::map<ProcessKey, int64_t>> shared_targets(TrailReader& trail, int64_t snapshot, const std::vector<CleanupTarget>& targets) {
  std::string pids;
  for (const auto& target : targets) {
    if (target.kind == "process" && !target.protection) pids += (pids.empty() ? "" : ",") + std::to_string(target.key.pid);
  }
  if (pids.empty()) return std::map<ProcessKey, int64_t>{};
  auto rows = trail.select(
      "SELECT t.pid, t.start_ticks, count(DISTINCT q.pgid) FROM snapshot_processes t"
      " JOIN snapshot_fd_peers x ON x.snapshot_id = t.snapshot_id AND x.process_id = t.process_id"
      " JOIN snapshot_processes q ON q.snapshot_id = x.snapshot_id AND q.process_id = x.peer_process_id"
      " WHERE t.snapshot_id = ?1 AND t.pid IN (" + pids + ") AND x.peer_process_id != x.process_id AND q.pgid != t.pgid"
      "   AND (x.fd IN (0, 1) OR x.via != 'pipe')"  // its stdio, or a socket: not a descriptor it merely inherited
      " GROUP BY t.process_id HAVING count(DISTINCT q.pgid) > 1",
      {snapshot});
  if (!rows) return rows.error();
  std::map<ProcessKey, int64_t> shared;
  for (const auto& row : rows->rows) {
    shared[ProcessKey{static_cast<pid_t>(int_of(row[0])), static_cast<uint64_t>(int_of(row[1]))}] = int_of(row[2]);
  }
  return shared;
}

// The selectors a rule gives the cleanup engine.
CleanupSelectors selectors_of(const GuardRule& rule, const GuardRunOptions& options) {
  CleanupSelectors s;
  s.rule = rule.name;
  s.match = rule.match;
  s.older_than_s = rule.older_than_s;
  s.user = rule.user;
  s.all_users = options.all_users;
  s.grace = rule.grace;
  s.containers = rule.containers;
  s.container_label = rule.container_label;
  s.remove = rule.remove;
  s.creator_gone = rule.containers;  // a container rule stops only what its creator left behind
  return s;
}

// Marks what the rule chose but must not end, and says why each target was chosen.
void mark_plan(CleanupReport& plan, const GuardRule& rule, const Choice& choice, const std::vector<Pattern>& allow,
               const std::vector<std::string>& allow_text, const std::map<ProcessKey, int64_t>& shared) {
  for (auto& target : plan.plan) {
    if (auto verdict = choice.verdict.find(target.key); verdict != choice.verdict.end()) {
      target.why = "rule " + rule.name + ": " + verdict->second;
    } else {
      target.why = "rule " + rule.name + ": " + target.why;
    }
    if (target.protection || target.kind != "process") continue;
    for (size_t i = 0; i < allow.size(); ++i) {
      if (allow[i].search(target.argv)) target.protection = "allow list: argv matches /" + allow_text[i] + "/";
    }
    if (auto holders = shared.find(target.key); !target.protection && holders != shared.end()) {
      target.protection = "shared: held by " + std::to_string(holders->second) + " clients (process groups)";
    }
  }
}

std::optional<std::string> memory_match_of(const GuardPolicy& policy) {
  std::string joined;
  for (const auto& rule : policy.rules) {
    if (rule.match && !rule.containers) joined += (joined.empty() ? "" : "|") + ("(?:" + *rule.match + ")");
  }
  if (joined.empty()) return std::nullopt;
  return joined;
}

}  // namespace

int64_t GuardReport::acted() const {
  int64_t n = 0;
  for (const auto& rule : rules) {
    for (const auto& action : rule.actions) n += action.signal != "none";
  }
  return n;
}

int64_t GuardReport::freed_kb() const {
  int64_t kb = 0;
  for (const auto& rule : rules) {
    for (const auto& action : rule.actions) {
      if (action.outcome == "exited" || action.outcome == "killed") kb += action.target.frees_kb.value_or(0);
    }
  }
  return kb;
}

Guard::Guard(Store& store, Recorder& recorder, GuardPolicy policy, CleanerOptions options, Logger logger)
    : store_(store), recorder_(recorder), policy_(std::move(policy)), options_(std::move(options)), logger_(or_null(std::move(logger))) {}

Result<GuardReport> Guard::run_once(const GuardRunOptions& options) {
  auto lock = GuardLock::take(store_.path());
  if (!lock) return lock.error();
  std::vector<Pattern> allow;
  for (const auto& text : policy_.allow_match) {
    auto compiled = Pattern::compile(text);
    if (!compiled) return compiled.error().within("allow list");
    allow.push_back(std::move(*compiled));
  }
  Cleaner cleaner(store_, recorder_, options_, logger_);
  auto evidence = cleaner.take_evidence(memory_match_of(policy_), "guard-evidence");
  if (!evidence) return evidence.error();
  GuardReport report;
  report.evidence_snapshot_id = evidence->snapshot.snapshot_id;
  auto trail = TrailReader::open(store_.path());
  if (!trail) return trail.error();

  for (const auto& rule : policy_.rules) {
    GuardRuleOutcome outcome;
    outcome.rule = rule.name;
    outcome.action = options.dry_run ? "report" : std::string(action_name(rule.action));
    CleanupSelectors selectors = selectors_of(rule, options);
    Choice choice;
    if (!rule.containers) {
      auto chosen = rule.keep_newest          ? choose_surplus(*trail, report.evidence_snapshot_id, rule)
                    : !rule.verdicts.empty() ? choose_by_verdict(*trail, report.evidence_snapshot_id, rule)
                                             : choose_plain(*trail, report.evidence_snapshot_id, rule);
      if (!chosen) return chosen.error().within("rule " + rule.name);
      choice = std::move(*chosen);
      selectors.chosen = choice.keys;
    }
    outcome.spared = choice.spared;
    if (rule.containers && !evidence->snapshot.containers_seen) {
      outcome.refused = "containers were not seen (" +
                        (evidence->snapshot.containers_source.empty() ? std::string("the engine was not asked")
                                                                      : evidence->snapshot.containers_source) + "): nothing done";
      report.rules.push_back(std::move(outcome));
      continue;
    }
    if (selectors.chosen && selectors.chosen->empty()) {
      report.rules.push_back(std::move(outcome));
      continue;
    }
    auto plan = cleaner.plan_from(*evidence, selectors, options.own_argv);
    if (!plan) return plan.error().within("rule " + rule.name);
    auto shared = shared_targets(*trail, report.evidence_snapshot_id, plan->plan);
    if (!shared) return shared.error().within("rule " + rule.name);
    mark_plan(*plan, rule, choice, allow, policy_.allow_match, *shared);
    outcome.run_id = plan->run_id;
    const auto unprotected = std::count_if(plan->plan.begin(), plan->plan.end(), [](const CleanupTarget& t) { return !t.protection; });
    outcome.plan = plan->plan;
    if (unprotected > rule.max_per_run) {
      outcome.refused = "chose " + std::to_string(unprotected) + " targets, more than its max_per_run of " +
                        std::to_string(rule.max_per_run) + ": a probable mistake, nothing done";
      logger_->warn("guard: rule {}: {}", rule.name, *outcome.refused);
    }
    if (outcome.refused || options.dry_run || rule.action == RuleAction::report || unprotected == 0) {
      report.rules.push_back(std::move(outcome));
      continue;
    }
    auto executed = cleaner.execute(std::move(*plan), selectors);
    if (!executed) return executed.error().within("rule " + rule.name);
    outcome.actions = executed->actions;
    report.interrupted_by = executed->interrupted_by;
    report.rules.push_back(std::move(outcome));
    if (report.interrupted_by != 0) break;
  }
  return report;
}

}  // namespace proctrail
