// Hardening (issue 20): each test is the reproduction of a bug an adversarial review found, run
// against the real binary and real processes. Every process is started here and stopped by its pid.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;
using test::Ran;

const std::string kBinary = PROCTRAIL_BIN;

class Hardening : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string db = (tmp / "trail.db").string();

  Ran proctrail(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), {kBinary, "--db", db});
    return test::run_captured(args, stdin_text);
  }
};

// Regression: any --match (query, report, cleanup, even a dry run) crashed with SIGSEGV on an argv of
// 30 KB or more, because std::regex recursed per character. A real process with a 1 MB argv (eight
// arguments at the kernel's 128 KB limit each) goes through every --match path.
TEST_F(Hardening, MatchOverAOneMegabyteArgvDoesNotCrashAnyCommand) {
  std::vector<std::string> argv = {"sh", "-c", "read line", "classpath"};  // a shell builtin: no child to leave behind
  for (int i = 0; i < 8; ++i) argv.push_back(std::string(120 * 1024, static_cast<char>('a' + i)));
  Child java(argv, {.pipe_stdin = true});
  ASSERT_TRUE(test::eventually([&] { return test::read_all("/proc/" + std::to_string(java.pid()) + "/cmdline").size() > 900'000; }))
      << "the long argv is in place before the snapshot";
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  for (std::vector<std::string> command : {std::vector<std::string>{"query", "leaks", "--match", "h+$"},
                                           {"query", "groups", "--match", "^sh -c (.+)+ classpath"},
                                           {"query", "memory", "--match", "(a|aa)*b"},
                                           {"report", "--format", "md", "--match", "hhhh", "--output", (tmp / "r.md").string()},
                                           {"cleanup", "--match", "^(a+)+$"},
                                           {"sql", "SELECT count(*) FROM snapshot_processes WHERE argv REGEXP '(h+)+$'"}}) {
    const Ran ran = proctrail(command);
    EXPECT_EQ(ran.code, 0) << command[0] << " " << command[1] << ": " << ran.err;
  }
  const Ran bad = proctrail({"query", "leaks", "--match", "(unclosed"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("bad regular expression '(unclosed'"), std::string::npos) << bad.err;
  java.kill_and_wait();
}

// Regression: `exec` printed the argv of what a command left behind raw, so an argv carrying escape
// sequences could clear the screen or recolour the terminal that reads the leak report.
TEST_F(Hardening, ExecLeakLinesShowEscapeSequencesInArgvEscaped) {
  const std::string hostile = "\x1b[2J\x1b]0;owned\x07";
  const Ran ran = proctrail({"exec", "--cleanup", "--grace", "1s", "--", "bash", "-c",
                             "(exec -a \"leaked " + hostile + "\" sleep 608) </dev/null >/dev/null 2>&1 &"});
  EXPECT_EQ(ran.err.find('\x1b'), std::string::npos) << "raw ESC reached the terminal";
  EXPECT_NE(ran.err.find("leaked \\x1b[2J\\x1b]0;owned\\x07"), std::string::npos) << ran.err;
  EXPECT_NE(ran.err.find("TERM → exited"), std::string::npos) << "exec --cleanup ended what it left: " << ran.err;
}

// Regression: a trigger planted in the trail rewrote the argv of every future process row before it
// was hashed, and a replaced view made questions lie; verify passed both, and opening the trail for
// writing did not repair the view. A writable open now drops the trigger and re-creates the views,
// and verify names what it found.
TEST_F(Hardening, VerifyNamesAPlantedTriggerAndAReplacedView) {
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  const Ran clean = proctrail({"verify"});
  ASSERT_EQ(clean.code, 0) << clean.err;
  {
    SQLite::Database trail(db, SQLite::OPEN_READWRITE);
    trail.exec("CREATE TRIGGER launder AFTER INSERT ON processes BEGIN UPDATE processes SET argv = 'innocent'"
               " WHERE process_id = new.process_id; END");
  }
  const Ran trigger = proctrail({"verify"});
  EXPECT_EQ(trigger.code, 1);
  EXPECT_NE(trigger.err.find("verify: schema: trigger launder is not part of proctrail's schema"), std::string::npos)
      << trigger.err;
  {
    SQLite::Database trail(db, SQLite::OPEN_READWRITE);
    EXPECT_EQ(trail.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").getInt(), 0)
        << "verify's writable open dropped the planted trigger";
    trail.exec("DROP VIEW snapshot_processes");
    trail.exec("CREATE VIEW snapshot_processes AS SELECT * FROM processes WHERE argv NOT LIKE '%evil%'");
  }
  const Ran view = proctrail({"verify"});
  EXPECT_EQ(view.code, 1);
  EXPECT_NE(view.err.find("verify: schema: views had been changed since proctrail created them"), std::string::npos)
      << view.err;
  // Opening the trail for writing re-created the views from the binary, so the questions tell the truth again.
  EXPECT_EQ(proctrail({"verify"}).code, 0);
  SQLite::Database trail(db, SQLite::OPEN_READONLY);
  EXPECT_EQ(trail.execAndGet("SELECT sql NOT LIKE '%evil%' FROM sqlite_master WHERE name = 'snapshot_processes'").getInt(), 1);
}

mode_t mode_of(const std::filesystem::path& path);

// Regression: deleting the newest snapshot with its content left verify reporting "intact". The head
// log beside the trail (TRAIL.head) still names it, so verify says snapshots were removed.
TEST_F(Hardening, VerifyDetectsTheNewestSnapshotDeletedWithItsContent) {
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  ASSERT_EQ(proctrail({"verify"}).code, 0);
  {
    SQLite::Database trail(db, SQLite::OPEN_READWRITE);  // foreign keys off, as SQLite opens
    for (const char* table : {"process_ppid_changes", "process_state_changes", "process_command_changes",
                              "process_usage_changes", "process_activity_changes", "process_memory_samples",
                              "socket_changes", "container_changes", "container_collections", "snapshot_collections"}) {
      trail.exec(std::string("DELETE FROM ") + table + " WHERE snapshot_id = 2");
    }
    trail.exec("DELETE FROM fds WHERE first_seen = 2");
    trail.exec("DELETE FROM sockets WHERE first_seen = 2");
    trail.exec("DELETE FROM processes WHERE first_seen = 2");
    trail.exec("UPDATE processes SET gone_by = NULL WHERE gone_by = 2");
    trail.exec("UPDATE fds SET gone_by = NULL WHERE gone_by = 2");
    trail.exec("UPDATE sockets SET gone_by = NULL WHERE gone_by = 2");
    trail.exec("DELETE FROM snapshots WHERE snapshot_id = 2");
  }
  const Ran truncated = proctrail({"verify"});
  EXPECT_EQ(truncated.code, 1) << truncated.out;
  EXPECT_NE(truncated.err.find("the snapshot chain ends at 1, but its head log"), std::string::npos) << truncated.err;
  EXPECT_NE(truncated.err.find("says snapshot 2 was committed"), std::string::npos) << truncated.err;
  EXPECT_EQ(mode_of(db + ".head"), 0600u);
}

// Regression: whoever could write the trail could cut its newest snapshots and, cutting the head log
// beside it too, leave verify saying intact. A head kept elsewhere (verify prints it) is checked by
// --expect-head, which no edit of the files can satisfy.
TEST_F(Hardening, ExpectHeadCatchesATruncationThatAlsoCutTheHeadLog) {
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  const Ran verified = proctrail({"verify"});
  ASSERT_EQ(verified.code, 0) << verified.err;
  const size_t at = verified.out.find("head 2:");
  ASSERT_NE(at, std::string::npos) << verified.out;
  const std::string kept = verified.out.substr(at + 5, 2 + 64);
  EXPECT_EQ(proctrail({"verify", "--expect-head", kept}).code, 0);
  EXPECT_EQ(proctrail({"verify", "--expect-head", kept.substr(2, 16)}).code, 0) << "the hash's first 16 digits suffice";
  EXPECT_EQ(proctrail({"verify", "--expect-head", "2:0123"}).code, 2) << "too short to name a head";
  {
    SQLite::Database trail(db, SQLite::OPEN_READWRITE);
    trail.exec("DELETE FROM snapshot_collections WHERE snapshot_id = 2; DELETE FROM container_collections WHERE snapshot_id = 2;"
               " DELETE FROM process_usage_changes WHERE snapshot_id = 2; DELETE FROM process_activity_changes WHERE snapshot_id = 2;"
               " DELETE FROM process_state_changes WHERE snapshot_id = 2; DELETE FROM process_ppid_changes WHERE snapshot_id = 2;"
               " DELETE FROM process_command_changes WHERE snapshot_id = 2; DELETE FROM process_memory_samples WHERE snapshot_id = 2;"
               " DELETE FROM socket_changes WHERE snapshot_id = 2; DELETE FROM container_changes WHERE snapshot_id = 2;"
               " DELETE FROM fds WHERE first_seen = 2; DELETE FROM sockets WHERE first_seen = 2;"
               " DELETE FROM processes WHERE first_seen = 2; UPDATE processes SET gone_by = NULL WHERE gone_by = 2;"
               " UPDATE fds SET gone_by = NULL WHERE gone_by = 2; UPDATE sockets SET gone_by = NULL WHERE gone_by = 2;"
               " DELETE FROM spawn_counts; DELETE FROM snapshots WHERE snapshot_id = 2");
    trail.exec("INSERT INTO spawn_counts (host_id, start_minute, parent_key, argv, spawned)"
               " SELECT host_id, start_time_us / 60000000,"
               " COALESCE(parent_process_id, CASE WHEN inherited_by IS NOT NULL THEN 0 END, -COALESCE(parent_pid, ppid)),"
               " COALESCE(argv, ''), count(*) FROM processes WHERE is_kernel_thread = 0 GROUP BY 1, 2, 3, 4");
  }
  std::filesystem::remove(db + ".head");
  EXPECT_EQ(proctrail({"verify"}).code, 0) << "both files cut: nothing inside them can tell";
  const Ran expected = proctrail({"verify", "--expect-head", kept});
  EXPECT_EQ(expected.code, 1) << expected.out;
  EXPECT_NE(expected.err.find("no snapshot 2"), std::string::npos) << expected.err;
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  ::lstat(path.c_str(), &info);
  return info.st_mode & 07777;
}

// Regression: the hook's log was opened through a symbolic link another user had planted, so root
// appended to a file the link pointed at. The link is refused; the snapshot is still taken.
TEST_F(Hardening, APlantedLogSymlinkIsRefusedNotFollowed) {
  const auto victim = tmp / "root-only.conf";
  { std::ofstream(victim) << "secret=1\n"; }
  std::filesystem::create_symlink(victim, tmp / "proctrail.log");
  const Ran ran = proctrail({"snap", "--hook", "--wait"}, "this payload is not JSON");
  EXPECT_EQ(ran.code, 0);
  EXPECT_EQ(test::read_all(victim), "secret=1\n") << "nothing was appended through the link";
  EXPECT_NE(ran.err.find("symbolic link"), std::string::npos) << ran.err;
  EXPECT_EQ(proctrail({"sql", "SELECT count(*) FROM snapshots"}).out, "count(*)\n1\n") << "the snapshot was still taken";
}

// Regression: the report, --evidence-out and exec --json files were created 0644 though they carry
// argv history; an existing file kept its mode; a symbolic link was followed.
TEST_F(Hardening, ReportsEvidenceAndJsonAreWrittenPrivateAndNeverThroughALink) {
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  const auto report = tmp / "report.md";
  { std::ofstream(report) << "old"; }
  std::filesystem::permissions(report, std::filesystem::perms(0644));
  ASSERT_EQ(proctrail({"report", "--format", "md", "--output", report.string()}).code, 0);
  EXPECT_EQ(mode_of(report), 0600u);
  const auto json = tmp / "exec.json";
  ASSERT_EQ(proctrail({"exec", "--json", json.string(), "--", "true"}).code, 0);
  EXPECT_EQ(mode_of(json), 0600u);
  const auto elsewhere = tmp / "elsewhere.md";
  { std::ofstream(elsewhere) << "keep"; }
  std::filesystem::create_symlink(elsewhere, tmp / "linked.md");
  const Ran linked = proctrail({"report", "--format", "md", "--output", (tmp / "linked.md").string()});
  EXPECT_NE(linked.code, 0);
  EXPECT_NE(linked.err.find("symbolic link"), std::string::npos) << linked.err;
  EXPECT_EQ(test::read_all(elsewhere), "keep");
}

// Regression: `cleanup --parent N` matched a bare pid, so it chose the children of a dead process
// whose pid had been reused. A bare pid is now the process alive with that pid; an exited parent is
// named by its identity, PID@START_TICKS.
TEST_F(Hardening, ParentIsAnIdentityNotABarePid) {
  Child parent({"sh", "-c", "exec 3<&0; sleep 709 <&3 3<&- >/dev/null & echo $!; read line"},
               {.pipe_stdin = true, .pipe_stdout = true});
  const pid_t child = static_cast<pid_t>(std::stol(parent.read_line()));
  std::istringstream stat(test::read_all("/proc/" + std::to_string(parent.pid()) + "/stat"));
  std::string field;
  std::vector<std::string> fields;
  const std::string text = stat.str();
  std::istringstream after(text.substr(text.rfind(')') + 2));
  while (after >> field) fields.push_back(field);
  const std::string start_ticks = fields.at(19);  // (22) starttime: the 20th field after "(comm)"
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  parent.close_stdin();
  parent.wait();  // the parent exits; its sleep lives on, reparented
  const std::string bare = std::to_string(parent.pid());
  const Ran gone = proctrail({"cleanup", "--parent", bare});
  EXPECT_EQ(gone.code, 1) << gone.err;
  EXPECT_NE(gone.err.find("no process with pid " + bare + " is alive now"), std::string::npos) << gone.err;
  const Ran named = proctrail({"cleanup", "--parent", bare + "@" + start_ticks, "--format", "json"});
  ASSERT_EQ(named.code, 0) << named.err;
  auto plan = nlohmann::json::parse(named.out);
  ASSERT_EQ(plan.size(), 1u) << named.out;
  EXPECT_EQ(plan[0]["pid"], child);
  const Ran malformed = proctrail({"cleanup", "--parent", "12@x"});
  EXPECT_EQ(malformed.code, 2) << malformed.err;
  ::kill(child, SIGKILL);
  test::eventually([&] { return !std::filesystem::exists("/proc/" + std::to_string(child)); }, std::chrono::seconds(10));
}

}  // namespace
}  // namespace proctrail
