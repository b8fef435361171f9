// Leak verdicts on real processes (issue 19): generations, orphans found after their client exited,
// a session that ended, a spinning orphan, a detached daemon, a zombie, and real memory. Every process
// is started here and stopped here by the pid it got back; orphans (no longer our children) are killed
// by pid and awaited until their reaper has taken them.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "proctrail/query.hpp"
#include "proctrail/recorder.hpp"
#include "tests/support/answers.hpp"
#include "tests/support/child.hpp"
#include "tests/support/orphans.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;
using test::column;
using test::eventually;

const std::string kBinary = PROCTRAIL_BIN;

bool alive(pid_t pid) { return std::filesystem::exists("/proc/" + std::to_string(pid)); }

using test::Orphans;

// The pids a `sh -c '... & echo $!'` printed, one per line, after it exited.
std::vector<pid_t> printed_pids(Child& shell) {
  std::vector<pid_t> pids;
  std::istringstream lines(shell.read_stdout());
  for (std::string line; std::getline(lines, line);) pids.push_back(static_cast<pid_t>(std::stol(line)));
  shell.wait();
  return pids;
}

std::string state_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const size_t close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? "" : text.substr(close + 2, 1);
}

class Verdicts : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::filesystem::path db_path = tmp / "trail.db";
  std::optional<Store> store;
  ProcfsCollector collector;  // this test is recorded too: it is the client holding its servers' stdio
  SocketCollector sockets;

  void SetUp() override {
    auto opened = Store::open(db_path);
    ASSERT_TRUE(opened) << opened.error().message;
    store.emplace(std::move(opened.value()));
  }
  int64_t snap() {
    Recorder recorder(*store, collector, &sockets);
    auto summary = recorder.snapshot(SnapshotRequest{});
    EXPECT_TRUE(summary) << summary.error().message;
    return summary ? summary->snapshot_id : 0;
  }
  TrailReader reader() {
    auto trail = TrailReader::open(db_path);
    EXPECT_TRUE(trail) << trail.error().message;
    return std::move(trail.value());
  }
  // Each listed pid's verdict (absent: no verdict) in `query leaks` at `snapshot`.
  std::map<pid_t, std::string> verdicts_of(int64_t snapshot, const std::vector<pid_t>& pids, LeakOptions options = {}) {
    auto trail = reader();
    auto answer = query_leaks(trail, snapshot, options);
    EXPECT_TRUE(answer) << answer.error().message;
    std::map<pid_t, std::string> found;
    if (!answer) return found;
    const auto pid = column(*answer, "pid"), verdict = column(*answer, "verdict"), evidence = column(*answer, "evidence");
    for (size_t i = 0; i < pid.size(); ++i) {
      for (pid_t wanted : pids) {
        if (pid[i] == std::to_string(wanted)) found[wanted] = verdict[i];
      }
    }
    return found;
  }
  std::string evidence_of(int64_t snapshot, pid_t pid, LeakOptions options = {}) {
    auto trail = reader();
    auto answer = query_leaks(trail, snapshot, options);
    if (!answer) return answer.error().message;
    const auto pids = column(*answer, "pid"), evidence = column(*answer, "evidence");
    for (size_t i = 0; i < pids.size(); ++i) {
      if (pids[i] == std::to_string(pid)) return evidence[i];
    }
    return "<not listed>";
  }
  std::string activity_of(int64_t snapshot, pid_t pid) {
    SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
    SQLite::Statement query(db, "SELECT COALESCE(a.activity, 'unknown') FROM snapshot_activity a JOIN processes p USING (process_id)"
                                " WHERE a.snapshot_id = ?1 AND p.pid = ?2");
    query.bind(1, snapshot);
    query.bind(2, pid);
    return query.executeStep() ? query.getColumn(0).getString() : "<not seen>";
  }
};

// A live client (this test) restarted its server set twice and talks only to the newest: the two
// older generations, connected but idle, are abandoned; the newest is not listed.
TEST_F(Verdicts, AClientThatRestartedItsServersTwiceAbandonedTheOlderGenerations) {
  std::vector<std::unique_ptr<Child>> generations;
  for (int i = 0; i < 3; ++i) {
    // A generation is a start burst: the next one starts more than 0.5 s later (what a restart is).
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(600));
    generations.push_back(std::make_unique<Child>(std::vector<std::string>{"cat"},
                                                  test::SpawnOptions{.pipe_stdin = true, .pipe_stdout = true}));
  }
  Child& newest = *generations.back();
  newest.write_stdin("warm-up\n");
  ASSERT_EQ(newest.read_line(), "warm-up");
  snap();
  newest.write_stdin("tools/list\n");
  ASSERT_EQ(newest.read_line(), "tools/list");  // the client talked to the newest
  const int64_t later = snap();
  const pid_t first = generations[0]->pid(), second = generations[1]->pid();
  EXPECT_EQ(verdicts_of(later, {first, second, newest.pid()}, {.idle_for_s = 0}),
            (std::map<pid_t, std::string>{{first, "abandoned"}, {second, "abandoned"}}));
  const std::string evidence = evidence_of(later, first, {.idle_for_s = 0});
  EXPECT_NE(evidence.find("generation 1 of 3 of this command under parent " + std::to_string(::getpid())), std::string::npos)
      << evidence;
  EXPECT_NE(evidence.find("newest: pid " + std::to_string(newest.pid())), std::string::npos) << evidence;
  EXPECT_TRUE(verdicts_of(later, {first, second}, {.idle_for_s = 600}).empty()) << "idle for seconds, not ten minutes";
  for (auto& generation : generations) generation->kill_and_wait();
}

// The client exited before proctrail's first snapshot, leaving its two servers running: they are
// orphans whose original parent is unknown, one family under the client's dead group, and nothing is
// credited to the reaper that inherited them.
TEST_F(Verdicts, ServersWhoseClientExitedBeforeTheFirstSnapshotAreOneFamilyWithAnUnknownParent) {
  Orphans orphans;
  // <&3: a non-interactive shell gives a background job /dev/null as stdin unless redirected (dash
  // ignores 0<&0); the servers keep the client's stdin, as stdio servers do.
  Child client({"setsid", "sh", "-c", "exec 3<&0; sleep 601 <&3 3<&- >/dev/null & echo $!; sleep 601 <&3 3<&- >/dev/null & echo $!"},
               {.pipe_stdin = true, .pipe_stdout = true});
  const pid_t leader = client.pid();
  const auto servers = printed_pids(client);
  ASSERT_EQ(servers.size(), 2u);
  for (pid_t server : servers) orphans.adopt(server);
  const int64_t first = snap();

  auto trail = reader();
  auto found = query_orphans(trail, first, {}, std::string("^sleep 601$"));
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->rows.size(), 2u) << render_table(*found);
  const std::string family = "process group " + std::to_string(leader) + " / session " + std::to_string(leader) + ", leader gone";
  EXPECT_EQ(column(*found, "how"), (std::vector<std::string>{"inherited before first seen", "inherited before first seen"}));
  EXPECT_EQ(column(*found, "original_parent_pid"), (std::vector<std::string>{"NULL", "NULL"}));
  EXPECT_EQ(column(*found, "dead_leader_pid"), (std::vector<std::string>(2, std::to_string(leader))));
  EXPECT_EQ(column(*found, "family"), (std::vector<std::string>{family, family}));
  EXPECT_EQ(column(*found, "family_size"), (std::vector<std::string>{"2", "2"}));

  auto spawns = query_spawn_rate(trail, {.by = "parent", .match = std::string("^sleep 601$")});
  ASSERT_TRUE(spawns) << spawns.error().message;
  EXPECT_EQ(column(*spawns, "parent_pid"), std::vector<std::string>{"NULL"}) << "the reaper did not spawn them\n"
                                                                              << render_table(*spawns);
  EXPECT_EQ(verdicts_of(first, servers), (std::map<pid_t, std::string>{{servers[0], "orphaned"}, {servers[1], "orphaned"}}));
  EXPECT_NE(evidence_of(first, servers[0]).find("original parent unknown; " + family + ", a family of 2 orphans"),
            std::string::npos)
      << evidence_of(first, servers[0]);
}

// Claude Code starts its servers with CLAUDE_CODE_SESSION_ID and ends the session with a SessionEnd
// hook: a server alive after that outlived its session, named by the id (through the CLI).
TEST_F(Verdicts, AServerCarryingASessionThatEndedOutlivedItsSession) {
  const std::string session = "itest-" + std::to_string(::getpid());
  Child server({"sleep", "602"}, {.pipe_stdin = true, .env = {"CLAUDE_CODE_SESSION_ID=" + session}});
  const std::string db = db_path.string();
  ASSERT_EQ(test::run_captured({kBinary, "--db", db, "snap"}).code, 0);
  const auto hook = test::run_captured({kBinary, "--db", db, "snap", "--hook", "--wait"},
                                       R"({"session_id":")" + session + R"(","hook_event_name":"SessionEnd","reason":"logout"})");
  ASSERT_EQ(hook.code, 0) << hook.err;
  ASSERT_EQ(test::run_captured({kBinary, "--db", db, "snap"}).code, 0);

  const auto leaks = test::run_captured({kBinary, "--db", db, "query", "leaks", "--session-grace", "0s", "--format", "json",
                                         "--match", "^sleep 602$"});
  ASSERT_EQ(leaks.code, 0) << leaks.err;
  auto rows = nlohmann::json::parse(leaks.out);
  ASSERT_EQ(rows.size(), 1u) << leaks.out;
  EXPECT_EQ(rows[0]["pid"], server.pid());
  EXPECT_EQ(rows[0]["verdict"], "outlived-session");
  EXPECT_NE(rows[0]["evidence"].get<std::string>().find("CLAUDE_CODE_SESSION_ID=" + session), std::string::npos) << leaks.out;
  for (const char* column : {"rss_kb", "pss_kb", "uss_kb", "swap_kb"}) EXPECT_TRUE(rows[0].contains(column)) << column;

  const auto sessions = test::run_captured({kBinary, "--db", db, "query", "sessions", "--format", "json"});
  ASSERT_EQ(sessions.code, 0) << sessions.err;
  bool listed = false;
  for (const auto& row : nlohmann::json::parse(sessions.out)) {
    if (row["session_id"] != session) continue;
    listed = true;
    EXPECT_EQ(row["source"], "hook");
    EXPECT_EQ(row["end_reason"], "SessionEnd (logout)");
    EXPECT_EQ(row["processes"], 1);
    EXPECT_EQ(row["alive"], 1);
  }
  EXPECT_TRUE(listed) << sessions.out;
  server.kill_and_wait();
}

// An orphan busy on a CPU without a read or write: orphaned, and its evidence says it spins.
TEST_F(Verdicts, ASpinningOrphanIsOrphanedAndSaysItSpins) {
  Orphans orphans;
  // <&3: a non-interactive shell gives a background job /dev/null as stdin unless redirected (dash
  // ignores 0<&0); the servers keep the client's stdin, as stdio servers do.
  Child client({"setsid", "sh", "-c", "exec 3<&0; sh -c 'while :; do :; done' <&3 3<&- >/dev/null & echo $!"},
               {.pipe_stdin = true, .pipe_stdout = true});
  const auto spinner = printed_pids(client);
  ASSERT_EQ(spinner.size(), 1u);
  orphans.adopt(spinner[0]);
  int64_t snapshot = snap();
  // Its read/write syscalls are read once it has run; spinning is told once they are known at both
  // ends of an interval. A loaded machine may give it less than half a CPU for a while: ask again.
  ASSERT_TRUE(eventually([&] {
    snapshot = snap();
    return activity_of(snapshot, spinner[0]) == "spinning";
  }, std::chrono::seconds(30))) << activity_of(snapshot, spinner[0]);
  EXPECT_EQ(verdicts_of(snapshot, spinner), (std::map<pid_t, std::string>{{spinner[0], "orphaned"}}));
  EXPECT_NE(evidence_of(snapshot, spinner[0]).find("; spinning since "), std::string::npos) << evidence_of(snapshot, spinner[0]);
}

// A daemon started with stdin on /dev/null is detached, not orphaned, whether its parent lives or not;
// pid 1 is detached too.
TEST_F(Verdicts, ADaemonWithDevNullStdinIsDetachedAndNoSuspect) {
  Orphans orphans;
  const int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  Child child_daemon({"sleep", "603"}, {.stdin_fd = dev_null, .stdout_fd = dev_null});
  ::close(dev_null);
  Child client({"setsid", "sh", "-c", "sleep 603 </dev/null >/dev/null 2>&1 & echo $!"}, {.pipe_stdout = true});
  const auto daemonized = printed_pids(client);
  ASSERT_EQ(daemonized.size(), 1u);
  orphans.adopt(daemonized[0]);
  const int64_t s = snap();
  auto trail = reader();
  auto reachable = query_reachable(trail, s, "^sleep 603$");
  ASSERT_TRUE(reachable) << reachable.error().message;
  EXPECT_EQ(column(*reachable, "verdict"), (std::vector<std::string>{"detached", "detached"})) << render_table(*reachable);
  EXPECT_TRUE(verdicts_of(s, {child_daemon.pid(), daemonized[0]}).empty());
  auto init = query_reachable(trail, s, "");
  ASSERT_TRUE(init) << init.error().message;
  const auto pids = column(*init, "pid"), verdicts = column(*init, "verdict");
  for (size_t i = 0; i < pids.size(); ++i) {
    if (pids[i] != "1") continue;
    EXPECT_EQ(verdicts[i], "detached");
  }
  child_daemon.kill_and_wait();
}

// A zombie holds no memory and is no live suspect.
TEST_F(Verdicts, AZombieIsNoSuspectAndHoldsNoMemory) {
  Child zombie({"sh", "-c", "exit 0"}, {.pipe_stdin = true});
  ASSERT_TRUE(eventually([&] { return state_of(zombie.pid()) == "Z"; }));
  const int64_t s = snap();
  EXPECT_TRUE(verdicts_of(s, {zombie.pid()}, {.idle_for_s = 0}).empty());
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  auto count = [&](const std::string& sql) {
    SQLite::Statement query(db, sql);
    query.bind(1, s);
    query.bind(2, zombie.pid());
    return query.executeStep() ? query.getColumn(0).getInt64() : -1;
  };
  EXPECT_EQ(count("SELECT count(*) FROM snapshot_processes WHERE snapshot_id = ?1 AND pid = ?2 AND state = 'Z'"), 1)
      << "the zombie is recorded";
  EXPECT_EQ(count("SELECT count(*) FROM snapshot_leak_evidence WHERE snapshot_id = ?1 AND pid = ?2"), 0)
      << "but is no live suspect";
  EXPECT_EQ(count("SELECT count(*) FROM process_memory_samples m JOIN processes p USING (process_id)"
                  " WHERE m.snapshot_id = ?1 AND p.pid = ?2"), 0) << "and its memory is not read";
  zombie.wait();
}

// The USS the recorder stores is what a hand sum of Private_Clean + Private_Dirty over the process's
// mappings (/proc/PID/smaps) gives, within a few percent.
TEST_F(Verdicts, UssIsWithinAFewPercentOfAHandSumOverSmaps) {
  // A session marker makes it a process a verdict needs, so its smaps_rollup is read.
  Child node({"node", "-e",
              "globalThis.held = Buffer.alloc(24 * 1024 * 1024, 1); console.log('ready'); process.stdin.resume();"},
             {.pipe_stdin = true, .pipe_stdout = true, .env = {"CLAUDE_CODE_SESSION_ID=uss-" + std::to_string(::getpid())}});
  ASSERT_EQ(node.read_line(), "ready");
  const int64_t s = snap();
  int64_t hand_kb = 0;
  std::ifstream smaps("/proc/" + std::to_string(node.pid()) + "/smaps");
  for (std::string line; std::getline(smaps, line);) {
    if (line.starts_with("Private_Clean:") || line.starts_with("Private_Dirty:")) hand_kb += std::stol(line.substr(14));
  }
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement stored(db, "SELECT m.uss_kb, m.pss_kb, m.rss_kb FROM process_memory_samples m JOIN processes p USING (process_id)"
                               " WHERE m.snapshot_id = ?1 AND p.pid = ?2");
  stored.bind(1, s);
  stored.bind(2, node.pid());
  ASSERT_TRUE(stored.executeStep()) << "smaps_rollup was not read for a session-marked process";
  const int64_t uss_kb = stored.getColumn(0).getInt64();
  EXPECT_GT(uss_kb, 24 * 1024);
  EXPECT_NEAR(static_cast<double>(uss_kb), static_cast<double>(hand_kb), 0.03 * static_cast<double>(hand_kb));
  EXPECT_LE(uss_kb, stored.getColumn(1).getInt64()) << "USS ≤ PSS";
  EXPECT_LE(stored.getColumn(1).getInt64(), stored.getColumn(2).getInt64()) << "PSS ≤ RSS";
  node.kill_and_wait();
}

// The cleanup plan says what ending each target frees: the evidence snapshot measures what --match
// names, even a process no verdict would have measured.
TEST_F(Verdicts, TheCleanupPlanSaysWhatEndingEachMatchedTargetFrees) {
  Child target({"sleep", "605"}, {.pipe_stdin = true});
  const auto plan = test::run_captured({kBinary, "--db", db_path.string(), "cleanup", "--match", "^sleep 605$", "--format", "json"});
  ASSERT_EQ(plan.code, 0) << plan.err;
  auto rows = nlohmann::json::parse(plan.out);
  ASSERT_EQ(rows.size(), 1u) << plan.out;
  EXPECT_EQ(rows[0]["pid"], target.pid());
  EXPECT_TRUE(rows[0]["frees_kb"].is_number()) << plan.out;
  EXPECT_NE(plan.err.find("ending them frees "), std::string::npos) << plan.err;
  EXPECT_NE(plan.err.find("(USS + swap of 1 of 1 measured)"), std::string::npos) << plan.err;
  target.kill_and_wait();
}

}  // namespace
}  // namespace proctrail
