// Evidence-first cleanup.
//
// Design notes (invariants):
//  1. Nothing is signalled before the cleanup-evidence snapshot has committed; every target is a
//     row of that snapshot, chosen by SQL over it. If the snapshot fails, nothing is acted on.
//  2. A signal goes only through a pidfd opened *before* the target's start time is re-read and
//     found equal to the evidence: a pid that was reused is never signalled (identity-mismatch).
//  3. Protected targets (pid 1, this process and its ancestors, kernel threads, other users'
//     processes without --all-users as root, anything started after the cleanup began) are shown
//     in the plan with the reason and never acted on; a run that acts audits each of them as
//     signal none, outcome protected, so the trail shows what was declined and why.
//  4. Each action row is written, hash-chained to the previous action, in its own transaction as
//     soon as its outcome is known, so a crash mid-cleanup keeps every action already taken.
//  5. With --tree, descendants are signalled before their ancestors (deepest first).
#include "proctrail/cleanup.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "proctrail/procfs.hpp"
#include "proctrail/query.hpp"
#include "recorder/store/digest.hpp"
#include "common/fs_util.hpp"
#include "cleanup/pidfd.hpp"
#include "recorder/store/sqlite_util.hpp"
#include "recorder/store/trail_error.hpp"
#include "common/text_util.hpp"

namespace proctrail {
namespace {

using detail::current_stat;
using detail::pidfd_open;
using detail::pidfd_send_signal;

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
  if (s.match) parts.push_back("argv matches /" + *s.match + "/");
  if (s.orphans) parts.push_back("orphan");
  if (s.unreachable) parts.push_back("unreachable");
  if (s.older_than_s) parts.push_back("older than " + std::to_string(*s.older_than_s) + " s");
  if (s.parent) parts.push_back("child of " + std::to_string(*s.parent));
  if (s.user) parts.push_back("uid " + std::to_string(*s.user));
  if (s.from_sql) parts.push_back("from --from-sql");
  if (s.container_label) parts.push_back("label " + *s.container_label);
  std::string why;
  for (const auto& part : parts) text::append_item(why, ", ", part);
  return why;
}

// The columns of a process target, in the order target_of reads them.
constexpr const char* kTargetColumns =
    "SELECT pid, start_ticks, start_time, age_s, rss_kb, uid, ppid, COALESCE(argv, '[' || comm || ']'), is_kernel_thread";

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
  return t;
}

// Targets among the evidence snapshot's processes.
Result<std::vector<CleanupTarget>> select_processes(TrailReader& trail, int64_t snapshot, const CleanupSelectors& s) {
  auto rows = trail.select(
      std::string(kTargetColumns) + " FROM snapshot_processes WHERE snapshot_id = ?1"
      " AND (?2 IS NULL OR argv REGEXP ?2)"
      " AND (?3 = 0 OR process_id IN (SELECT process_id FROM snapshot_orphans WHERE snapshot_id = ?1))"
      " AND (?4 = 0 OR process_id IN (SELECT process_id FROM snapshot_reachability WHERE snapshot_id = ?1 AND verdict = 'orphaned'))"
      " AND (?5 IS NULL OR age_s >= ?5)"
      " AND (?6 IS NULL OR ppid = ?6 OR parent_pid = ?6)"
      " AND (?7 IS NULL OR uid = ?7)"
      " ORDER BY start_ticks, pid",
      {snapshot, optional_cell(s.match), Cell{int64_t{s.orphans}}, Cell{int64_t{s.unreachable}},
       optional_cell(s.older_than_s), s.parent ? Cell{int64_t{*s.parent}} : Cell{}, s.user ? Cell{int64_t{*s.user}} : Cell{}});
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
  std::vector<CleanupTarget> targets;
  const std::string why = selectors_why(s);
  for (const auto& row : rows->rows) {
    if (from_sql && !from_sql->contains({int_of(row[0]), int_of(row[1])})) continue;
    targets.push_back(target_of(row, why));
  }
  return targets;
}

// --tree: every descendant (by ppid at the evidence snapshot) of a target, deepest first.
Result<std::vector<CleanupTarget>> add_descendants(TrailReader& trail, int64_t snapshot, std::vector<CleanupTarget> targets) {
  auto rows = trail.select(
      std::string(kTargetColumns) + " FROM snapshot_processes WHERE snapshot_id = ?1", {snapshot});
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
      " ORDER BY created_at_us",
      {snapshot, optional_cell(s.match), optional_cell(label_path), optional_cell(label_value), optional_cell(s.older_than_s),
       Cell{int64_t{s.remove}}});
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

// The audit trail: one row per action, hash-chained, each in its own transaction.
class AuditWriter {
 public:
  AuditWriter(SQLite::Database& db, int64_t run_id, int64_t evidence) : db_(db), run_id_(run_id), evidence_(evidence) {}

  void write(const CleanupAction& action, const std::string& selector) {
    SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
    const std::optional<std::string> prev = detail::last_chain_hash(db_, "cleanup_actions", "action_id");
    SQLite::Statement insert(db_,
        "INSERT INTO cleanup_actions (run_id, at_us, uid, evidence_snapshot_id, target_kind, pid, start_ticks, container_id,"
        " argv, selector, signal, outcome, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, x'')");
    const auto& t = action.target;
    insert.bind(1, run_id_);
    insert.bind(2, fs::clock_us(CLOCK_REALTIME));
    insert.bind(3, static_cast<int64_t>(::getuid()));
    insert.bind(4, evidence_);
    insert.bind(5, t.kind);
    if (t.key.pid != 0) insert.bind(6, t.key.pid);
    if (t.kind == "process") insert.bind(7, static_cast<int64_t>(t.key.start_ticks));
    if (!t.container_id.empty()) insert.bind(8, t.container_id);
    insert.bind(9, t.argv);
    insert.bind(10, selector);
    insert.bind(11, action.signal);
    insert.bind(12, action.outcome);
    if (!action.detail.empty()) insert.bind(13, action.detail);
    if (prev) insert.bind(14, prev->data(), static_cast<int>(prev->size()));
    insert.exec();
    const int64_t id = db_.getLastInsertRowid();
    std::string hash = digest::action_hash(db_, id);
    SQLite::Statement seal(db_, "UPDATE cleanup_actions SET hash = ?1 WHERE action_id = ?2");
    seal.bind(1, hash.data(), static_cast<int>(hash.size()));
    seal.bind(2, id);
    seal.exec();
    transaction.commit();
  }

 private:
  SQLite::Database& db_;
  int64_t run_id_;
  int64_t evidence_;
};

// One process target in flight.
struct InFlight {
  size_t index = 0;  // into report.plan
  int pidfd = -1;
  std::string signal = "TERM";
};

std::vector<bool> wait_exits(const std::vector<InFlight>& flights, std::chrono::milliseconds limit) {
  std::vector<int> pidfds;
  for (const auto& flight : flights) pidfds.push_back(flight.pidfd);
  return detail::wait_exits(pidfds, limit);
}

}  // namespace

bool CleanupSelectors::narrows() const {
  return match || orphans || unreachable || older_than_s || parent || user || from_sql || container_label;
}

std::string CleanupSelectors::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  if (match) j["match"] = *match;
  if (orphans) j["orphans"] = true;
  if (unreachable) j["unreachable"] = true;
  if (older_than_s) j["older_than_s"] = *older_than_s;
  if (parent) j["parent"] = *parent;
  if (user) j["uid"] = *user;
  if (from_sql) j["from_sql"] = *from_sql;
  if (tree) j["tree"] = true;
  if (all_users) j["all_users"] = true;
  if (containers) j["containers"] = true;
  if (container_label) j["container_label"] = *container_label;
  if (remove) j["remove"] = true;
  j["grace_ms"] = grace.count();
  return j.dump();
}

Cleaner::Cleaner(Store& store, Recorder& recorder, const DockerCollector* docker, Logger logger)
    : store_(store), recorder_(recorder), docker_(docker), logger_(or_null(std::move(logger))) {}

Result<CleanupReport> Cleaner::plan(const CleanupSelectors& selectors, const std::string& own_argv) {
  if (!selectors.narrows()) {
    return Error{"cleanup needs a selector that narrows the targets (--match, --orphans, --unreachable, --older-than,"
                 " --parent, --user, --from-sql, --container-label)",
                 ErrorKind::bad_input};
  }
  if (selectors.containers && docker_ == nullptr) return Error{"--containers needs the Docker daemon", ErrorKind::bad_input};
  const int64_t began_us = fs::clock_us(CLOCK_REALTIME);
  const int64_t began_boottime_ns = fs::clock_ns(CLOCK_BOOTTIME);
  if (after_begin) after_begin();
  auto evidence = recorder_.snapshot(SnapshotRequest{.trigger = "cleanup-evidence"});
  if (!evidence) return evidence.error().within("evidence snapshot failed, nothing was done");
  if (selectors.containers && !evidence->containers_seen) {
    return Error{"cannot choose containers: " + (evidence->containers_source.empty() ? std::string("the engine was not asked")
                                                                                     : evidence->containers_source),
                 ErrorKind::unavailable};
  }
  CleanupReport report;
  report.evidence_snapshot_id = evidence->snapshot_id;
  report.evidence_hash_hex = evidence->hash_hex;
  report.evidence_committed_us = fs::clock_us(CLOCK_REALTIME);

  auto trail = TrailReader::open(store_.path());
  if (!trail) return trail.error();
  auto targets = selectors.containers ? select_containers(*trail, report.evidence_snapshot_id, selectors)
                                      : select_processes(*trail, report.evidence_snapshot_id, selectors);
  if (!targets) return targets.error();
  if (selectors.tree && !selectors.containers) {
    targets = add_descendants(*trail, report.evidence_snapshot_id, std::move(*targets));
    if (!targets) return targets.error();
  }
  auto clock_ticks = trail->select("SELECT h.clock_ticks FROM snapshots s JOIN hosts h USING (host_id) WHERE s.snapshot_id = ?1",
                                   {report.evidence_snapshot_id});
  const int64_t ticks = clock_ticks && !clock_ticks->rows.empty() ? std::max<int64_t>(1, int_of(clock_ticks->rows[0][0])) : 100;
  protect(*targets, selectors, began_boottime_ns, ticks);
  report.plan = std::move(*targets);

  auto& db = store_.database();
  SQLite::Statement run(db,
      "INSERT INTO cleanup_runs (host_id, started_at_us, uid, pid, argv, selectors, dry_run, evidence_snapshot_id)"
      " SELECT host_id, ?1, ?2, ?3, ?4, ?5, 1, snapshot_id FROM snapshots WHERE snapshot_id = ?6");
  run.bind(1, began_us);
  run.bind(2, static_cast<int64_t>(::getuid()));
  run.bind(3, ::getpid());
  run.bind(4, own_argv);
  run.bind(5, selectors.to_json());
  run.bind(6, report.evidence_snapshot_id);
  run.exec();
  report.run_id = db.getLastInsertRowid();
  return report;
}

Result<CleanupReport> Cleaner::execute(CleanupReport report, const CleanupSelectors& selectors) {
  auto& db = store_.database();
  try {
    SQLite::Statement live(db, "UPDATE cleanup_runs SET dry_run = 0 WHERE run_id = ?1");
    live.bind(1, report.run_id);
    live.exec();
    if (before_signals) before_signals(report);
    AuditWriter audit(db, report.run_id, report.evidence_snapshot_id);
    auto record = [&](CleanupAction action) {
      audit.write(action, action.target.why);
      report.actions.push_back(std::move(action));
    };

    std::vector<InFlight> flights;
    for (size_t i = 0; i < report.plan.size(); ++i) {
      const auto& target = report.plan[i];
      if (target.protection) {
        record({target, "none", "protected", *target.protection});
        continue;
      }
      if (target.kind == "container") {
        CleanupAction action{target, selectors.remove ? "stop+remove" : "stop", "", ""};
        auto stopped = docker_->stop(target.container_id, std::chrono::duration_cast<std::chrono::seconds>(selectors.grace));
        if (!stopped) {
          action.outcome = "failed";
          action.detail = stopped.error().message;
        } else {
          action.outcome = *stopped;
          if (selectors.remove && *stopped != "gone") {
            auto removed = docker_->remove(target.container_id);
            action.outcome = removed ? *removed : "failed";
            if (!removed) action.detail = removed.error().message;
          }
        }
        record(std::move(action));
        continue;
      }
      // Identity first: the pidfd pins whatever process has the pid now; only if its start time is
      // the evidence's is that process the target.
      int pidfd = pidfd_open(target.key.pid);
      if (pidfd < 0) {
        record({target, "none", errno == ESRCH ? "gone" : "failed", errno == ESRCH ? "exited before the action" : std::strerror(errno)});
        continue;
      }
      auto now = current_stat(target.key.pid);
      if (!now || now->starttime != target.key.start_ticks) {
        ::close(pidfd);
        record({target, "none", now ? "identity-mismatch" : "gone",
                now ? "pid " + std::to_string(target.key.pid) + " now belongs to a process started at tick " +
                          std::to_string(now->starttime) + "; it was not touched"
                    : "exited before the action"});
        continue;
      }
      if (now->state == 'Z') {
        ::close(pidfd);
        auto parent = current_stat(now->ppid);
        record({target, "none", "zombie",
                "already exited; its parent " + std::to_string(now->ppid) + " (" + (parent ? parent->comm : "?") +
                    ") has not reaped it"});
        continue;
      }
      if (pidfd_send_signal(pidfd, SIGTERM) != 0) {
        int error = errno;
        ::close(pidfd);
        record({target, "TERM", error == EPERM ? "permission-denied" : error == ESRCH ? "gone" : "failed", std::strerror(error)});
        continue;
      }
      flights.push_back(InFlight{i, pidfd, "TERM"});
    }

    auto exited = wait_exits(flights, selectors.grace);
    std::vector<InFlight> stubborn;
    for (size_t k = 0; k < flights.size(); ++k) {
      if (exited[k]) {
        ::close(flights[k].pidfd);
        record({report.plan[flights[k].index], "TERM", "exited", ""});
        continue;
      }
      if (pidfd_send_signal(flights[k].pidfd, SIGKILL) != 0 && errno != ESRCH) {
        int error = errno;
        ::close(flights[k].pidfd);
        record({report.plan[flights[k].index], "TERM+KILL", error == EPERM ? "permission-denied" : "failed", std::strerror(error)});
        continue;
      }
      stubborn.push_back(InFlight{flights[k].index, flights[k].pidfd, "TERM+KILL"});
    }
    auto killed = wait_exits(stubborn, std::chrono::seconds(5));
    for (size_t k = 0; k < stubborn.size(); ++k) {
      ::close(stubborn[k].pidfd);
      record({report.plan[stubborn[k].index], "TERM+KILL", killed[k] ? "killed" : "still-running",
              killed[k] ? "ignored SIGTERM for the grace period" : "still running 5 s after SIGKILL"});
    }

    auto after = recorder_.snapshot(SnapshotRequest{.trigger = "cleanup-after"});
    if (after) report.after_snapshot_id = after->snapshot_id;
    for (const auto& action : report.actions) {
      if (action.outcome == "still-running" || action.outcome == "permission-denied" || action.outcome == "failed" ||
          action.outcome == "zombie") {
        ++report.survivors;
      }
    }
    SQLite::Statement finish(db,
        "UPDATE cleanup_runs SET ended_at_us = ?1, after_snapshot_id = ?2, targets = ?3, survivors = ?4 WHERE run_id = ?5");
    finish.bind(1, fs::clock_us(CLOCK_REALTIME));
    if (report.after_snapshot_id) finish.bind(2, *report.after_snapshot_id);
    finish.bind(3, static_cast<int64_t>(report.actions.size()));
    finish.bind(4, report.survivors);
    finish.bind(5, report.run_id);
    finish.exec();
    return report;
  } catch (const SQLite::Exception& e) {
    return Error{std::string("writing the audit trail: ") + e.what(), detail::sqlite_error_kind(e.getErrorCode())};
  }
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
                             {"start_time", t.start_time}, {"age_s", t.age_s}, {"rss_kb", t.rss_kb}, {"argv", t.argv},
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
  std::ofstream file(out, std::ios::trunc);
  if (!file) return Error{"--evidence-out: cannot write " + out.string()};
  file << doc.dump(2) << '\n';
  if (!file) return Error{"--evidence-out: writing " + out.string() + " failed"};
  return ok_status();
}

}  // namespace proctrail
