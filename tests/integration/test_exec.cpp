// proctrail exec and the GoogleTest leak check, with real processes. Every leaked process a test
// provokes is ended by the identity the report gave (pid + start_ticks, through a pidfd).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <sys/prctl.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <regex>
#include <thread>

#include "proctrail/events.hpp"
#include "proctrail/exec.hpp"
#include "proctrail/leak_guard.hpp"
#include "proctrail/procfs.hpp"
#include "recorder/collect/procfs_parse.hpp"
#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;

struct ExecResult {
  int code = -1;
  std::string err;
  nlohmann::json report;
};

class Exec : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::filesystem::path db = tmp / "trail.db";
  std::filesystem::path json = tmp / "leaks.json";
  std::vector<ProcessKey> to_end;  // leaks this test provoked

  void TearDown() override { terminate_processes(to_end, std::chrono::milliseconds(1000)); }

  ExecResult exec(std::vector<std::string> options, const std::vector<std::string>& command) {
    std::vector<std::string> argv{PROCTRAIL_BIN, "--db", db.string(), "exec", "--json", json.string(), "--no-containers"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    // stderr goes to a file: leaked processes inherit it and would hold a pipe open.
    const auto err_path = tmp / "stderr.txt";
    int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    Child child(argv, {.stderr_fd = err_fd});
    ::close(err_fd);
    ExecResult result;
    result.code = child.wait();
    std::ifstream err(err_path);
    result.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
    std::ifstream in(json);
    if (in) result.report = nlohmann::json::parse(in, nullptr, false);
    if (result.report.is_object()) {
      for (const auto& p : result.report["processes"]) {
        to_end.push_back(ProcessKey{p["pid"].get<pid_t>(), p["start_ticks"].get<uint64_t>()});
      }
    }
    return result;
  }
};

bool alive(const ProcessKey& key) {
  std::ifstream in("/proc/" + std::to_string(key.pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto stat = parse_stat(text);
  return stat && stat->starttime == key.start_ticks && stat->state != 'Z';
}

TEST_F(Exec, BackgroundSleepIsALeakAndFailOnLeakExitsTwo) {
  auto r = exec({"--grace", "200ms", "--fail-on-leak"}, {"sh", "-c", "sleep 300 &"});
  EXPECT_EQ(r.code, 2) << r.err;
  ASSERT_TRUE(r.report.is_object()) << r.err;
  ASSERT_EQ(r.report["processes"].size(), 1u) << r.report.dump();
  const auto& leak = r.report["processes"][0];
  EXPECT_EQ(leak["argv"], "sleep 300");
  EXPECT_EQ(leak["escape"], "reparented (its parent exited)");
  EXPECT_EQ(leak["found_by"], "tree");
  EXPECT_NE(r.err.find("left behind 1 process(es)"), std::string::npos) << r.err;
  EXPECT_EQ(r.report["exit_status"], 0);
}

TEST_F(Exec, WithoutFailOnLeakTheCommandsOwnStatusStands) {
  auto r = exec({"--grace", "200ms"}, {"sh", "-c", "sleep 300 & exit 3"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.report["processes"].size(), 1u);
}

TEST_F(Exec, DoubleForkedDaemonInANewSessionIsStillCaught) {
  auto r = exec({"--grace", "200ms", "--fail-on-leak"},
                {"sh", "-c", "setsid sh -c 'sleep 300 </dev/null >/dev/null 2>&1 &' & wait"});
  EXPECT_EQ(r.code, 2) << r.err;
  ASSERT_EQ(r.report["processes"].size(), 1u) << r.report.dump();
  EXPECT_EQ(r.report["processes"][0]["argv"], "sleep 300");
  EXPECT_EQ(r.report["processes"][0]["escape"], "daemonized (new session, reparented)");
}

TEST_F(Exec, CommandThatCleansUpAfterItselfHasNoLeakAndItsOwnStatus) {
  auto r = exec({"--grace", "2s", "--fail-on-leak"}, {"sh", "-c", "sleep 0.2 & wait; exit 4"});
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_TRUE(r.report["processes"].empty()) << r.report.dump();
  EXPECT_NE(r.err.find("no leaks"), std::string::npos) << r.err;
}

TEST_F(Exec, ChildStillExitingWithinTheGraceIsNoLeak) {
  auto r = exec({"--grace", "5s", "--fail-on-leak"}, {"sh", "-c", "sleep 0.5 &"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.report["processes"].empty()) << r.report.dump();
}

TEST_F(Exec, CleanupLeavesNothingBehindAndIsAudited) {
  auto r = exec({"--grace", "200ms", "--cleanup", "--fail-on-leak"},
                {"sh", "-c", "sleep 300 & setsid sh -c 'sleep 301 &'"});
  EXPECT_EQ(r.code, 2) << r.err;
  ASSERT_EQ(r.report["processes"].size(), 2u) << r.report.dump();
  ASSERT_EQ(r.report["cleanup"].size(), 2u) << r.err;
  for (const auto& action : r.report["cleanup"]) EXPECT_EQ(action["outcome"], "exited") << action.dump();
  for (const auto& key : to_end) EXPECT_FALSE(alive(key)) << "pid " << key.pid << " survived --cleanup";
  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(trail.execAndGet("SELECT count(*) FROM cleanup_actions WHERE outcome = 'exited'").getInt(), 2);
  EXPECT_EQ(trail.execAndGet("SELECT leaked_processes FROM exec_runs").getInt(), 2);
  EXPECT_EQ(trail.execAndGet("SELECT count(*) FROM exec_leaks").getInt(), 2);
}

TEST_F(Exec, RunIsRecordedWithBothSnapshotsAndTheLeaksIdentity) {
  auto r = exec({"--grace", "200ms", "--tag", "ci-job-7"}, {"sh", "-c", "sleep 300 &"});
  ASSERT_EQ(r.report["processes"].size(), 1u);
  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement run(trail, "SELECT before_snapshot_id, after_snapshot_id, tag, marker FROM exec_runs");
  ASSERT_TRUE(run.executeStep());
  EXPECT_EQ(run.getColumn(0).getInt64(), r.report["before_snapshot_id"].get<int64_t>());
  EXPECT_EQ(run.getColumn(1).getInt64(), r.report["after_snapshot_id"].get<int64_t>());
  EXPECT_EQ(run.getColumn(2).getString(), "ci-job-7");
  EXPECT_EQ(run.getColumn(3).getString(), r.report["run_id"].get<std::string>());
  // The leak is a process of the after snapshot, with the run's shell as its original parent: the
  // events tell it (the shell exited before the after snapshot), so only where they are reported.
  if (!ProcConnector::open().ok()) GTEST_SKIP() << "proc connector refused: the original parent is not known";
  SQLite::Statement leak(trail,
      "SELECT count(*) FROM exec_leaks l JOIN snapshot_processes p ON p.pid = l.pid AND p.start_ticks = l.start_ticks"
      " WHERE p.snapshot_id = ?1 AND p.parent_pid IS NOT NULL");
  leak.bind(1, r.report["after_snapshot_id"].get<int64_t>());
  ASSERT_TRUE(leak.executeStep());
  EXPECT_EQ(leak.getColumn(0).getInt(), 1);
}

TEST_F(Exec, SigtermIsForwardedToTheCommand) {
  Child proctrail({PROCTRAIL_BIN, "--db", db.string(), "exec", "--no-containers", "--grace", "1s", "--json",
                   json.string(), "--", "sleep", "300"},
                  {.pipe_stderr = true});
  // Signal once the command runs (a fixed sleep raced the before-snapshot on a loaded machine).
  const std::string children = "/proc/" + std::to_string(proctrail.pid()) + "/task/" + std::to_string(proctrail.pid()) + "/children";
  ASSERT_TRUE(test::eventually([&] {
    std::istringstream pids(test::read_all(children));
    for (std::string pid; pids >> pid;) {
      if (test::read_all("/proc/" + pid + "/cmdline").starts_with(std::string("sleep\0", 6))) return true;
    }
    return false;
  }, std::chrono::seconds(60)));
  ::kill(proctrail.pid(), SIGTERM);
  std::string err = proctrail.read_stderr();
  EXPECT_EQ(proctrail.wait(), 128 + SIGTERM) << err;
  std::ifstream in(json);
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(report.is_object()) << err;
  EXPECT_EQ(report["exit_status"], 128 + SIGTERM);
  EXPECT_TRUE(report["processes"].empty()) << report.dump();
}

TEST_F(Exec, CommandThatCannotBeRunExits125) {
  auto r = exec({}, {"/nonexistent/command"});
  EXPECT_EQ(r.code, 125);
  EXPECT_NE(r.err.find("cannot run /nonexistent/command"), std::string::npos) << r.err;
}

TEST_F(Exec, EventsNameDescendantsThatLeftTheTree) {
  if (!ProcConnector::open().ok()) GTEST_SKIP() << "proc connector refused";
  auto r = exec({"--grace", "200ms"}, {"sh", "-c", "sleep 300 &"});
  EXPECT_EQ(r.report["events"], "recorded");
  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  ASSERT_EQ(r.report["processes"].size(), 1u);
  SQLite::Statement fork(trail, "SELECT count(*) FROM process_events WHERE kind = 'fork' AND pid = ?1 AND start_ticks = ?2");
  fork.bind(1, r.report["processes"][0]["pid"].get<int64_t>());
  fork.bind(2, r.report["processes"][0]["start_ticks"].get<int64_t>());
  ASSERT_TRUE(fork.executeStep());
  EXPECT_EQ(fork.getColumn(0).getInt(), 1);
}

// ---- the GoogleTest helper, in a subprocess -----------------------------------------------------

TEST(LeakCheckHelper, FailsADeliberatelyLeakingTestAndEndsItsLeaks) {
  Child demo({PROCTRAIL_LEAK_CHECK_DEMO, "--gtest_filter=Leaky.*"}, {.pipe_stdout = true});
  std::string out = demo.read_stdout();
  EXPECT_EQ(demo.wait(), 1) << out;
  EXPECT_NE(out.find("[  FAILED  ] Leaky.LeavesAChildAndADaemonBehind"), std::string::npos) << out;
  EXPECT_NE(out.find("left behind 2 process(es)"), std::string::npos) << out;
  EXPECT_NE(out.find("still a child (never waited for), found by tree): sleep 300"), std::string::npos) << out;
  EXPECT_NE(out.find("found by marker): sleep 301"), std::string::npos) << out;
  std::smatch pid;
  ASSERT_TRUE(std::regex_search(out, pid, std::regex("leaky child pid (\\d+)")));
  const pid_t child = std::stoi(pid[1]);
  EXPECT_TRUE(test::eventually([&] {
    std::ifstream in("/proc/" + std::to_string(child) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto stat = parse_stat(text);
    return !stat || stat->state == 'Z' || stat->comm != "sleep";
  })) << "the helper ended the leaked child " << child;
}

TEST(LeakCheckHelper, PassesACleanTest) {
  Child demo({PROCTRAIL_LEAK_CHECK_DEMO, "--gtest_filter=Clean.*"}, {.pipe_stdout = true});
  std::string out = demo.read_stdout();
  EXPECT_EQ(demo.wait(), 0) << out;
  EXPECT_NE(out.find("[  PASSED  ] 1 test"), std::string::npos) << out;
}

TEST(LeakGuardApi, ReportsAChildStartedInsideTheScopeButNotOneStartedBefore) {
  Child before({"sleep", "300"});
  std::optional<Child> inside;
  LeakGuard guard(LeakGuardOptions{.settle = std::chrono::milliseconds(100)});
  inside.emplace(std::vector<std::string>{"sleep", "301"});
  auto report = guard.check();
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->processes.size(), 1u);
  EXPECT_EQ(report->processes[0].key.pid, inside->pid());
  EXPECT_EQ(report->processes[0].argv, "sleep 301");
  inside->kill_and_wait();
  report = guard.check();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->empty());
}

// The engine behind `proctrail exec`, called as a library: this test process is the one that runs
// the command, so a leak is reparented to it and it reaps the leak once it has ended it.
class ExecEngine : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::vector<ProcessKey> to_end;

  void TearDown() override {
    terminate_processes(to_end, std::chrono::milliseconds(1000));
    for (const auto& key : to_end) ::waitpid(key.pid, nullptr, 0);  // our children since the run
  }
};

TEST_F(ExecEngine, ReportsTheSleepACommandLeftBehindRecordsTheRunAndRestoresThisProcess) {
  Child before({"sleep", "302"});  // this process's own child from before the run: not a leak of it
  int subreaper_before = -1;
  ::prctl(PR_GET_CHILD_SUBREAPER, &subreaper_before);
  sigset_t mask_before;
  ::sigprocmask(SIG_SETMASK, nullptr, &mask_before);
  auto store = Store::open(tmp / "trail.db");
  ASSERT_TRUE(store) << store.error().message;
  Sources sources(CollectOptions{.descriptors = false, .containers = false});
  std::vector<std::string> seen;  // the observer's calls, in order
  ExecRunObserver observer{
      .problem = [&](const ExecProblem& problem) { seen.push_back("problem: " + problem.message); },
      .leaks_known = [&](const ExecRunResult& run) { seen.push_back("leaks: " + std::to_string(run.leaks.processes.size())); },
      .concluded = [&](const ExecRunResult&) { seen.push_back("concluded"); }};

  auto run = run_exec({.command = {"sh", "-c", "sleep 300 & exit 3"},
                       .grace = std::chrono::milliseconds(200),
                       .tag = "engine"},
                      sources, &*store, observer);
  ASSERT_TRUE(run) << run.error().message;
  for (const auto& leak : run->leaks.processes) to_end.push_back(leak.key);

  EXPECT_EQ(run->exit_status, 3);
  EXPECT_EQ(run->argv, "sh -c 'sleep 300 & exit 3'");
  ASSERT_EQ(run->leaks.processes.size(), 1u);
  const auto& leak = run->leaks.processes[0];
  EXPECT_EQ(leak.argv, "sleep 300");
  EXPECT_EQ(leak.escape, "reparented (its parent exited)");
  EXPECT_EQ(leak.found_by, "tree");
  EXPECT_TRUE(alive(leak.key));
  EXPECT_EQ(seen, (std::vector<std::string>{"leaks: 1", "concluded"}));
  ASSERT_TRUE(run->before_snapshot_id && run->after_snapshot_id);
  EXPECT_TRUE(run->cleanup.empty());

  SQLite::Database trail((tmp / "trail.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement row(trail, "SELECT marker, argv, tag, exit_code, leaked_processes, before_snapshot_id, after_snapshot_id, events FROM exec_runs");
  ASSERT_TRUE(row.executeStep());
  EXPECT_EQ(row.getColumn(0).getString(), run->run_id);
  EXPECT_EQ(row.getColumn(1).getString(), run->argv);
  EXPECT_EQ(row.getColumn(2).getString(), "engine");
  EXPECT_EQ(row.getColumn(3).getInt(), 3);
  EXPECT_EQ(row.getColumn(4).getInt(), 1);
  EXPECT_EQ(row.getColumn(5).getInt64(), *run->before_snapshot_id);
  EXPECT_EQ(row.getColumn(6).getInt64(), *run->after_snapshot_id);
  EXPECT_EQ(row.getColumn(7).getString(), run->events);
  EXPECT_EQ(trail.execAndGet("SELECT pid FROM exec_leaks").getInt(), leak.key.pid);

  int subreaper_after = -1;
  ::prctl(PR_GET_CHILD_SUBREAPER, &subreaper_after);
  EXPECT_EQ(subreaper_after, subreaper_before);
  sigset_t mask_after;
  ::sigprocmask(SIG_SETMASK, nullptr, &mask_after);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) {
    EXPECT_EQ(sigismember(&mask_after, signal), sigismember(&mask_before, signal)) << "signal " << signal;
  }

  EXPECT_EQ(terminate_processes(to_end, std::chrono::milliseconds(1000)), 0u);
  EXPECT_EQ(::waitpid(leak.key.pid, nullptr, 0), leak.key.pid) << "the leak was reparented to this process";
  to_end.clear();
}

TEST_F(ExecEngine, WithoutATrailCleanupIsRefusedAndNothingIsRecorded) {
  Sources sources(CollectOptions{.descriptors = false, .containers = false});
  std::vector<ExecProblem> problems;
  auto run = run_exec({.command = {"sh", "-c", "sleep 300 &"}, .grace = std::chrono::milliseconds(200), .cleanup = true},
                      sources, nullptr, {.problem = [&](const ExecProblem& problem) { problems.push_back(problem); }});
  ASSERT_TRUE(run) << run.error().message;
  for (const auto& leak : run->leaks.processes) to_end.push_back(leak.key);
  EXPECT_EQ(run->exit_status, 0);
  EXPECT_EQ(run->leaks.processes.size(), 1u);
  EXPECT_EQ(run->events, "no trail");
  EXPECT_FALSE(run->before_snapshot_id);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].during, ExecProblem::During::cleanup);
  EXPECT_EQ(problems[0].message, "no trail to take the evidence in; nothing was signalled");
}

TEST_F(ExecEngine, ACommandThatCannotBeStartedIsAnError) {
  Sources sources(CollectOptions{.descriptors = false, .containers = false});
  auto run = run_exec({.command = {"/nonexistent/proctrail-no-such-command"}}, sources, nullptr);
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().message, "cannot run /nonexistent/proctrail-no-such-command: No such file or directory");
}

}  // namespace
}  // namespace proctrail
