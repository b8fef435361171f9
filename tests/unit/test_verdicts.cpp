// Leak verdicts from evidence (issue 19): the parsers of the new evidence on literal kernel text, the
// activity judge, and deterministic histories written through the store with known verdicts.
#include <gtest/gtest.h>

#include <fstream>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/hook.hpp"
#include "proctrail/procfs.hpp"
#include "proctrail/query.hpp"
#include "recorder/collect/procfs_parse.hpp"
#include "recorder/store/activity.hpp"
#include "tests/support/answers.hpp"
#include "tests/support/fake_proc.hpp"
#include "tests/support/history.hpp"

namespace proctrail {
namespace {

using test::child_of;
using test::column;
using test::host;
using test::sample;
using test::table;

// ---- parsers ----------------------------------------------------------------------------------

TEST(VerdictParsers, StatusGivesVmSwapInKilobytes) {
  auto status = parse_status("Name:\tnode\nState:\tS (sleeping)\nVmRSS:\t   51200 kB\nVmSwap:\t   20480 kB\n"
                             "voluntary_ctxt_switches:\t10\nnonvoluntary_ctxt_switches:\t2\n");
  EXPECT_EQ(status.swap_kb, 20480);
  EXPECT_EQ(status.context_switches, 12u);
  EXPECT_FALSE(parse_status("Name:\tkworker/0:1\nState:\tI (idle)\n").swap_kb) << "kernel threads have no VmSwap line";
}

TEST(VerdictParsers, IoGivesReadAndWriteSyscalls) {
  EXPECT_EQ(parse_io_syscalls("rchar: 3946\nwchar: 12\nsyscr: 7\nsyscw: 1\nread_bytes: 0\nwrite_bytes: 0\n"
                              "cancelled_write_bytes: 0\n"),
            8u);
  EXPECT_FALSE(parse_io_syscalls("rchar: 3946\nsyscr: 7\n"));
  EXPECT_FALSE(parse_io_syscalls("syscr: x\nsyscw: 1\n"));
}

TEST(VerdictParsers, SmapsRollupGivesPssUssAndSwap) {
  constexpr const char* kRollup =
      "55d0c0a3e000-7ffc8b5f3000 ---p 00000000 00:00 0                          [rollup]\n"
      "Rss:               66388 kB\nPss:               27122 kB\nPss_Dirty:         24184 kB\nPss_Anon:          24088 kB\n"
      "Pss_File:           3034 kB\nPss_Shmem:             0 kB\nShared_Clean:      40096 kB\nShared_Dirty:          0 kB\n"
      "Private_Clean:       108 kB\nPrivate_Dirty:     26184 kB\nReferenced:        66388 kB\nAnonymous:         26184 kB\n"
      "LazyFree:              0 kB\nAnonHugePages:         0 kB\nShmemPmdMapped:        0 kB\nFilePmdMapped:         0 kB\n"
      "Shared_Hugetlb:        0 kB\nPrivate_Hugetlb:       0 kB\nSwap:               1024 kB\nSwapPss:            1024 kB\n"
      "Locked:                0 kB\n";
  auto rollup = parse_smaps_rollup(kRollup);
  ASSERT_TRUE(rollup);
  EXPECT_EQ(*rollup, (MemorySample{.rss_kb = 66388, .pss_kb = 27122, .uss_kb = 108 + 26184, .swap_kb = 1024}));
  EXPECT_FALSE(parse_smaps_rollup("")) << "a zombie's rollup is empty";
  EXPECT_FALSE(parse_smaps_rollup("Rss: 12 kB\n")) << "no Pss";
}

TEST(VerdictParsers, EnvironMarkerTakesTheStrongestNameAndBoundsHostileValues) {
  using namespace std::string_literals;
  const std::vector<std::string_view> names = {"CLAUDE_CODE_SESSION_ID", "PROCTRAIL_RUN"};
  const std::string environ = "PATH=/bin\0PROCTRAIL_RUN=a1:b2\0CLAUDE_CODE_SESSION_ID=5f0c-11\0"s;
  EXPECT_EQ(find_environ_marker(environ, names), (EnvironMarker{"CLAUDE_CODE_SESSION_ID", "5f0c-11"}));
  EXPECT_EQ(find_environ_marker("PROCTRAIL_RUN=a1:b2\0"s, names), (EnvironMarker{"PROCTRAIL_RUN", "a1:b2"}));
  EXPECT_FALSE(find_environ_marker("no equals sign\0\xff\xfe binary\0=\0"s, names));
  EXPECT_FALSE(find_environ_marker("", names));
  const std::string huge = "CLAUDE_CODE_SESSION_ID=" + std::string(100'000, 'x') + "\x1b[31m";
  auto marker = find_environ_marker(huge, names);
  ASSERT_TRUE(marker);
  EXPECT_EQ(marker->value.size(), kMaxSessionMarkerBytes);
  auto escape = find_environ_marker("CLAUDE_CODE_SESSION_ID=a\x1b[31mb\0"s, names);
  ASSERT_TRUE(escape);
  EXPECT_EQ(escape->value, "a?[31mb") << "control bytes never reach a terminal";
}

// ---- collection on a fixture /proc ------------------------------------------------------------------

TEST(HookClient, IsTheNearestAncestorThatIsNotAShell) {
  test::TempDir tmp;
  test::FakeProc proc(tmp.path());
  proc.add({.pid = 200, .ppid = 1, .comm = "claude", .start_ticks = 500});
  proc.add({.pid = 300, .ppid = 200, .comm = "sh", .start_ticks = 900});
  proc.add({.pid = 301, .ppid = 300, .comm = "bash", .start_ticks = 901});
  EXPECT_EQ(find_hook_client(301, tmp.path()), (ProcessKey{200, 500}));
  EXPECT_EQ(find_hook_client(200, tmp.path()), (ProcessKey{200, 500}));
  EXPECT_FALSE(find_hook_client(999, tmp.path())) << "an ancestor that cannot be read ends the search";
}

TEST(LeakEvidence, ANewProcesssSessionMarkerIsReadAtFirstSightOnly) {
  test::TempDir tmp;
  test::FakeProc proc(tmp.path());
  proc.add({.pid = 1, .ppid = 0, .comm = "init", .start_ticks = 1});
  proc.add({.pid = 400, .ppid = 1, .comm = "node", .start_ticks = 900});
  std::filesystem::path environ = tmp.path() / "400/environ";
  {
    std::ofstream out(environ, std::ios::binary);
    using namespace std::string_literals;
    out << "PATH=/bin\0CLAUDE_CODE_SESSION_ID=s-1\0"s;
  }
  ProcfsCollector collector({.proc_root = tmp.path(), .read_fds = false});
  auto first = collector.collect();
  ASSERT_TRUE(first) << first.error().message;
  const ProcessSample* node = nullptr;
  for (const auto& p : first->processes) {
    if (p.key.pid == 400) node = &p;
  }
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->session_variable, "CLAUDE_CODE_SESSION_ID");
  EXPECT_EQ(node->session_marker, "s-1");
  EXPECT_EQ(node->inherited_by, std::nullopt) << "the fixture's stat makes it a session leader: init started it";
  CollectHints known;
  known.known.emplace(node->key, ActivityBaseline{0, 42});
  auto second = collector.collect(known);
  ASSERT_TRUE(second) << second.error().message;
  for (const auto& p : second->processes) {
    if (p.key.pid != 400) continue;
    EXPECT_FALSE(p.session_marker) << "environ is read at first sight only";
  }
}

// CI ran the suite in a pid namespace: its `proctrail exec` (the subreaper) sat in a session made
// outside the namespace, so stat's (6) session read 0, and orphans in a setsid session under it were
// taken for its own children (no orphan, no verdict). 0 is a session led outside: not the orphans'.
TEST(Inheritance, AnOrphanUnderASubreaperWhoseSessionLiesOutsideThePidNamespaceWasInherited) {
  test::TempDir tmp;
  test::FakeProc proc(tmp.path());
  proc.add({.pid = 1, .ppid = 0, .comm = "bash", .start_ticks = 1, .session_outside_namespace = true});
  proc.add({.pid = 50, .ppid = 1, .comm = "proctrail", .start_ticks = 10, .pgid = 1, .session_outside_namespace = true});
  proc.add({.pid = 400, .ppid = 50, .comm = "sleep", .start_ticks = 900, .pgid = 300, .sid = 300});  // setsid family
  proc.add({.pid = 401, .ppid = 50, .comm = "ctest", .start_ticks = 20, .pgid = 50, .session_outside_namespace = true});
  proc.add({.pid = 402, .ppid = 50, .comm = "sleep", .start_ticks = 30});  // its own session's leader: started
  ProcfsCollector collector({.proc_root = tmp.path(), .read_fds = false});
  auto table = collector.collect();
  ASSERT_TRUE(table) << table.error().message;
  std::map<pid_t, std::optional<pid_t>> inherited;
  for (const auto& p : table->processes) inherited[p.key.pid] = p.inherited_by;
  EXPECT_EQ(inherited[400], 50) << "its session (300) is not the subreaper's (led outside the namespace)";
  EXPECT_EQ(inherited[401], std::nullopt) << "both sessions read 0: they cannot be told apart, so it was started";
  EXPECT_EQ(inherited[402], std::nullopt) << "a session leader was started by its parent";
}

// ---- the activity judge -------------------------------------------------------------------------

TEST(ActivityJudge, NoTicksAndNoSwitchesIsIdle) {
  auto judged = detail::judge_activity({.cpu_ticks = 50, .context_switches = 9, .io_syscalls = 3, .at_us = 0},
                                       {.cpu_ticks = 50, .context_switches = 9, .io_syscalls = 3, .at_us = 60'000'000}, 100);
  EXPECT_EQ(judged.activity, "idle");
  EXPECT_FALSE(judged.ran);
  EXPECT_DOUBLE_EQ(judged.interval_s, 60.0);
}

TEST(ActivityJudge, AWakeUpWithoutATickIsActive) {
  auto judged = detail::judge_activity({.cpu_ticks = 50, .context_switches = 9, .at_us = 0},
                                       {.cpu_ticks = 50, .context_switches = 11, .at_us = 1'000'000}, 100);
  EXPECT_EQ(judged.activity, "active");
  EXPECT_TRUE(judged.ran);
}

TEST(ActivityJudge, BusyWithoutReadsOrWritesIsSpinningOnlyWhenIoIsKnown) {
  const detail::ActivityCounters before{.cpu_ticks = 0, .context_switches = 5, .io_syscalls = 40, .at_us = 0};
  auto spinning = detail::judge_activity(before, {.cpu_ticks = 90, .context_switches = 6, .io_syscalls = 40, .at_us = 1'000'000}, 100);
  EXPECT_EQ(spinning.activity, "spinning");
  EXPECT_DOUBLE_EQ(spinning.cpu_percent, 90.0);
  EXPECT_TRUE(spinning.io_known);
  auto working = detail::judge_activity(before, {.cpu_ticks = 90, .context_switches = 6, .io_syscalls = 41, .at_us = 1'000'000}, 100);
  EXPECT_EQ(working.activity, "active") << "it read or wrote";
  auto unknown = detail::judge_activity({.cpu_ticks = 0, .at_us = 0}, {.cpu_ticks = 90, .io_syscalls = 40, .at_us = 1'000'000}, 100);
  EXPECT_EQ(unknown.activity, "active") << "without syscalls at both ends, spinning cannot be told";
  auto light = detail::judge_activity(before, {.cpu_ticks = 10, .context_switches = 6, .io_syscalls = 40, .at_us = 1'000'000}, 100);
  EXPECT_EQ(light.activity, "active") << "10 % of a CPU is not spinning";
}

// ---- deterministic histories ----------------------------------------------------------------------

constexpr int64_t kSecond = 1'000'000;

class Verdicts : public test::StoreFixture {
 protected:
  // A table collected at `seconds` after the fixture epoch.
  static ProcessTable at(int64_t seconds, std::vector<ProcessSample> processes) {
    ProcessTable t = table(std::move(processes));
    t.started_at_us = t.ended_at_us = test::at_ticks(0) + seconds * kSecond;
    t.started_boottime_ns = seconds * 1'000'000'000 + 1;
    return t;
  }
  int64_t record_at(int64_t seconds, std::vector<ProcessSample> processes, SnapshotRequest request = {}) {
    return StoreFixture::record(at(seconds, std::move(processes)), request).snapshot_id;
  }
  TrailReader reader() {
    auto trail = TrailReader::open(db_path);
    EXPECT_TRUE(trail) << trail.error().message;
    return std::move(trail.value());
  }
  ResultTable leaks(int64_t snapshot, LeakOptions options = {}) {
    auto trail = reader();
    auto answer = query_leaks(trail, snapshot, options);
    EXPECT_TRUE(answer) << answer.error().message;
    return answer ? *answer : ResultTable{};
  }
  int64_t count(const std::string& sql) {
    SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }
};

// The verdict of each pid in a leaks answer.
std::map<std::string, std::string> verdict_by_pid(const ResultTable& answer) {
  std::map<std::string, std::string> verdicts;
  auto pids = column(answer, "pid");
  auto names = column(answer, "verdict");
  for (size_t i = 0; i < pids.size() && i < names.size(); ++i) verdicts[pids[i]] = names[i];
  return verdicts;
}

ProcessSample with_counters(ProcessSample s, uint64_t cpu_ticks, uint64_t switches, std::optional<uint64_t> io = std::nullopt) {
  s.utime_ticks = cpu_ticks;
  s.context_switches = switches;
  s.io_syscalls = io;
  return s;
}

// A process in its own session and group, as a service manager starts one (not inherited).
ProcessSample own_session(ProcessSample s) {
  s.sid = s.pgid = s.key.pid;
  return s;
}

TEST_F(Verdicts, ActivityIsStoredAsTransitionsOnly) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto server = own_session(child_of(init, sample(200, 100, 1, "node server.js")));
  record_at(0, {init, with_counters(server, 10, 5)});
  record_at(60, {init, with_counters(server, 10, 5)});      // idle: no row (idle since first seen)
  record_at(120, {init, with_counters(server, 30, 9, 4)});  // ran: active
  record_at(180, {init, with_counters(server, 30, 9, 4)});  // idle again
  const int64_t last = record_at(240, {init, with_counters(server, 30, 9, 4)});  // still idle: no row
  EXPECT_EQ(count("SELECT count(*) FROM process_activity_changes"), 2);
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(activity, ',') FROM (SELECT activity FROM process_activity_changes"
                          " ORDER BY snapshot_id)").getString(),
            "active,idle");
  SQLite::Statement now(db, "SELECT a.activity, a.since_us, a.since_first_seen FROM snapshot_activity a"
                            " JOIN processes p USING (process_id) WHERE a.snapshot_id = ?1 AND p.pid = 200");
  now.bind(1, last);
  ASSERT_TRUE(now.executeStep());
  EXPECT_EQ(now.getColumn(0).getString(), "idle");
  EXPECT_EQ(now.getColumn(1).getInt64(), test::at_ticks(0) + 120 * kSecond) << "idle since the sample that last saw it run";
  EXPECT_EQ(now.getColumn(2).getInt(), 0);
  SQLite::Statement second(db, "SELECT a.activity, a.since_us, a.since_first_seen FROM snapshot_activity a"
                               " JOIN processes p USING (process_id) WHERE a.snapshot_id = 2 AND p.pid = 200");
  ASSERT_TRUE(second.executeStep());
  EXPECT_EQ(second.getColumn(0).getString(), "idle");
  EXPECT_EQ(second.getColumn(1).getInt64(), test::at_ticks(0)) << "idle at least since first seen";
  EXPECT_EQ(second.getColumn(2).getInt(), 1);

  auto trail = reader();
  auto timeline = query_timeline(trail, 200, std::nullopt);
  ASSERT_TRUE(timeline) << timeline.error().message;
  std::vector<std::string> activity;
  const auto events = column(*timeline, "event"), details = column(*timeline, "detail");
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i] == "activity") activity.push_back(details[i]);
  }
  EXPECT_EQ(activity, (std::vector<std::string>{"active: 0 % of a CPU (over 120 s)",
                                                "idle since " + std::string("2023-11-14T22:15:20Z") + " (over 60 s)"}))
      << render_table(*timeline);
}

TEST_F(Verdicts, ABusyProcessWithoutIoIsSpinningOnceItsIoIsKnownAtBothEnds) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto spinner = own_session(child_of(init, sample(300, 100, 1, "python3 loop.py")));
  record_at(0, {init, with_counters(spinner, 0, 1)});
  record_at(60, {init, with_counters(spinner, 5'000, 2, 10)});   // ran: io read for the first time
  record_at(120, {init, with_counters(spinner, 11'000, 3, 10)});  // 100 % of a CPU, no syscall
  const int64_t last = record_at(900, {init, with_counters(spinner, 88'000, 4, 10)});
  EXPECT_EQ(verdict_by_pid(leaks(last, {.idle_for_s = 600})), (std::map<std::string, std::string>{{"300", "spinning"}}));
  EXPECT_TRUE(verdict_by_pid(leaks(last, {.idle_for_s = 3600})).empty()) << "not spinning for an hour yet";
}

// A client (pid 100, alive) restarted its server set twice: three generations of the same command,
// started in separate bursts. Only the newest runs; the older two are abandoned once idle long enough.
TEST_F(Verdicts, OlderGenerationsIdleWhileTheNewestRunsAreAbandoned) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto client = own_session(child_of(init, sample(100, 50, 1, "claude")));
  auto generation = [&](pid_t pid, uint64_t start) {
    auto server = child_of(client, sample(pid, start, 100, "node mcp-server/dist/index.js"));
    server.sid = server.pgid = 100;
    return server;
  };
  auto first = generation(201, 1'000), second = generation(202, 2'000), newest = generation(203, 3'000);
  auto busy_tool = child_of(client, sample(210, 1'000, 100, "node tool.js"));  // one instance: no generations
  busy_tool.sid = busy_tool.pgid = 100;
  record_at(40, {init, client, with_counters(first, 5, 5), with_counters(second, 5, 5), with_counters(newest, 5, 5),
                 with_counters(busy_tool, 5, 5)});
  const int64_t later = record_at(700, {init, client, with_counters(first, 5, 5), with_counters(second, 5, 5),
                                        with_counters(newest, 9, 8, 3), with_counters(busy_tool, 5, 5)});
  auto answer = leaks(later, {.idle_for_s = 600});
  EXPECT_EQ(verdict_by_pid(answer), (std::map<std::string, std::string>{{"201", "abandoned"}, {"202", "abandoned"}}))
      << render_table(answer);
  const auto evidence = column(answer, "evidence");
  ASSERT_FALSE(evidence.empty());
  EXPECT_NE(evidence[0].find("of 3 of this command under parent 100"), std::string::npos) << evidence[0];
  EXPECT_NE(evidence[0].find("newest: pid 203"), std::string::npos) << evidence[0];
  EXPECT_NE(evidence[0].find("idle since first seen"), std::string::npos) << evidence[0];
  EXPECT_TRUE(verdict_by_pid(leaks(later, {.idle_for_s = 3600})).empty()) << "idle for 11 minutes, not an hour";
}

// Found already inherited by init (original parent unknown): orphans, one family by their dead group
// leader, and neither spawn-rate nor memory --by parent credits init.
TEST_F(Verdicts, OrphansFoundInheritedHaveAnUnknownParentAndADeadFamilyLeader) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto daemon = own_session(child_of(init, sample(50, 10, 1, "/usr/sbin/cron")));
  auto leaked = [&](pid_t pid, uint64_t start) {
    auto server = sample(pid, start, 1, "node mcp-server/dist/index.js");
    server.pgid = server.sid = 7368;  // the client's group and session; the client is gone
    server.inherited_by = 1;
    server.parent = init.key;         // what resolve_parents says; the store must not believe it
    return server;
  };
  const int64_t s = record_at(100, {init, daemon, leaked(7401, 500), leaked(7402, 520)});
  auto trail = reader();
  auto orphans = query_orphans(trail, s, {}, std::nullopt);
  ASSERT_TRUE(orphans) << orphans.error().message;
  EXPECT_EQ(column(*orphans, "pid"), (std::vector<std::string>{"7401", "7402"})) << render_table(*orphans);
  EXPECT_EQ(column(*orphans, "how"), (std::vector<std::string>{"inherited before first seen", "inherited before first seen"}));
  EXPECT_EQ(column(*orphans, "original_parent_pid"), (std::vector<std::string>{"NULL", "NULL"}));
  EXPECT_EQ(column(*orphans, "dead_leader_pid"), (std::vector<std::string>{"7368", "7368"}));
  EXPECT_EQ(column(*orphans, "family"), (std::vector<std::string>{"process group 7368 / session 7368, leader gone",
                                                                  "process group 7368 / session 7368, leader gone"}));
  EXPECT_EQ(column(*orphans, "family_size"), (std::vector<std::string>{"2", "2"}));

  auto spawns = query_spawn_rate(trail, {.by = "parent", .match = std::string("mcp-server")});
  ASSERT_TRUE(spawns) << spawns.error().message;
  EXPECT_EQ(column(*spawns, "parent_pid"), std::vector<std::string>{"NULL"}) << render_table(*spawns);
  EXPECT_NE(column(*spawns, "parent_argv")[0].find("unknown"), std::string::npos);
  auto memory = query_memory(trail, s, "parent", std::string("mcp-server"), {});
  ASSERT_TRUE(memory) << memory.error().message;
  EXPECT_EQ(column(*memory, "parent_argv"), std::vector<std::string>{"(unknown: inherited by pid 1; process group 7368)"});
  auto answer = leaks(s);
  EXPECT_EQ(verdict_by_pid(answer), (std::map<std::string, std::string>{{"7401", "orphaned"}, {"7402", "orphaned"}}));
  EXPECT_NE(column(answer, "evidence")[0].find("original parent unknown; process group 7368 / session 7368, leader gone, "
                                                "a family of 2 orphans"),
            std::string::npos)
      << render_table(answer);
}

// Claude Code marks its servers with CLAUDE_CODE_SESSION_ID; SessionEnd ends the session (but not
// reason "clear", after which the servers stay in use): a marked server alive past the grace is
// outlived-session, with the session id.
TEST_F(Verdicts, AServerAliveAfterItsSessionEndedOutlivedItsSession) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto client = own_session(child_of(init, sample(100, 50, 1, "claude")));
  auto marked = [&](pid_t pid, const std::string& session) {
    auto server = child_of(client, sample(pid, 200, 100, "node server-memory"));
    server.session_variable = "CLAUDE_CODE_SESSION_ID";
    server.session_marker = session;
    return server;
  };
  auto ended = marked(201, "sess-ended"), cleared = marked(202, "sess-cleared");
  record_at(10, {init, client, ended, cleared});
  HookPayload end{.event = "SessionEnd", .session_id = "sess-ended", .reason = "logout"};
  end.client = client.key;
  record_at(20, {init, client, ended, cleared}, {.trigger = "hook", .hook = end});
  record_at(21, {init, client, ended, cleared},
            {.trigger = "hook", .hook = HookPayload{.event = "SessionEnd", .session_id = "sess-cleared", .reason = "clear"}});
  const int64_t early = record_at(30, {init, client, ended, cleared});
  const int64_t late = record_at(120, {init, client, ended, cleared});
  EXPECT_TRUE(verdict_by_pid(leaks(early)).empty()) << "10 s after SessionEnd: within the 30 s grace";
  auto answer = leaks(late);
  EXPECT_EQ(verdict_by_pid(answer), (std::map<std::string, std::string>{{"201", "outlived-session"}})) << render_table(answer);
  EXPECT_NE(column(answer, "evidence")[0].find("carries CLAUDE_CODE_SESSION_ID=sess-ended of a session that ended"),
            std::string::npos);
  EXPECT_NE(column(answer, "evidence")[0].find("(SessionEnd (logout))"), std::string::npos) << column(answer, "evidence")[0];

  auto trail = reader();
  auto sessions = query_sessions(trail, {});
  ASSERT_TRUE(sessions) << sessions.error().message;
  EXPECT_EQ(column(*sessions, "session_id"), (std::vector<std::string>{"sess-cleared", "sess-ended"})) << render_table(*sessions);
  EXPECT_EQ(column(*sessions, "source"), (std::vector<std::string>{"hook", "hook"}));
  EXPECT_EQ(column(*sessions, "client_pid"), (std::vector<std::string>{"100", "100"}));
  EXPECT_EQ(column(*sessions, "ended")[0], "live") << "a /clear does not end what the servers belong to";
  EXPECT_EQ(column(*sessions, "end_reason")[1], "SessionEnd (logout)");
  EXPECT_EQ(column(*sessions, "processes"), (std::vector<std::string>{"1", "1"}));
  EXPECT_EQ(column(*sessions, "alive"), (std::vector<std::string>{"1", "1"}));
}

TEST_F(Verdicts, ASessionWithoutSessionEndEndsWhenItsClientIsSeenGone) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto client = own_session(child_of(init, sample(100, 50, 1, "claude")));
  auto server = child_of(client, sample(201, 200, 100, "node server-memory"));
  server.session_variable = "CLAUDE_CODE_SESSION_ID";
  server.session_marker = "killed-client";
  record_at(10, {init, client, server});
  auto reparented = server;
  reparented.ppid = 1;
  const int64_t seen_gone = record_at(100, {init, reparented});
  const int64_t after = record_at(200, {init, reparented});
  EXPECT_EQ(verdict_by_pid(leaks(seen_gone)), (std::map<std::string, std::string>{{"201", "orphaned"}}))
      << "the client was seen gone just now: within the grace, the orphan verdict stands";
  auto trail = reader();
  auto sessions = query_sessions(trail, {});
  ASSERT_TRUE(sessions) << sessions.error().message;
  EXPECT_EQ(column(*sessions, "end_reason"), std::vector<std::string>{"client exited"}) << render_table(*sessions);
  EXPECT_EQ(column(*sessions, "source"), std::vector<std::string>{"environ"});
  EXPECT_EQ(column(*sessions, "client_pid"), std::vector<std::string>{"100"});
  EXPECT_EQ(verdict_by_pid(leaks(after)), (std::map<std::string, std::string>{{"201", "outlived-session"}}))
      << "outlived-session is stronger than orphaned";
}

// A `proctrail exec` run is a session too: its processes carry PROCTRAIL_RUN (the innermost id last).
TEST_F(Verdicts, AnExecRunIsASessionOfTheProcessesCarryingItsRunId) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto left = own_session(child_of(init, sample(300, 100, 1, "sleep 300")));
  left.session_variable = "PROCTRAIL_RUN";
  left.session_marker = "outer0000000001:run0000000002";
  const int64_t before = record_at(10, {init, left});
  auto recorded = store->record_exec_run(host(), ExecRunRecord{.marker = "run0000000002", .argv = "make test",
                                                                .started_at_us = test::at_ticks(0) + 5 * kSecond,
                                                                .ended_at_us = test::at_ticks(0) + 20 * kSecond,
                                                                .before_snapshot_id = before,
                                                                .events = "recorded"});
  ASSERT_TRUE(recorded) << recorded.error().message;
  const int64_t after = record_at(100, {init, left});
  auto trail = reader();
  auto sessions = query_sessions(trail, {});
  ASSERT_TRUE(sessions) << sessions.error().message;
  EXPECT_EQ(column(*sessions, "session_id"), std::vector<std::string>{"run0000000002"}) << render_table(*sessions);
  EXPECT_EQ(column(*sessions, "source"), std::vector<std::string>{"exec"});
  EXPECT_EQ(column(*sessions, "end_reason"), std::vector<std::string>{"exec run ended"});
  EXPECT_EQ(column(*sessions, "processes"), std::vector<std::string>{"1"});
  EXPECT_EQ(verdict_by_pid(leaks(after)), (std::map<std::string, std::string>{{"300", "outlived-session"}}));
}

TEST_F(Verdicts, ZombiesAreNotSuspects) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto zombie = sample(400, 100, 1, "node dead.js", 0, 'Z');
  zombie.inherited_by = 1;
  const int64_t s = record_at(10, {init, zombie});
  EXPECT_TRUE(verdict_by_pid(leaks(s)).empty());
}

// snapshot_leak_suspects (the report's and sqlite users' view) and `query leaks` at its defaults
// choose the same verdicts.
TEST_F(Verdicts, TheSuspectsViewAndQueryLeaksAgreeAtTheDefaults) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto orphan = sample(7401, 500, 1, "node a.js");
  orphan.pgid = orphan.sid = 7368;
  orphan.inherited_by = 1;
  auto client = own_session(child_of(init, sample(100, 50, 1, "claude")));
  auto old_gen = child_of(client, sample(201, 1'000, 100, "node b.js"));
  auto new_gen = child_of(client, sample(202, 5'000, 100, "node b.js"));
  record_at(60, {init, orphan, client, with_counters(old_gen, 1, 1), with_counters(new_gen, 1, 1)});
  const int64_t s = record_at(1'000, {init, orphan, client, with_counters(old_gen, 1, 1), with_counters(new_gen, 4, 4, 1)});
  auto answer = leaks(s);
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement view(db, "SELECT pid, verdict FROM snapshot_leak_suspects WHERE snapshot_id = ?1 ORDER BY pid");
  view.bind(1, s);
  std::map<std::string, std::string> from_view;
  while (view.executeStep()) from_view[view.getColumn(0).getString()] = view.getColumn(1).getString();
  EXPECT_EQ(verdict_by_pid(answer), from_view);
  EXPECT_EQ(from_view, (std::map<std::string, std::string>{{"201", "abandoned"}, {"7401", "orphaned"}}));
}

TEST_F(Verdicts, MemorySamplesGiveUssPssAndWhatEndingFrees) {
  auto init = own_session(sample(1, 0, 0, "/sbin/init"));
  auto a = sample(501, 100, 1, "node m.js", 60'000), b = sample(502, 110, 1, "node m.js", 60'000);
  for (auto* s : {&a, &b}) {
    s->inherited_by = 1;
    s->pgid = s->sid = 500;
    s->swap_kb = 1'000;
  }
  a.memory = MemorySample{.rss_kb = 60'000, .pss_kb = 30'000, .uss_kb = 25'000, .swap_kb = 1'000};
  const int64_t s = record_at(10, {init, a, b});
  auto trail = reader();
  auto memory = query_memory(trail, s, "argv", std::string("m\\.js"), {});
  ASSERT_TRUE(memory) << memory.error().message;
  EXPECT_EQ(column(*memory, "rss_kb"), std::vector<std::string>{"120000"});
  EXPECT_EQ(column(*memory, "uss_kb"), std::vector<std::string>{"25000"});
  EXPECT_EQ(column(*memory, "pss_kb"), std::vector<std::string>{"30000"});
  EXPECT_EQ(column(*memory, "swap_kb"), std::vector<std::string>{"2000"});
  EXPECT_EQ(column(*memory, "measured"), std::vector<std::string>{"1"});
  auto answer = leaks(s);
  EXPECT_EQ(column(answer, "uss_kb"), (std::vector<std::string>{"NULL", "25000"})) << render_table(answer);
  EXPECT_EQ(column(answer, "swap_kb"), (std::vector<std::string>{"1000", "1000"}));
}

}  // namespace
}  // namespace proctrail
