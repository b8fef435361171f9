// proctrail guard on real processes (issue 21): a policy reaps orphaned servers while a live client's
// server and an allow-listed orphan survive; --dry-run signals nothing; max_per_run refuses an
// oversized selection; keep_newest ends older idle instances and only reports a busy one; two guards
// act on each target once; a bad policy changes nothing. Every process is started here and stopped
// here by the pid it got back; orphans are killed by pid and awaited until their reaper took them.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "tests/support/child.hpp"
#include "tests/support/orphans.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;
using test::eventually;

const std::string kBinary = PROCTRAIL_BIN;

bool alive(pid_t pid) { return test::alive_not_zombie(pid); }

std::string cmdline_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  for (char& c : text) c = c == '\0' ? ' ' : c;
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

using test::Orphans;

class Guard : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string db = (tmp / "trail.db").string();
  std::string policy = (tmp / "policy.toml").string();
  Orphans orphans;
  // Commands unique to this test process, so tests running at once never see each other's servers.
  const std::string tag = std::to_string(::getpid());
  std::string leaked_seconds = "611" + tag, live_seconds = "612" + tag, allowed_seconds = "613" + tag;

  // `count` orphaned `sleep SECONDS` servers holding a pipe as stdin, their client gone; once exec'd.
  std::vector<pid_t> orphaned_servers(int count, const std::string& seconds) {
    std::string script = "exec 3<&0;";
    for (int i = 0; i < count; ++i) script += " sleep " + seconds + " <&3 3<&- >/dev/null & echo $!;";
    Child client({"setsid", "sh", "-c", script}, {.pipe_stdin = true, .pipe_stdout = true});
    std::vector<pid_t> pids;
    std::istringstream lines(client.read_stdout());
    for (std::string line; std::getline(lines, line);) pids.push_back(static_cast<pid_t>(std::stol(line)));
    client.wait();
    for (pid_t pid : pids) {
      orphans.adopt(pid);
      EXPECT_TRUE(eventually([&] { return cmdline_of(pid) == "sleep " + seconds; }, std::chrono::seconds(10)));
    }
    return pids;
  }
  // An orphan that ignores SIGTERM, its argv ending ": TAG"; once exec'd (0 if it never was).
  pid_t stubborn_orphan() {
    const std::string stubborn = "trap '' TERM; while :; do sleep 1; done; : " + tag;
    Child client({"setsid", "sh", "-c", "exec 3<&0; sh -c \"$0\" <&3 3<&- >/dev/null & echo $!", stubborn},
                 {.pipe_stdin = true, .pipe_stdout = true});
    const pid_t pid = static_cast<pid_t>(std::stol(client.read_line()));
    client.wait();
    orphans.adopt(pid);
    const bool ran = eventually([&] { return cmdline_of(pid).find(": " + tag) != std::string::npos; }, std::chrono::seconds(10));
    return ran ? pid : 0;
  }
  void write_policy(const std::string& text) { std::ofstream(policy) << text; }
  test::Ran guard(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kBinary, "--db", db, "guard", "--policy", policy, "--once", "--no-containers", "--format", "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return test::run_captured(argv);
  }
  int64_t count(const std::string& sql) {
    SQLite::Database trail(db, SQLite::OPEN_READONLY);
    return trail.execAndGet(sql).getInt64();
  }
};

// Ends the orphaned `sleep 611TAG`, `612TAG` and `613TAG`, but never the last (allow list).
std::string reap_orphans(const std::string& tag) {
  return "[[rule]]\nname = \"leaked servers\"\nmatch = \"^sleep 61[123]" + tag + "$\"\nverdict = [\"orphaned\"]\n"
         "grace = \"2s\"\n\n[allow]\nmatch = [\"^sleep 613" + tag + "$\"]\n";
}

TEST_F(Guard, ReapsOrphanedServersWhileALiveClientsServerAndAnAllowListedOrphanSurvive) {
  const auto leaked = orphaned_servers(2, leaked_seconds);
  const auto allowed = orphaned_servers(1, allowed_seconds);
  Child live_server({"sleep", live_seconds}, {.pipe_stdin = true, .pipe_stdout = true});  // this test is its client
  write_policy(reap_orphans(tag));
  const auto ran = guard();
  ASSERT_EQ(ran.code, 0) << ran.err;
  for (pid_t pid : leaked) EXPECT_TRUE(eventually([&] { return !alive(pid); }, std::chrono::seconds(10))) << pid;
  EXPECT_TRUE(alive(allowed[0])) << "the allow list is never acted on";
  EXPECT_TRUE(alive(live_server.pid())) << "a live client's server has no verdict";
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_outcomes WHERE selector LIKE 'rule leaked servers: orphaned%'"
                  " AND outcome IN ('exited', 'killed')"),
            2);
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_actions WHERE outcome = 'protected' AND detail LIKE 'allow list%'"
                  " AND pid = " + std::to_string(allowed[0])),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_runs WHERE json_extract(selectors, '$.rule') = 'leaked servers'"
                  " AND after_snapshot_id IS NOT NULL"),
            1);
  const auto report = nlohmann::json::parse(ran.out);
  EXPECT_EQ(report["acted"], 2) << ran.out;
  EXPECT_NE(ran.err.find("2 acted on"), std::string::npos) << ran.err;
  EXPECT_EQ(test::run_captured({kBinary, "--db", db, "verify"}).code, 0);
  live_server.kill_and_wait();
}

TEST_F(Guard, DryRunSignalsNothingAndSaysWhatItWouldDo) {
  const auto leaked = orphaned_servers(2, leaked_seconds);
  write_policy(reap_orphans(tag));
  const auto ran = guard({"--dry-run"});
  ASSERT_EQ(ran.code, 0) << ran.err;
  for (pid_t pid : leaked) EXPECT_TRUE(alive(pid));
  const auto report = nlohmann::json::parse(ran.out);
  EXPECT_EQ(report["acted"], 0);
  ASSERT_EQ(report["targets"].size(), 2u) << ran.out;
  for (const auto& target : report["targets"]) EXPECT_EQ(target["outcome"], "reported");
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_actions"), 0) << "nothing signalled, nothing audited as done";
}

TEST_F(Guard, MaxPerRunRefusesAnOversizedSelection) {
  const auto leaked = orphaned_servers(3, leaked_seconds);
  write_policy("[[rule]]\nname = \"leaked servers\"\nmatch = \"^sleep " + leaked_seconds +
               "$\"\nverdict = [\"orphaned\"]\nmax_per_run = 2\n");
  const auto ran = guard();
  ASSERT_EQ(ran.code, 0) << ran.err;
  for (pid_t pid : leaked) EXPECT_TRUE(alive(pid)) << "refused: none of the three is ended";
  EXPECT_NE(ran.err.find("guard: rule leaked servers: chose 3 targets, more than its max_per_run of 2"), std::string::npos) << ran.err;
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_actions"), 0);
}

// keep_newest = 1 per parent: of three instances of one command under this test, the newest is kept,
// the older idle one is ended, and the oldest, busy on a CPU, is reported and never ended.
TEST_F(Guard, KeepNewestEndsOlderIdleInstancesAndOnlyReportsABusyOne) {
  const std::vector<std::string> server = {"sh", "-c", "if [ -n \"$SPIN\" ]; then while :; do :; done; else read line; fi"};
  Child busy(server, {.pipe_stdin = true, .env = {"SPIN=1"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Child idle(server, {.pipe_stdin = true});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Child newest(server, {.pipe_stdin = true});
  write_policy(R"toml(
[[rule]]
name = "one per client"
match = "^sh -c 'if \\[ -n"
keep_newest = 1
per = "parent"
idle_for = "1s"
grace = "1s"
)toml");
  // Activity is known once two snapshots saw them: one now, and the guard's evidence later.
  ASSERT_EQ(test::run_captured({kBinary, "--db", db, "snap", "--no-containers"}).code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto ran = guard();
  ASSERT_EQ(ran.code, 0) << ran.err;
  EXPECT_TRUE(eventually([&] { return !alive(idle.pid()); }, std::chrono::seconds(10))) << ran.out << ran.err;
  EXPECT_TRUE(alive(newest.pid())) << "the newest instance is kept";
  EXPECT_TRUE(alive(busy.pid())) << "a busy older instance is reported, never ended";
  const auto report = nlohmann::json::parse(ran.out);
  bool busy_reported = false;
  for (const auto& target : report["targets"]) {
    if (target["pid"] == busy.pid()) busy_reported = target["outcome"] == "spared";
  }
  EXPECT_TRUE(busy_reported) << ran.out;
  busy.kill_and_wait();
  idle.wait();
  newest.kill_and_wait();
}

// Two guards at once on one trail: the lock beside it serialises them, so each target is acted on once.
TEST_F(Guard, TwoConcurrentGuardsActOnEachTargetOnce) {
  const auto leaked = orphaned_servers(3, leaked_seconds);
  write_policy(reap_orphans(tag));
  std::vector<std::string> argv = {kBinary, "--db", db, "guard", "--policy", policy, "--once", "--no-containers"};
  Child first(argv, {.pipe_stdout = true, .pipe_stderr = true});
  Child second(argv, {.pipe_stdout = true, .pipe_stderr = true});
  EXPECT_EQ(first.wait(), 0);
  EXPECT_EQ(second.wait(), 0);
  for (pid_t pid : leaked) EXPECT_TRUE(eventually([&] { return !alive(pid); }, std::chrono::seconds(10))) << pid;
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_actions WHERE outcome = 'signalling'"), 3) << "one intent per target";
  EXPECT_EQ(count("SELECT count(DISTINCT pid) FROM cleanup_actions WHERE outcome = 'signalling'"), 3);
}

// An orphan that ignores SIGTERM is killed once the rule's grace has passed.
TEST_F(Guard, ATargetThatIgnoresSigtermIsKilledAfterTheGrace) {
  const pid_t pid = stubborn_orphan();
  ASSERT_GT(pid, 0);
  write_policy("[[rule]]\nname = \"stubborn\"\nmatch = \": " + tag + "\"\nverdict = [\"orphaned\"]\ngrace = \"500ms\"\n");
  const auto ran = guard();
  ASSERT_EQ(ran.code, 0) << ran.err;
  EXPECT_TRUE(eventually([&] { return !alive(pid); }, std::chrono::seconds(10)));
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_outcomes WHERE pid = " + std::to_string(pid) + " AND outcome = 'killed'"), 1)
      << ran.out;
}

// SIGTERM while the guard waits out a target's grace: it sends no SIGKILL, records the outcome it
// knows (interrupted) in the audit, and exits 128 + 15.
TEST_F(Guard, SigtermDuringARunFinishesTheActionUnderWayAndWritesItsAuditRow) {
  const pid_t pid = stubborn_orphan();
  ASSERT_GT(pid, 0);
  write_policy("[[rule]]\nname = \"stubborn\"\nmatch = \": " + tag + "\"\nverdict = [\"orphaned\"]\ngrace = \"60s\"\n");
  Child running({kBinary, "--db", db, "guard", "--policy", policy, "--once", "--no-containers"},
                {.pipe_stdout = true, .pipe_stderr = true});
  ASSERT_TRUE(eventually([&] {
    try {
      SQLite::Database trail(db, SQLite::OPEN_READONLY);
      return trail.execAndGet("SELECT count(*) FROM cleanup_actions WHERE outcome = 'signalling'").getInt() == 1;
    } catch (const SQLite::Exception&) {
      return false;  // the trail is not there yet, or not yet migrated
    }
  }, std::chrono::seconds(20)));
  ::kill(running.pid(), SIGTERM);
  EXPECT_EQ(running.wait(), 128 + SIGTERM);
  EXPECT_TRUE(alive(pid)) << "no SIGKILL after the interruption";
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_outcomes WHERE pid = " + std::to_string(pid) + " AND outcome = 'interrupted'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM cleanup_runs WHERE interrupted = 'SIGTERM'"), 1);
}

// A run that acts says so where the user will see it: a desktop notification (notify-send, here a
// stand-in on PATH that writes down its arguments) and, under systemd, the journal at NOTICE.
TEST_F(Guard, ARunThatActsNotifiesTheDesktopAndTheJournal) {
  const auto leaked = orphaned_servers(1, leaked_seconds);
  write_policy(reap_orphans(tag));
  const auto bin = tmp / "bin";
  std::filesystem::create_directories(bin);
  const auto told = tmp / "notified.txt";
  {
    std::ofstream script(bin / "notify-send");
    script << "#!/bin/sh\nprintf '%s|%s\\n' \"$1\" \"$2\" >> '" << told.string() << "'\n";
  }
  std::filesystem::permissions(bin / "notify-send", std::filesystem::perms::owner_all);
  const auto ran = test::run_captured({"env", "PATH=" + bin.string() + ":/usr/bin:/bin", "DISPLAY=:77", "JOURNAL_STREAM=8:12345",
                                       kBinary, "--db", db, "guard", "--policy", policy, "--once", "--no-containers"});
  ASSERT_EQ(ran.code, 0) << ran.err;
  std::ifstream in(told);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << "notify-send was not run";
  EXPECT_TRUE(line.starts_with("proctrail guard|ended 1 process(es)")) << line;
  EXPECT_NE(ran.err.find("<5>guard: evidence snapshot"), std::string::npos) << ran.err;
  EXPECT_TRUE(eventually([&] { return !alive(leaked[0]); }, std::chrono::seconds(10)));

  const auto quiet = test::run_captured({"env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", "-u", "JOURNAL_STREAM",
                                         "PATH=" + bin.string() + ":/usr/bin:/bin", kBinary, "--db", db, "guard", "--policy",
                                         policy, "--once", "--no-containers"});
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("<5>"), std::string::npos) << "nothing acted, no journal level";
  std::ifstream again(told);
  int lines = 0;
  while (std::getline(again, line)) ++lines;
  EXPECT_EQ(lines, 1) << "no desktop, or nothing acted: no notification";
}

TEST_F(Guard, ABadPolicyIsRefusedWithItsLineAndNothingRuns) {
  const auto leaked = orphaned_servers(1, leaked_seconds);
  write_policy("[[rule]]\nname = \"r\"\nmatch = \"^sleep " + leaked_seconds + "$\"\nverdict = [\"leaked\"]\n");
  const auto ran = guard();
  EXPECT_EQ(ran.code, 2) << ran.err;
  EXPECT_NE(ran.err.find(policy + ":4: verdict: unknown verdict 'leaked'"), std::string::npos) << ran.err;
  EXPECT_EQ(std::count(ran.err.begin(), ran.err.end(), '\n'), 1) << ran.err;
  EXPECT_TRUE(alive(leaked[0]));
  EXPECT_FALSE(std::filesystem::exists(db)) << "nothing ran: not even the trail was opened";
}

}  // namespace
}  // namespace proctrail
