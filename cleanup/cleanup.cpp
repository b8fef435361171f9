// Evidence-first cleanup.
//
// Design notes (invariants):
//  1. Nothing is signalled before the cleanup-evidence snapshot has committed; every target is a
//     row of that snapshot, chosen by SQL over it. If the snapshot fails, nothing is acted on.
//  2. Processes are ended by the one termination engine (cleanup/terminate.cpp, shared with the leak
//     guard): a signal goes only through a pidfd opened *before* the target's start time is re-read
//     (through CleanerOptions::proc_root) and found equal to the evidence, so a pid that was reused
//     is never signalled (identity-mismatch); SIGTERM, the grace, then SIGKILL.
//  3. Protected targets (pid 1, this process and its ancestors, kernel threads, other users'
//     processes without --all-users as root, anything started after the cleanup began) are shown
//     in the plan with the reason and never acted on; a run that acts audits each of them as
//     signal none, outcome protected, so the trail shows what was declined and why.
//  4. Each action row is written through the store (Store::record_cleanup_action: hash-chained to the
//     previous action, in its own transaction) as soon as its outcome is known, so a crash
//     mid-cleanup keeps every action already taken. A row that cannot be written stops the cleanup:
//     nothing is signalled that the trail could not record.
//  5. With --tree, descendants are signalled before their ancestors (deepest first).
//  6. Write-ahead audit: no process is ever signalled without a committed row naming it. Once a
//     target's identity is verified and before its first signal (a container: before it is
//     stopped), its intent row (outcome 'signalling') is committed; the outcome follows as a second
//     row whose intent_action_id names the intent (view cleanup_outcomes pairs them). A run whose
//     process dies between the two is resolved by the next open of the trail (Store::open:
//     'interrupted').
//  7. SIGINT or SIGTERM during execute does not end the process: no new target is signalled, no
//     SIGKILL follows the grace, every outcome known is recorded (a target still running as
//     'interrupted'), the run row is finished (interrupted = the signal) and execute returns.
#include "proctrail/cleanup.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "proctrail/paths.hpp"
#include "proctrail/procfs.hpp"
#include "proctrail/query.hpp"
#include "cleanup/interrupt.hpp"
#include "cleanup/pidfd.hpp"
#include "cleanup/terminate.hpp"
#include "common/fs_util.hpp"
#include "common/text_util.hpp"

namespace proctrail {
namespace {

using detail::current_stat;

// This process and every ancestor up to pid 1.
std::set<pid_t> self_and_ancestors() {
  std::set<pid_t> chain;
  for (pid_t pid = ::getpid(); pid > 0 && chain.insert(pid).second;) {
    auto stat = current_stat(pid);
    if (!stat) break;
    pid = stat->ppid;
  }
  return chain;
}

std::string text_of(const Cell& cell) { return cell_text(cell, ""); }
int64_t int_of(const Cell& cell) { return std::holds_alternative<int64_t>(cell) ? std::get<int64_t>(cell) : 0; }

Cell optional_cell(const std::optional<std::string>& text) { return text ? Cell{*text} : Cell{}; }
Cell optional_cell(const std::optional<int64_t>& number) { return number ? Cell{*number} : Cell{}; }

std::string selectors_why(const CleanupSelectors& s) {
  std::vector<std::string> parts;
  if (s.rule) parts.push_back("rule " + *s.rule);
  if (s.chosen) parts.push_back("chosen by the rule");
  if (s.match) parts.push_back("argv matches /" + *s.match + "/");
  if (s.orphans) parts.push_back("orphan");
  if (s.unreachable) parts.push_back("unreachable");
  if (!s.verdicts.empty()) {
    std::string names;
    for (const auto& verdict : s.verdicts) text::append_item(names, "|", verdict);
    parts.push_back("verdict " + names);
  }
  if (s.older_than_s) parts.push_back("older than " + std::to_string(*s.older_than_s) + " s");
  if (s.parent) {
    parts.push_back("child of " + std::to_string(*s.parent) +
                    (s.parent_start_ticks ? "@" + std::to_string(*s.parent_start_ticks) : std::string()));
  }
  if (s.user) parts.push_back("uid " + std::to_string(*s.user));
  if (s.from_sql) parts.push_back("from --from-sql");
  if (s.container_label) parts.push_back("label " + *s.container_label);
  if (s.creator_gone) parts.push_back("its creator exited");
  std::string why;
  for (const auto& part : parts) text::append_item(why, ", ", part);
  return why;
}

// The columns of a process target, in the order target_of reads them.
constexpr const char* kTargetColumns =
    "SELECT pid, start_ticks, start_time, age_s, rss_kb, uid, ppid, COALESCE(argv, '[' || comm || ']'), is_kernel_thread,"
    " (SELECT m.uss_kb + m.swap_kb FROM process_memory_samples m WHERE m.process_id = t.process_id"
    "   AND m.snapshot_id <= t.snapshot_id ORDER BY m.snapshot_id DESC LIMIT 1)";

CleanupTarget target_of(const std::vector<Cell>& row, std::string why) {
  CleanupTarget t;
  t.key = ProcessKey{static_cast<pid_t>(int_of(row[0])), static_cast<uint64_t>(int_of(row[1]))};
  t.start_time = text_of(row[2]);
  t.age_s = int_of(row[3]);
  t.rss_kb = int_of(row[4]);
  if (std::holds_alternative<int64_t>(row[5])) t.uid = static_cast<uid_t>(int_of(row[5]));
  t.ppid = static_cast<pid_t>(int_of(row[6]));
  t.argv = text_of(row[7]);
  t.why = std::move(why);
  if (int_of(row[8]) != 0) t.protection = "kernel thread";
  if (std::holds_alternative<int64_t>(row[9])) t.frees_kb = int_of(row[9]);
  return t;
}

// The verdicts as one comma-separated parameter; NULL when none were asked for.
Cell verdict_list(const std::vector<std::string>& verdicts) {
  if (verdicts.empty()) return Cell{};
  std::string list;
  for (const auto& verdict : verdicts) text::append_item(list, ",", verdict);
  return list;
}

// --parent as an identity: the processes row of PID@START_TICKS, or of the process with that pid
// present at the evidence snapshot. A bare pid never means a dead process whose pid was reused.
Result<int64_t> parent_row(TrailReader& trail, int64_t snapshot, const CleanupSelectors& s) {
  auto found = trail.select(
      "SELECT p.process_id FROM processes p JOIN snapshots s ON s.snapshot_id = ?1 AND p.host_id = s.host_id"
      " WHERE p.pid = ?2 AND (CASE WHEN ?3 IS NULL"
      "   THEN p.first_seen <= ?1 AND COALESCE(p.gone_by, 9223372036854775807) > ?1 ELSE p.start_ticks = ?3 END)"
      " ORDER BY p.first_seen DESC LIMIT 1",
      {snapshot, int64_t{*s.parent}, s.parent_start_ticks ? Cell{static_cast<int64_t>(*s.parent_start_ticks)} : Cell{}});
  if (!found) return found.error();
  if (found->rows.empty()) {
    if (s.parent_start_ticks) {
      return Error{"--parent: no process " + std::to_string(*s.parent) + "@" + std::to_string(*s.parent_start_ticks) +
                       " in the trail",
                   ErrorKind::not_found};
    }
    return Error{"--parent: no process with pid " + std::to_string(*s.parent) +
                     " is alive now; name one that has exited as PID@START_TICKS (query timeline --pid shows it)",
                 ErrorKind::not_found};
  }
  return int_of(found->rows.front()[0]);
}

// Targets among the evidence snapshot's processes.
Result<std::vector<CleanupTarget>> select_processes(TrailReader& trail, int64_t snapshot, const CleanupSelectors& s) {
  Cell parent;
  if (s.parent) {
    auto row = parent_row(trail, snapshot, s);
    if (!row) return row.error();
    parent = *row;
  }
  auto rows = trail.select(
      std::string(kTargetColumns) + " FROM snapshot_processes t WHERE snapshot_id = ?1"
      " AND (?2 IS NULL OR argv REGEXP ?2)"
      " AND (?3 = 0 OR process_id IN (SELECT process_id FROM snapshot_orphans WHERE snapshot_id = ?1))"
      " AND (?4 = 0 OR process_id IN (SELECT process_id FROM snapshot_reachability WHERE snapshot_id = ?1 AND verdict = 'unreachable'))"
      " AND (?5 IS NULL OR age_s >= ?5)"
      // a child now (its ppid is that process, alive at the evidence) or originally (its parent's row)
      " AND (?6 IS NULL OR parent_process_id = ?6 OR ppid = (SELECT q.pid FROM processes q WHERE q.process_id = ?6"
      "   AND q.first_seen <= ?1 AND COALESCE(q.gone_by, 9223372036854775807) > ?1))"
      " AND (?7 IS NULL OR uid = ?7)"
      " AND (?8 IS NULL OR (pid, start_ticks) IN (SELECT v.pid, v.start_ticks FROM snapshot_leak_suspects v"
      "   WHERE v.snapshot_id = ?1 AND v.kind = 'process' AND instr(',' || ?8 || ',', ',' || v.verdict || ',') > 0))"
      " ORDER BY start_ticks, pid",
      {snapshot, optional_cell(s.match), Cell{int64_t{s.orphans}}, Cell{int64_t{s.unreachable}},
       optional_cell(s.older_than_s), parent, s.user ? Cell{int64_t{*s.user}} : Cell{},
       verdict_list(s.verdicts)});
  if (!rows) return rows.error();
  std::optional<std::set<std::pair<int64_t, int64_t>>> from_sql;
  if (s.from_sql) {
    auto chosen = trail.run_sql(*s.from_sql);
    if (!chosen) return chosen.error().within("--from-sql");
    auto pid_col = std::find(chosen->columns.begin(), chosen->columns.end(), "pid");
    auto start_col = std::find(chosen->columns.begin(), chosen->columns.end(), "start_ticks");
    if (pid_col == chosen->columns.end() || start_col == chosen->columns.end()) {
      return Error{"--from-sql must return columns named pid and start_ticks", ErrorKind::bad_input};
    }
    from_sql.emplace();
    for (const auto& row : chosen->rows) {
      from_sql->emplace(int_of(row[static_cast<size_t>(pid_col - chosen->columns.begin())]),
                        int_of(row[static_cast<size_t>(start_col - chosen->columns.begin())]));
    }
  }
  std::optional<std::set<std::pair<int64_t, int64_t>>> chosen;
  if (s.chosen) {
    chosen.emplace();
    for (const auto& key : *s.chosen) chosen->emplace(key.pid, static_cast<int64_t>(key.start_ticks));
  }
  std::vector<CleanupTarget> targets;
  const std::string why = selectors_why(s);
  for (const auto& row : rows->rows) {
    if (from_sql && !from_sql->contains({int_of(row[0]), int_of(row[1])})) continue;
    if (chosen && !chosen->contains({int_of(row[0]), int_of(row[1])})) continue;
    targets.push_back(target_of(row, why));
  }
  return targets;
}

// Each process target's leak verdict at the evidence snapshot (view snapshot_leak_suspects), for the plan.
Status tag_verdicts(TrailReader& trail, int64_t snapshot, std::vector<CleanupTarget>& targets) {
  auto rows = trail.select("SELECT pid, start_ticks, verdict FROM snapshot_leak_suspects WHERE snapshot_id = ?1 AND kind = 'process'",
                           {snapshot});
  if (!rows) return rows.error();
  std::map<std::pair<int64_t, int64_t>, std::string> verdicts;
  for (const auto& row : rows->rows) verdicts.emplace(std::make_pair(int_of(row[0]), int_of(row[1])), text_of(row[2]));
  for (auto& t : targets) {
    auto found = verdicts.find({t.key.pid, static_cast<int64_t>(t.key.start_ticks)});
    if (found != verdicts.end()) t.verdict = found->second;
  }
  return ok_status();
}

// --tree: every descendant (by ppid at the evidence snapshot) of a target, deepest first.
Result<std::vector<CleanupTarget>> add_descendants(TrailReader& trail, int64_t snapshot, std::vector<CleanupTarget> targets) {
  auto rows = trail.select(
      std::string(kTargetColumns) + " FROM snapshot_processes t WHERE snapshot_id = ?1", {snapshot});
  if (!rows) return rows.error();
  std::multimap<pid_t, size_t> children;
  for (size_t i = 0; i < rows->rows.size(); ++i) children.emplace(static_cast<pid_t>(int_of(rows->rows[i][6])), i);
  std::set<pid_t> taken;
  for (const auto& t : targets) taken.insert(t.key.pid);
  std::vector<CleanupTarget> added;
  std::vector<std::pair<pid_t, int>> frontier;
  for (const auto& t : targets) frontier.emplace_back(t.key.pid, 0);
  while (!frontier.empty()) {
    auto [pid, depth] = frontier.back();
    frontier.pop_back();
    auto [begin, end] = children.equal_range(pid);
    for (auto it = begin; it != end; ++it) {
      const auto& row = rows->rows[it->second];
      pid_t child = static_cast<pid_t>(int_of(row[0]));
      if (!taken.insert(child).second) continue;
      CleanupTarget t = target_of(row, "descendant of " + std::to_string(pid) + " (--tree)");
      t.depth = depth + 1;
      added.push_back(std::move(t));
      frontier.emplace_back(child, depth + 1);
    }
  }
  for (auto& t : added) targets.push_back(std::move(t));
  std::stable_sort(targets.begin(), targets.end(), [](const CleanupTarget& a, const CleanupTarget& b) { return a.depth > b.depth; });
  return targets;
}

Result<std::vector<CleanupTarget>> select_containers(TrailReader& trail, int64_t snapshot, const CleanupSelectors& s) {
  std::optional<std::string> label_path, label_value;
  if (s.container_label) {
    auto equals = s.container_label->find('=');
    if (equals == std::string::npos || equals == 0) return Error{"--container-label wants KEY=VALUE", ErrorKind::bad_input};
    label_path = "$.\"" + s.container_label->substr(0, equals) + "\"";
    label_value = s.container_label->substr(equals + 1);
  }
  auto rows = trail.select(
      "SELECT container_id, name, image || ' ' || command, state, created_at, age_s, rss_kb, init_pid"
      " FROM container_overview WHERE snapshot_id = ?1"
      " AND (?2 IS NULL OR name REGEXP ?2 OR image REGEXP ?2 OR command REGEXP ?2)"
      " AND (?3 IS NULL OR json_extract(labels, ?3) = ?4)"
      " AND (?5 IS NULL OR age_s >= ?5)"
      " AND (state IN ('running', 'paused', 'restarting') OR ?6 = 1)"
      // the client that ran it was seen and has since exited (as view snapshot_leak_suspects judges it)
      " AND (?7 = 0 OR EXISTS (SELECT 1 FROM processes cp WHERE cp.pid = creator_pid AND cp.start_ticks = creator_start_ticks"
      "   AND cp.host_id = container_overview.host_id AND cp.gone_by IS NOT NULL AND cp.gone_by <= ?1))"
      " ORDER BY created_at_us",
      {snapshot, optional_cell(s.match), optional_cell(label_path), optional_cell(label_value), optional_cell(s.older_than_s),
       Cell{int64_t{s.remove}}, Cell{int64_t{s.creator_gone}}});
  if (!rows) return rows.error();
  std::vector<CleanupTarget> targets;
  for (const auto& row : rows->rows) {
    CleanupTarget t;
    t.kind = "container";
    t.container_id = text_of(row[0]);
    t.argv = text_of(row[1]) + " (" + text_of(row[2]) + ")";
    t.container_state = text_of(row[3]);
    t.start_time = text_of(row[4]);
    t.age_s = int_of(row[5]);
    t.rss_kb = int_of(row[6]);
    t.key.pid = static_cast<pid_t>(int_of(row[7]));
    t.why = selectors_why(s);
    targets.push_back(std::move(t));
  }
  return targets;
}

// Marks what must never be acted on, with the reason.
void protect(std::vector<CleanupTarget>& targets, const CleanupSelectors& s, int64_t began_boottime_ns, int64_t clock_ticks) {
  const auto chain = self_and_ancestors();
  const uid_t me = ::getuid();
  const bool may_cross_users = s.all_users && ::geteuid() == 0;
  for (auto& t : targets) {
    if (t.protection || t.kind != "process") continue;
    if (t.key.pid == 1) {
      t.protection = "pid 1 (init)";
    } else if (chain.contains(t.key.pid)) {
      t.protection = t.key.pid == ::getpid() ? "this cleanup itself" : "an ancestor of this cleanup";
    } else if (t.uid && *t.uid != me && !may_cross_users) {
      t.protection = "belongs to uid " + std::to_string(*t.uid) + " (--all-users, as root, to include it)";
    } else if (static_cast<int64_t>(t.key.start_ticks) * (1'000'000'000 / clock_ticks) > began_boottime_ns) {
      t.protection = "started after the cleanup began";
    }
  }
}

// The audit row of an action, stamped now.
CleanupAuditRow audit_row_of(const CleanupAction& action) {
  const auto& t = action.target;
  CleanupAuditRow row;
  row.at_us = fs::clock_us(CLOCK_REALTIME);
  row.uid = ::getuid();
  row.target_kind = t.kind;
  if (t.key.pid != 0) row.pid = t.key.pid;
  if (t.kind == "process") row.start_ticks = t.key.start_ticks;
  if (!t.container_id.empty()) row.container_id = t.container_id;
  row.argv = t.argv;
  row.selector = t.why;
  row.signal = action.signal;
  row.outcome = action.outcome;
  if (!action.detail.empty()) row.detail = action.detail;
  return row;
}

// Stops (and with --remove, removes) a container target through its engine.
CleanupAction stop_container(const DockerCollector& docker, const CleanupTarget& target, const CleanupSelectors& selectors) {
  CleanupAction action{target, selectors.remove ? "stop+remove" : "stop", "", ""};
  auto stopped = docker.stop(target.container_id, std::chrono::duration_cast<std::chrono::seconds>(selectors.grace));
  if (!stopped) {
    action.outcome = "failed";
    action.detail = stopped.error().message;
    return action;
  }
  action.outcome = *stopped;
  if (selectors.remove && *stopped != "gone") {
    auto removed = docker.remove(target.container_id);
    action.outcome = removed ? *removed : "failed";
    if (!removed) action.detail = removed.error().message;
  }
  return action;
}

bool survived(const CleanupAction& action) {
  return action.outcome == "still-running" || action.outcome == "permission-denied" || action.outcome == "failed" ||
         action.outcome == "zombie" || action.outcome == "interrupted";
}

// What a container's intent row says is about to happen.
std::string container_intent(const CleanupSelectors& selectors) {
  return "stopping through the engine (timeout " + std::to_string(selectors.grace.count()) + " ms)" +
         (selectors.remove ? ", then removing it" : "");
}

// What a process's intent row says is about to happen.
std::string process_intent(const CleanupSelectors& selectors) {
  return "SIGTERM now; SIGKILL if it still runs after the grace (" + std::to_string(selectors.grace.count()) + " ms)";
}

// After the last outcome: the cleanup-after snapshot (not when interrupted: the user wants out),
// the survivors, and the run row finished.
Status finish_run(Store& store, Recorder& recorder, CleanupReport& report) {
  if (report.interrupted_by == 0) {
    auto after = recorder.snapshot(SnapshotRequest{.trigger = "cleanup-after"});
    if (after) report.after_snapshot_id = after->snapshot_id;
  }
  report.survivors = std::count_if(report.actions.begin(), report.actions.end(), survived);
  CleanupRunEnd end{.ended_at_us = fs::clock_us(CLOCK_REALTIME),
                    .after_snapshot_id = report.after_snapshot_id,
                    .targets = static_cast<int64_t>(report.actions.size()),
                    .survivors = report.survivors};
  if (report.interrupted_by != 0) end.interrupted = detail::signal_name(report.interrupted_by);
  return store.finish_cleanup_run(report.run_id, end);
}

// An audit row could not be written: the cleanup stops there.
Error stopped_at(Error error) {
  error.message += "; nothing more was signalled";
  return error;
}

}  // namespace

bool CleanupSelectors::narrows() const {
  return match || orphans || unreachable || !verdicts.empty() || older_than_s || parent || user || from_sql || container_label ||
         chosen;
}

const std::vector<std::string>& CleanupSelectors::known_verdicts() {
  static const std::vector<std::string> verdicts = {"outlived-session", "orphaned", "abandoned", "spinning", "unreachable"};
  return verdicts;
}

std::string CleanupSelectors::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  if (rule) j["rule"] = *rule;
  if (chosen) j["chosen"] = chosen->size();
  if (match) j["match"] = *match;
  if (orphans) j["orphans"] = true;
  if (unreachable) j["unreachable"] = true;
  if (!verdicts.empty()) j["verdicts"] = verdicts;
  if (older_than_s) j["older_than_s"] = *older_than_s;
  if (parent) j["parent"] = *parent;
  if (user) j["uid"] = *user;
  if (from_sql) j["from_sql"] = *from_sql;
  if (tree) j["tree"] = true;
  if (all_users) j["all_users"] = true;
  if (containers) j["containers"] = true;
  if (container_label) j["container_label"] = *container_label;
  if (remove) j["remove"] = true;
  if (creator_gone) j["creator_gone"] = true;
  j["grace_ms"] = grace.count();
  return j.dump();
}

Cleaner::Cleaner(Store& store, Recorder& recorder, const DockerCollector* docker, Logger logger)
    : Cleaner(store, recorder, CleanerOptions{.docker = docker}, std::move(logger)) {}

Cleaner::Cleaner(Store& store, Recorder& recorder, CleanerOptions options, Logger logger)
    : store_(store), recorder_(recorder), options_(std::move(options)), logger_(or_null(std::move(logger))) {}

Result<CleanupReport> Cleaner::plan(const CleanupSelectors& selectors, const std::string& own_argv) {
  if (!selectors.narrows()) {
    return Error{"cleanup needs a selector that narrows the targets (--match, --orphans, --unreachable, --verdict,"
                 " --older-than, --parent, --user, --from-sql, --container-label)",
                 ErrorKind::bad_input};
  }
  if (selectors.containers && options_.docker == nullptr) return Error{"--containers needs the Docker daemon", ErrorKind::bad_input};
  // The evidence measures the real memory of what --match names, so the plan can say what ending it frees.
  auto evidence = take_evidence(selectors.containers ? std::nullopt : selectors.match);
  if (!evidence) return evidence.error();
  return plan_from(*evidence, selectors, own_argv);
}

Result<CleanupEvidence> Cleaner::take_evidence(std::optional<std::string> memory_match, std::string trigger) {
  CleanupEvidence taken;
  taken.began_us = fs::clock_us(CLOCK_REALTIME);
  taken.began_boottime_ns = fs::clock_ns(CLOCK_BOOTTIME);
  if (after_begin) after_begin();
  auto evidence = recorder_.snapshot(SnapshotRequest{.trigger = std::move(trigger), .memory_match = std::move(memory_match)});
  if (!evidence) return evidence.error().within("evidence snapshot failed, nothing was done");
  taken.snapshot = *evidence;
  taken.committed_us = fs::clock_us(CLOCK_REALTIME);
  return taken;
}

Result<CleanupReport> Cleaner::plan_from(const CleanupEvidence& taken, const CleanupSelectors& selectors,
                                         const std::string& own_argv) {
  if (!selectors.narrows()) return Error{"a cleanup needs a selector that narrows the targets", ErrorKind::bad_input};
  const SnapshotSummary* evidence = &taken.snapshot;
  const int64_t began_us = taken.began_us;
  const int64_t began_boottime_ns = taken.began_boottime_ns;
  if (selectors.containers && !evidence->containers_seen) {
    return Error{"cannot choose containers: " + (evidence->containers_source.empty() ? std::string("the engine was not asked")
                                                                                     : evidence->containers_source),
                 ErrorKind::unavailable};
  }
  CleanupReport report;
  report.evidence_snapshot_id = evidence->snapshot_id;
  report.evidence_hash_hex = evidence->hash_hex;
  report.evidence_committed_us = taken.committed_us;

  auto trail = TrailReader::open(store_.path());
  if (!trail) return trail.error();
  auto targets = selectors.containers ? select_containers(*trail, report.evidence_snapshot_id, selectors)
                                      : select_processes(*trail, report.evidence_snapshot_id, selectors);
  if (!targets) return targets.error();
  if (selectors.tree && !selectors.containers) {
    targets = add_descendants(*trail, report.evidence_snapshot_id, std::move(*targets));
    if (!targets) return targets.error();
  }
  if (!selectors.containers && !targets->empty()) {
    if (auto tagged = tag_verdicts(*trail, report.evidence_snapshot_id, *targets); !tagged) return tagged.error();
  }
  auto clock_ticks = trail->select("SELECT h.clock_ticks FROM snapshots s JOIN hosts h USING (host_id) WHERE s.snapshot_id = ?1",
                                   {report.evidence_snapshot_id});
  const int64_t ticks = clock_ticks && !clock_ticks->rows.empty() ? std::max<int64_t>(1, int_of(clock_ticks->rows[0][0])) : 100;
  protect(*targets, selectors, began_boottime_ns, ticks);
  report.plan = std::move(*targets);

  const auto self = current_stat(::getpid());
  auto run_id = store_.begin_cleanup_run(CleanupRunStart{.evidence_snapshot_id = report.evidence_snapshot_id,
                                                         .started_at_us = began_us,
                                                         .uid = ::getuid(),
                                                         .pid = ::getpid(),
                                                         .start_ticks = self ? std::optional<uint64_t>(self->starttime) : std::nullopt,
                                                         .argv = own_argv,
                                                         .selectors = selectors.to_json()});
  if (!run_id) return run_id.error();
  report.run_id = *run_id;
  return report;
}

Result<CleanupReport> Cleaner::execute(CleanupReport report, const CleanupSelectors& selectors) {
  detail::InterruptGuard interrupt(options_.interrupt_signals);
  if (auto live = store_.mark_cleanup_run_live(report.run_id); !live) {
    auto error = live.error();
    error.message += "; nothing was signalled";
    return error;
  }
  if (before_signals) before_signals(report);
  std::map<size_t, int64_t> intents;  // plan index → its intent row's action_id
  auto record = [&](size_t i, CleanupAction action) -> Status {
    auto row = audit_row_of(action);
    if (auto intent = intents.find(i); intent != intents.end()) row.intent_action_id = intent->second;
    if (auto written = store_.record_cleanup_action(report.run_id, report.evidence_snapshot_id, row); !written) {
      return written.error();
    }
    report.actions.push_back(std::move(action));
    return ok_status();
  };
  auto record_intent = [&](size_t i, std::string signal, std::string words) -> Status {
    auto written = store_.record_cleanup_action(report.run_id, report.evidence_snapshot_id,
                                                audit_row_of({report.plan[i], std::move(signal), "signalling", std::move(words)}));
    if (!written) return written.error();
    intents[i] = *written;
    return ok_status();
  };
  detail::Terminator terminator(
      {.grace = selectors.grace, .proc_root = options_.proc_root, .stop_fd = interrupt.fd()},
      [&](const detail::TargetOutcome& ended) {
        return record(ended.index, {report.plan[ended.index], ended.signal, std::string(detail::termination_name(ended.outcome)),
                                    ended.detail});
      },
      [&](size_t i, const ProcessKey&) { return record_intent(i, "TERM", process_intent(selectors)); });
  auto act = [&](size_t i) -> Status {
    const auto& target = report.plan[i];
    if (target.protection) return record(i, {target, "none", "protected", *target.protection});
    if (const int signal = interrupt.signal(); signal != 0) {
      return record(i, {target, "none", "interrupted",
                        "not signalled: the cleanup was interrupted (" + detail::signal_name(signal) + ") before it reached this target"});
    }
    if (target.kind == "process") return terminator.signal(i, target.key);
    if (auto told = record_intent(i, selectors.remove ? "stop+remove" : "stop", container_intent(selectors)); !told) return told;
    return record(i, stop_container(*options_.docker, target, selectors));
  };
  for (size_t i = 0; i < report.plan.size(); ++i) {
    if (auto done = act(i); !done) return stopped_at(done.error());
  }
  if (auto ended = terminator.finish(); !ended) return stopped_at(ended.error());

  report.interrupted_by = interrupt.signal();
  if (auto finished = finish_run(store_, recorder_, report); !finished) return finished.error();
  return report;
}

Status write_evidence_file(const std::filesystem::path& trail_path, const CleanupReport& report, const std::filesystem::path& out) {
  auto trail = TrailReader::open(trail_path);
  if (!trail) return trail.error();
  nlohmann::json doc;
  doc["evidence_snapshot_id"] = report.evidence_snapshot_id;
  doc["evidence_snapshot_hash"] = report.evidence_hash_hex;
  doc["targets"] = nlohmann::json::array();
  for (const auto& t : report.plan) {
    nlohmann::json target = {{"kind", t.kind}, {"pid", t.key.pid}, {"start_ticks", t.key.start_ticks},
                             {"start_time", t.start_time}, {"age_s", t.age_s}, {"rss_kb", t.rss_kb},
                             {"frees_kb", t.frees_kb ? nlohmann::json(*t.frees_kb) : nlohmann::json()},
                             {"verdict", t.verdict ? nlohmann::json(*t.verdict) : nlohmann::json()}, {"argv", t.argv},
                             {"why", t.why}, {"protected", t.protection ? nlohmann::json(*t.protection) : nlohmann::json(nullptr)}};
    if (t.kind == "container") target["container_id"] = t.container_id;
    if (t.kind == "process") {
      Cell pid{int64_t{t.key.pid}}, start{static_cast<int64_t>(t.key.start_ticks)}, snapshot{report.evidence_snapshot_id};
      if (auto fds = trail->select("SELECT fd, kind, inode, mode, target FROM snapshot_fds WHERE snapshot_id = ?1 AND pid = ?2"
                                   " AND start_ticks = ?3 ORDER BY fd", {snapshot, pid, start})) {
        target["descriptors"] = to_json(*fds);
      }
      if (auto peers = query_peers(*trail, report.evidence_snapshot_id, t.key.pid, static_cast<int64_t>(t.key.start_ticks))) {
        target["peers"] = to_json(*peers);
      }
      if (auto parent = trail->select("SELECT p.parent_pid AS pid, p.parent_start_ticks AS start_ticks, q.argv, p.ppid AS ppid_now"
                                      " FROM snapshot_processes p LEFT JOIN processes q ON q.process_id = p.parent_process_id"
                                      " WHERE p.snapshot_id = ?1 AND p.pid = ?2 AND p.start_ticks = ?3", {snapshot, pid, start})) {
        auto parents = to_json(*parent);
        target["parent"] = parents.empty() ? nlohmann::json(nullptr) : parents.front();
      }
    }
    doc["targets"].push_back(std::move(target));
  }
  if (auto written = write_private_file(out, doc.dump(2) + "\n"); !written) return written.error().within("--evidence-out");
  return ok_status();
}

}  // namespace proctrail
