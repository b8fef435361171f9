// Cleanup against real processes started here (each stopped by its pid if the test did not end it).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/cleanup.hpp"
#include "proctrail/guard.hpp"
#include "proctrail/policy.hpp"
#include "proctrail/query.hpp"
#include "tests/support/child.hpp"
#include "tests/support/rows.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;
using test::eventually;

bool alive(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == 0; }

std::string unique_tag() { return std::to_string(::getpid()) + "-" + std::to_string(::time(nullptr)); }

class Cleanup : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::optional<Store> store;
  ProcfsCollector collector{ProcfsOptions{.exclude_pid = ::getpid()}};
  SocketCollector sockets;
  std::optional<Recorder> recorder;
  const std::string tag = unique_tag();

  void SetUp() override {
    auto opened = Store::open(tmp / "trail.db");
    ASSERT_TRUE(opened) << opened.error().message;
    store.emplace(std::move(opened.value()));
    recorder.emplace(*store, collector, &sockets);
  }
  // A `sleep` whose argv is unique to this test run.
  Child sleeper(const std::string& name) {
    return Child({"bash", "-c", "exec -a 'proctrail-test-" + name + "-" + tag + "' sleep 1000"});
  }
  void wait_for_argv(pid_t pid, const std::string& prefix) {
    ASSERT_TRUE(eventually([&] {
      std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
      return std::string(std::istreambuf_iterator<char>(in), {}).starts_with(prefix);
    }));
  }
  // Each target's final outcome (view cleanup_outcomes); with `from` "cleanup_actions", every row
  // (a signalled target's intent, then its outcome).
  std::vector<std::string> audit(const std::string& columns, const std::string& from = "cleanup_outcomes") {
    SQLite::Statement q(store->database(), "SELECT " + columns + " FROM " + from + " ORDER BY action_id");
    std::vector<std::string> rows;
    while (q.executeStep()) {
      std::string row;
      for (int i = 0; i < q.getColumnCount(); ++i) {
        if (i > 0) row += '|';
        row += q.getColumn(i).isNull() ? std::string("NULL") : q.getColumn(i).getString();
      }
      rows.push_back(row);
    }
    return rows;
  }
  CleanupSelectors matching(const std::string& regex) {
    CleanupSelectors s;
    s.match = regex;
    s.grace = std::chrono::milliseconds(2000);
    return s;
  }
};

TEST_F(Cleanup, DryRunSignalsNothing) {
  Child target = sleeper("dry");
  wait_for_argv(target.pid(), "proctrail-test-dry");
  Cleaner cleaner(*store, *recorder);
  auto plan = cleaner.plan(matching("^proctrail-test-dry-" + tag), "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 1u);
  EXPECT_EQ(plan->plan[0].key.pid, target.pid());
  EXPECT_FALSE(plan->plan[0].protection);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(alive(target.pid()));
  EXPECT_TRUE(audit("action_id").empty());
}

TEST_F(Cleanup, YesEndsTheMatchingOnesAndOnlyThose) {
  Child first = sleeper("end");
  Child second = sleeper("end");
  Child bystander = sleeper("keep");
  wait_for_argv(bystander.pid(), "proctrail-test-keep");
  wait_for_argv(second.pid(), "proctrail-test-end");
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching("^proctrail-test-end-" + tag);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 2u);
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->survivors, 0);
  EXPECT_EQ(first.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
  EXPECT_EQ(second.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
  EXPECT_TRUE(alive(bystander.pid()));
  auto rows = audit("pid, signal, outcome");  // in the order the exits were seen
  std::sort(rows.begin(), rows.end());
  std::vector<std::string> expected{std::to_string(first.pid()) + "|TERM|exited", std::to_string(second.pid()) + "|TERM|exited"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rows, expected);
  EXPECT_TRUE(done->after_snapshot_id);
  auto verified = store->verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact()) << verified->action_problem;
}

TEST_F(Cleanup, ProcessThatIgnoresTermIsKilledAfterTheGrace) {
  Child stubborn({"bash", "-c", "trap '' TERM; exec -a proctrail-test-stubborn-" + tag + " sleep 1000"});
  wait_for_argv(stubborn.pid(), "proctrail-test-stubborn");
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching("^proctrail-test-stubborn-" + tag);
  selectors.grace = std::chrono::milliseconds(300);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(stubborn.wait_for(std::chrono::seconds(5)), 128 + SIGKILL);
  EXPECT_EQ(audit("signal, outcome"), std::vector<std::string>{"TERM+KILL|killed"});
}

// The PID of a target is taken by a new process between the evidence and the action: the new
// process is not touched and the audit row says identity-mismatch.
TEST_F(Cleanup, ReusedPidIsNeverSignalledAndIsRecordedAsIdentityMismatch) {
  if (::geteuid() != 0 || ::access("/proc/sys/kernel/ns_last_pid", W_OK) != 0) GTEST_SKIP() << "needs root (ns_last_pid)";
  auto target = std::make_unique<Child>(std::vector<std::string>{"bash", "-c", "exec -a proctrail-test-reuse-" + tag + " sleep 1000"});
  const pid_t pid = target->pid();
  wait_for_argv(pid, "proctrail-test-reuse");
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching("^proctrail-test-reuse-" + tag);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 1u);
  std::unique_ptr<Child> newcomer;
  cleaner.before_signals = [&](const CleanupReport&) {
    target->kill_and_wait();  // the target exits and is reaped: its pid is free
    for (int attempt = 0; attempt < 200 && !newcomer; ++attempt) {
      std::ofstream("/proc/sys/kernel/ns_last_pid") << (pid - 1);
      auto candidate = std::make_unique<Child>(std::vector<std::string>{"sleep", "1000"});
      if (candidate->pid() == pid) newcomer = std::move(candidate);
    }
  };
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done) << done.error().message;
  ASSERT_TRUE(newcomer) << "could not get pid " << pid << " reused";
  EXPECT_TRUE(alive(newcomer->pid()));
  EXPECT_EQ(audit("pid, signal, outcome"), std::vector<std::string>{std::to_string(pid) + "|none|identity-mismatch"});
}

TEST_F(Cleanup, ProtectedProcessesAreShownWithTheirReasonAndNeverActedOn) {
  Cleaner cleaner(*store, *recorder);
  CleanupSelectors selectors;
  selectors.from_sql = "SELECT pid, start_ticks FROM snapshot_processes WHERE snapshot_id = (SELECT max(snapshot_id) FROM snapshots)"
                       " AND (pid = 1 OR pid = " + std::to_string(::getppid()) + ")";
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 2u);
  for (const auto& target : plan->plan) {
    ASSERT_TRUE(target.protection) << target.key.pid;
    EXPECT_EQ(*target.protection, target.key.pid == 1 ? "pid 1 (init)" : "an ancestor of this cleanup");
  }
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->actions.size(), 2u);
  for (const auto& action : done->actions) {
    EXPECT_EQ(action.signal, "none") << "a protected target was signalled";
    EXPECT_EQ(action.outcome, "protected");
  }
  EXPECT_EQ(audit("signal, outcome"), (std::vector<std::string>{"none|protected", "none|protected"}))
      << "what was declined is audited";
}

TEST_F(Cleanup, AnotherUsersProcessIsProtectedUnlessAllUsersAsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a process as another user";
  Child other({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", "-c",
               "exec -a proctrail-test-other-" + tag + " sleep 1000"});
  wait_for_argv(other.pid(), "proctrail-test-other");
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching("^proctrail-test-other-" + tag);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 1u);
  ASSERT_TRUE(plan->plan[0].protection);
  EXPECT_EQ(*plan->plan[0].protection, "belongs to uid 65534 (--all-users, as root, to include it)");
  ASSERT_TRUE(cleaner.execute(std::move(*plan), selectors));
  EXPECT_TRUE(alive(other.pid()));
  selectors.all_users = true;
  auto with_all = cleaner.plan(selectors, "test");
  ASSERT_TRUE(with_all) << with_all.error().message;
  ASSERT_EQ(with_all->plan.size(), 1u);
  EXPECT_FALSE(with_all->plan[0].protection);
}

TEST_F(Cleanup, ProcessStartedAfterTheCleanupBeganIsProtected) {
  Child early = sleeper("late");
  wait_for_argv(early.pid(), "proctrail-test-late");
  std::unique_ptr<Child> latecomer;
  Cleaner cleaner(*store, *recorder);
  cleaner.after_begin = [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // a whole clock tick after the start
    latecomer = std::make_unique<Child>(std::vector<std::string>{"bash", "-c", "exec -a 'proctrail-test-late-" + tag + "' sleep 1000"});
    wait_for_argv(latecomer->pid(), "proctrail-test-late");
  };
  auto plan = cleaner.plan(matching("^proctrail-test-late-" + tag), "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 2u);
  for (const auto& target : plan->plan) {
    if (target.key.pid == early.pid()) {
      EXPECT_FALSE(target.protection);
    } else {
      EXPECT_EQ(target.key.pid, latecomer->pid());
      ASSERT_TRUE(target.protection);
      EXPECT_EQ(*target.protection, "started after the cleanup began");
    }
  }
}

TEST_F(Cleanup, EvidenceIsCommittedBeforeTheFirstSignal) {
  Child target = sleeper("evidence");
  wait_for_argv(target.pid(), "proctrail-test-evidence");
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching("^proctrail-test-evidence-" + tag);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  bool seen_by_another_connection = false, alive_at_that_moment = false;
  cleaner.before_signals = [&](const CleanupReport& report) {
    auto trail = TrailReader::open(tmp / "trail.db");  // a separate connection sees only committed data
    ASSERT_TRUE(trail);
    auto rows = trail->select("SELECT count(*) FROM snapshot_processes WHERE snapshot_id = ?1 AND pid = ?2",
                              {report.evidence_snapshot_id, int64_t{target.pid()}});
    seen_by_another_connection = rows && std::get<int64_t>(rows->rows[0][0]) == 1;
    alive_at_that_moment = alive(target.pid());
  };
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_TRUE(seen_by_another_connection);
  EXPECT_TRUE(alive_at_that_moment);
  EXPECT_EQ(target.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
}

TEST_F(Cleanup, TreeEndsChildrenBeforeTheirParent) {
  Child parent({"bash", "-c", "exec -a proctrail-test-tree-" + tag + " sh -c 'sleep 1001 & sleep 1002 & wait'"});
  // Both children exist (the kernel lists them in task/PID/children) before the evidence is taken;
  // waiting for any one of them made the plan miss the other under load.
  const std::string children = "/proc/" + std::to_string(parent.pid()) + "/task/" + std::to_string(parent.pid()) + "/children";
  ASSERT_TRUE(eventually([&] {
    std::ifstream in(children);
    std::string first, second;
    return static_cast<bool>(in >> first >> second);
  }));
  ASSERT_TRUE(eventually([&] {  // and each has exec'd sleep (not still a bash fork)
    std::ifstream in(children);
    std::string pid;
    int sleeping = 0;
    while (in >> pid) {
      std::ifstream cmdline("/proc/" + pid + "/cmdline");
      sleeping += std::string(std::istreambuf_iterator<char>(cmdline), {}).starts_with("sleep") ? 1 : 0;
    }
    return sleeping == 2;
  }));
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching("^proctrail-test-tree-" + tag);
  selectors.tree = true;
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 3u);
  EXPECT_EQ(plan->plan.back().key.pid, parent.pid());  // the parent last
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done) << done.error().message;
  // Each intent row is committed just before its target's signal, so the intents' order is the
  // signals' order: the parent's comes after its children's. Unless sh ended on its own when its
  // children did: then it was never signalled, has no intent, and its row says zombie or gone.
  // (Outcome rows follow the order the exits were seen in, which says nothing of the signals.)
  const std::string parent_pid = std::to_string(parent.pid());
  const auto intents = audit("pid", "cleanup_actions WHERE outcome = 'signalling'");
  const auto rows = audit("pid, signal, outcome");
  ASSERT_EQ(rows.size(), 3u);
  const bool signalled_last = intents.size() == 3 && intents.back() == parent_pid;
  const bool ended_with_its_children = std::any_of(rows.begin(), rows.end(), [&](const std::string& row) {
    return row == parent_pid + "|none|zombie" || row == parent_pid + "|none|gone";
  });
  EXPECT_TRUE(signalled_last || ended_with_its_children) << rows[0] << "; " << rows[1] << "; " << rows[2];
  EXPECT_NE(parent.wait_for(std::chrono::seconds(5)), -1);
}

TEST_F(Cleanup, EditedOrDeletedAuditRowsFailVerifyAtThatRow) {
  Child a = sleeper("audit");
  Child b = sleeper("audit");
  Child c = sleeper("audit");
  wait_for_argv(c.pid(), "proctrail-test-audit");
  wait_for_argv(b.pid(), "proctrail-test-audit");
  wait_for_argv(a.pid(), "proctrail-test-audit");
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching("^proctrail-test-audit-" + tag);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan);
  ASSERT_TRUE(cleaner.execute(std::move(*plan), selectors));
  auto& db = store->database();
  const std::string outcome = db.execAndGet("SELECT outcome FROM cleanup_actions WHERE action_id = 2").getString();
  db.exec("UPDATE cleanup_actions SET outcome = 'still-running' WHERE action_id = 2");
  auto edited = store->verify();
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->first_bad_action, 2);
  db.exec("UPDATE cleanup_actions SET outcome = '" + outcome + "' WHERE action_id = 2");
  ASSERT_TRUE(store->verify()->intact());
  // Rows 1-3 are the intents, 4-6 their outcomes (an intent cannot be deleted while its outcome
  // names it: the foreign key refuses).
  db.exec("DELETE FROM cleanup_actions WHERE action_id = 5");
  auto deleted = store->verify();
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->first_bad_action, 6);
  db.exec("UPDATE snapshots SET tag = 'edited' WHERE snapshot_id = 1");
  EXPECT_EQ(store->verify()->first_bad_snapshot, 1);
}

TEST_F(Cleanup, ContainersCannotBeChosenWhenTheEngineIsUnavailable) {
  DockerCollector docker(DockerOptions{.socket_path = (tmp / "nowhere.sock").string()});
  recorder->set_containers(&docker);
  Cleaner cleaner(*store, *recorder, &docker);
  CleanupSelectors selectors;
  selectors.containers = true;
  selectors.container_label = "a=b";
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("no socket"), std::string::npos) << plan.error().message;
}

TEST_F(Cleanup, WithoutANarrowingSelectorNothingIsPlanned) {
  Cleaner cleaner(*store, *recorder);
  CleanupSelectors everything;
  everything.tree = true;
  auto plan = cleaner.plan(everything, "test");
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("selector"), std::string::npos);
}


// Writes PID's stat into fake_proc/PID/stat with (22) starttime moved `later` ticks on: under that
// root the pid belongs to another process. Returns the real start ticks.
uint64_t copy_stat_started_later(pid_t target, const test::TempDir& fake_proc, uint64_t later) {
  const std::string pid = std::to_string(target);
  std::string stat = test::read_all("/proc/" + pid + "/stat");
  size_t at = stat.rfind(')') + 1;  // field 22, starttime, is the 20th after comm's ")"
  for (int field = 0; field < 20; ++field) at = stat.find(' ', at) + 1;
  const size_t end = stat.find(' ', at);
  const uint64_t start_ticks = std::stoull(stat.substr(at, end - at));
  stat.replace(at, end - at, std::to_string(start_ticks + later));
  test::write_all(fake_proc / pid / "stat", stat);
  return start_ticks;
}

// The identity re-check reads the start time under CleanerOptions::proc_root: a copy that gives the
// target another start time makes it someone else, audited as identity-mismatch and left running.
TEST_F(Cleanup, IdentityIsReCheckedUnderTheCleanersProcRoot) {
  Child target = sleeper("procroot");
  wait_for_argv(target.pid(), "proctrail-test-procroot");
  test::TempDir fake_proc;
  const std::string pid = std::to_string(target.pid());
  const uint64_t start_ticks = copy_stat_started_later(target.pid(), fake_proc, 7);

  Cleaner cleaner(*store, *recorder, CleanerOptions{.proc_root = fake_proc.path()});
  auto selectors = matching("^proctrail-test-procroot-" + tag);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 1u);
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(audit("pid, signal, outcome, detail"),
            std::vector<std::string>{pid + "|none|identity-mismatch|pid " + pid + " now belongs to a process started at tick " +
                                     std::to_string(start_ticks + 7) + "; it was not touched"});
  EXPECT_EQ(done->survivors, 0);
  EXPECT_TRUE(alive(target.pid()));
}

// proctrail guard acts through the same engine: a target whose pid now belongs to a process with
// another start time (the copy of /proc under CleanerOptions::proc_root says so) is never signalled,
// and the guard's audit row says why, under the rule's name.
TEST_F(Cleanup, TheGuardNeverSignalsAReusedPid) {
  Child target = sleeper("guardreuse");
  wait_for_argv(target.pid(), "proctrail-test-guardreuse");
  test::TempDir fake_proc;
  const std::string pid = std::to_string(target.pid());
  copy_stat_started_later(target.pid(), fake_proc, 7);

  auto policy = parse_policy("[[rule]]\nname = \"reused\"\nmatch = \"^proctrail-test-guardreuse-" + tag + "\"\n");
  ASSERT_TRUE(policy) << policy.error().message;
  proctrail::Guard guard(*store, *recorder, std::move(*policy), CleanerOptions{.proc_root = fake_proc.path()});
  auto report = guard.run_once(GuardRunOptions{.own_argv = "test guard"});
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->rules.size(), 1u);
  ASSERT_EQ(report->rules[0].actions.size(), 1u);
  EXPECT_EQ(report->rules[0].actions[0].outcome, "identity-mismatch");
  EXPECT_EQ(report->acted(), 0);
  EXPECT_EQ(audit("pid, signal, outcome, substr(selector, 1, 12)"),
            std::vector<std::string>{pid + "|none|identity-mismatch|rule reused:"});
  EXPECT_TRUE(alive(target.pid()));
}

// The audit trail cannot be written (another writer holds it): execute returns the store's Error,
// not an exception, and nothing is signalled; the run stays a dry run.
TEST_F(Cleanup, LockedTrailAtExecuteIsAnErrorAndNothingIsSignalled) {
  recorder.reset();
  store.reset();
  auto opened = Store::open(tmp / "trail.db", StoreOptions{.busy_timeout = std::chrono::milliseconds(100)});
  ASSERT_TRUE(opened) << opened.error().message;
  store.emplace(std::move(opened.value()));
  recorder.emplace(*store, collector, &sockets);

  Child target = sleeper("locked");
  wait_for_argv(target.pid(), "proctrail-test-locked");
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching("^proctrail-test-locked-" + tag);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 1u);
  const int64_t run_id = plan->run_id;

  SQLite::Database other((tmp / "trail.db").string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  std::optional<Result<CleanupReport>> done;
  EXPECT_NO_THROW(done.emplace(cleaner.execute(std::move(*plan), selectors)));
  other.exec("ROLLBACK");
  ASSERT_TRUE(done);
  ASSERT_FALSE(*done);
  EXPECT_TRUE(done->error().message.starts_with("marking cleanup run " + std::to_string(run_id) + " live in"))
      << done->error().message;
  EXPECT_NE(done->error().message.find("database is busy"), std::string::npos) << done->error().message;
  EXPECT_TRUE(done->error().message.ends_with("; nothing was signalled")) << done->error().message;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(alive(target.pid()));
  EXPECT_TRUE(audit("action_id").empty());
  EXPECT_EQ(store->database().execAndGet("SELECT dry_run FROM cleanup_runs WHERE run_id = " + std::to_string(run_id)).getInt(), 1);
}

// The lock is taken once the run is live: the first audit row cannot be written, so the cleanup
// stops there with the store's Error (the signal already sent stays sent; no SIGKILL follows).
TEST_F(Cleanup, AuditRowThatCannotBeWrittenStopsTheCleanupWithAnError) {
  recorder.reset();
  store.reset();
  auto opened = Store::open(tmp / "trail.db", StoreOptions{.busy_timeout = std::chrono::milliseconds(100)});
  ASSERT_TRUE(opened) << opened.error().message;
  store.emplace(std::move(opened.value()));
  recorder.emplace(*store, collector, &sockets);

  Child first = sleeper("unaudited");
  Child second = sleeper("unaudited");
  wait_for_argv(first.pid(), "proctrail-test-unaudited");
  wait_for_argv(second.pid(), "proctrail-test-unaudited");
  Cleaner cleaner(*store, *recorder);
  CleanupSelectors selectors;
  // The first target is protected (pid 1), so its row is due before anything is signalled.
  selectors.from_sql = "SELECT pid, start_ticks FROM snapshot_processes WHERE snapshot_id = (SELECT max(snapshot_id) FROM snapshots)"
                       " AND (pid = 1 OR argv LIKE 'proctrail-test-unaudited-" + tag + "%') ORDER BY start_ticks";
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 3u);
  ASSERT_TRUE(plan->plan[0].protection);
  SQLite::Database other((tmp / "trail.db").string(), SQLite::OPEN_READWRITE);
  cleaner.before_signals = [&](const CleanupReport&) { other.exec("BEGIN IMMEDIATE"); };
  std::optional<Result<CleanupReport>> done;
  EXPECT_NO_THROW(done.emplace(cleaner.execute(std::move(*plan), selectors)));
  other.exec("ROLLBACK");
  ASSERT_TRUE(done);
  ASSERT_FALSE(*done);
  EXPECT_TRUE(done->error().message.starts_with("recording a cleanup action into")) << done->error().message;
  EXPECT_TRUE(done->error().message.ends_with("; nothing more was signalled")) << done->error().message;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(alive(first.pid()));
  EXPECT_TRUE(alive(second.pid()));
  EXPECT_TRUE(audit("action_id").empty());
}


// ---- write-ahead audit ----------------------------------------------------------------------------

// The target reads the trail when its SIGTERM arrives: its intent row is already committed there,
// and its outcome row, written once it exits, names that intent.
TEST_F(Cleanup, IntentRowIsCommittedBeforeTheSignalAndTheOutcomeNamesIt) {
  const std::string marker = "proctrail-test-intent-" + tag;
  const auto seen = tmp / "seen-at-sigterm.csv";
  const std::string script =
      "trap '\"$PROCTRAIL\" --db \"$DB\" sql --format csv \"SELECT outcome FROM cleanup_actions WHERE pid = $$\" > \"$SEEN\"; exit 0' TERM;"
      " while :; do read -r -t 1 _; done";
  Child target({"bash", "-c", script, marker},
               {.pipe_stdin = true,
                .env = {"PROCTRAIL=" + std::string(PROCTRAIL_BIN), "DB=" + (tmp / "trail.db").string(), "SEEN=" + seen.string()}});
  wait_for_argv(target.pid(), "bash");
  Cleaner cleaner(*store, *recorder);
  auto selectors = matching(marker + "$");
  selectors.grace = std::chrono::seconds(20);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 1u);
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(target.wait_for(std::chrono::seconds(5)), 0);
  const std::string at_sigterm = test::read_all(seen);
  EXPECT_NE(at_sigterm.find("signalling"), std::string::npos) << at_sigterm;
  EXPECT_EQ(at_sigterm.find("exited"), std::string::npos) << at_sigterm;
  const std::string pid = std::to_string(target.pid());
  EXPECT_EQ(audit("pid, signal, outcome, intent_action_id", "cleanup_actions"),
            (std::vector<std::string>{pid + "|TERM|signalling|NULL", pid + "|TERM|exited|1"}));
  EXPECT_EQ(audit("pid, outcome, intent_action_id"), std::vector<std::string>{pid + "|exited|1"});
  EXPECT_TRUE(store->verify()->intact());
}

// `proctrail cleanup --yes --grace 30s` on one target that ignores SIGTERM, run as users run it.
class InterruptedCleanup : public Cleanup {
 protected:
  const std::string binary = PROCTRAIL_BIN;
  const std::string db = (tmp / "trail.db").string();
  const std::string marker = "proctrail-test-deaf-" + tag;
  Child deaf{std::vector<std::string>{"bash", "-c", "trap '' TERM; exec -a " + marker + " sleep 1000"}};
  std::optional<Child> cleanup;

  // Starts the cleanup and returns once the target's intent row is committed (the cleanup is then
  // in its grace: SIGTERM sent or about to be).
  void start_and_wait_for_the_intent() {
    wait_for_argv(deaf.pid(), marker);
    cleanup.emplace(std::vector<std::string>{binary, "--db", db, "cleanup", "--yes", "--grace", "30s", "--no-containers",
                                             "--match", "^" + marker},
                    test::SpawnOptions{.pipe_stdout = true, .pipe_stderr = true});
    ASSERT_TRUE(eventually([&] { return rows_of_the_target() == std::vector<std::string>{"TERM|signalling|NULL"}; },
                           std::chrono::seconds(60)))
        << "no intent row for the target";
  }
  std::vector<std::string> rows_of_the_target() {
    return audit("signal, outcome, intent_action_id", "cleanup_actions WHERE pid = " + std::to_string(deaf.pid()));
  }
  std::string run_row(const std::string& columns) {
    auto rows = test::query_rows(store->database(), "SELECT " + columns + " FROM cleanup_runs WHERE dry_run = 0");
    return rows.size() == 1 ? rows[0] : "(" + std::to_string(rows.size()) + " live runs)";
  }
  test::Ran proctrail(std::vector<std::string> args) {
    args.insert(args.begin(), {binary, "--db", db});
    return test::run_captured(args);
  }
};

// Regression: SIGINT of `proctrail cleanup --yes` in its grace left the target signalled with no
// cleanup_actions row and the run with ended_at_us NULL, and verify called the chains intact. Now the
// intent is committed before the signal; SIGINT stops the wait (no SIGKILL), the outcome is recorded
// as interrupted, the run is finished as interrupted, and the cleanup exits 128 + SIGINT. While the
// cleanup still runs, another writer's open leaves its run alone.
TEST_F(InterruptedCleanup, SigintInTheGraceNoLongerLeavesTheTargetUnauditedOrTheRunOpen) {
  start_and_wait_for_the_intent();
  ASSERT_EQ(proctrail({"snap", "--no-containers"}).code, 0);
  EXPECT_EQ(rows_of_the_target(), std::vector<std::string>{"TERM|signalling|NULL"}) << "a live cleanup's run was closed";
  EXPECT_EQ(run_row("ended_at_us IS NULL, interrupted"), "1|NULL");

  ASSERT_EQ(::kill(cleanup->pid(), SIGINT), 0);
  const std::string out = cleanup->read_stdout();
  const std::string err = cleanup->read_stderr();
  EXPECT_EQ(cleanup->wait(), 128 + SIGINT) << out << err;
  EXPECT_NE(out.find("interrupted"), std::string::npos) << out;
  const auto rows = rows_of_the_target();
  ASSERT_EQ(rows.size(), 2u) << err;
  EXPECT_EQ(rows[1], "TERM|interrupted|" + std::to_string(store->database().execAndGet(
                                              "SELECT action_id FROM cleanup_actions WHERE outcome = 'signalling'").getInt64()));
  EXPECT_EQ(run_row("ended_at_us IS NOT NULL, interrupted, targets, survivors, after_snapshot_id"), "1|SIGINT|1|1|NULL");
  EXPECT_TRUE(alive(deaf.pid())) << "no SIGKILL follows an interrupted grace";
  const auto verify = proctrail({"verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_NE(verify.out.find("2 cleanup actions"), std::string::npos) << verify.out;
}

// Regression: SIGKILL of the cleanup in its grace left the target signalled with no row. Now its
// intent row is committed before the signal, and the next writable open (snap) sees the cleanup
// gone and appends, in the chain, the intent's outcome: interrupted.
TEST_F(InterruptedCleanup, SigkillInTheGraceLeavesACommittedIntentThatTheNextSnapMarksInterrupted) {
  start_and_wait_for_the_intent();
  ASSERT_EQ(::kill(cleanup->pid(), SIGKILL), 0);
  EXPECT_EQ(cleanup->wait(), 128 + SIGKILL);
  EXPECT_EQ(rows_of_the_target(), std::vector<std::string>{"TERM|signalling|NULL"});
  EXPECT_EQ(run_row("ended_at_us IS NULL, interrupted"), "1|NULL");

  const auto snap = proctrail({"snap", "--no-containers"});
  ASSERT_EQ(snap.code, 0) << snap.err;
  EXPECT_NE(snap.err.find("recorded as interrupted"), std::string::npos) << snap.err;
  const std::string intent =
      store->database().execAndGet("SELECT action_id FROM cleanup_actions WHERE outcome = 'signalling'").getString();
  EXPECT_EQ(rows_of_the_target(), (std::vector<std::string>{"TERM|signalling|NULL", "TERM|interrupted|" + intent}));
  EXPECT_EQ(run_row("ended_at_us IS NULL, interrupted, recovered_at_us IS NOT NULL"), "1|died|1");
  const auto verify = proctrail({"verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_NE(verify.out.find("2 cleanup actions"), std::string::npos) << verify.out;
}

// The same, with `proctrail verify` as the next open: it resolves the intent, then checks the chain
// the resolution extended.
TEST_F(InterruptedCleanup, SigkillInTheGraceLeavesACommittedIntentThatVerifyMarksInterrupted) {
  start_and_wait_for_the_intent();
  ASSERT_EQ(::kill(cleanup->pid(), SIGKILL), 0);
  EXPECT_EQ(cleanup->wait(), 128 + SIGKILL);

  const auto verify = proctrail({"verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_NE(verify.out.find("2 cleanup actions"), std::string::npos) << verify.out;
  EXPECT_EQ(audit("outcome", "cleanup_actions WHERE pid = " + std::to_string(deaf.pid())),
            (std::vector<std::string>{"signalling", "interrupted"}));
  EXPECT_EQ(run_row("interrupted"), "died");
}

}  // namespace
}  // namespace proctrail
