// The built binary, run as users and hook callers run it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "tests/support/child.hpp"
#include "tests/support/hook_worker.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;

const std::string kBinary = PROCTRAIL_BIN;

using RunResult = test::Ran;

// pipe_stdin false: stdin is this test's own (a terminal or /dev/null), as when run by hand.
RunResult run(std::vector<std::string> args, const std::string& stdin_text = "", bool pipe_stdin = true,
        std::vector<std::string> env = {}) {
  args.insert(args.begin(), kBinary);
  if (pipe_stdin) return test::run_captured(args, stdin_text, std::move(env));
  Child child(args, {.pipe_stdout = true, .pipe_stderr = true, .env = env});
  RunResult result;
  result.out = child.read_stdout();
  result.err = child.read_stderr();
  result.code = child.wait();
  return result;
}

int64_t count(const std::filesystem::path& db, const std::string& sql) {
  SQLite::Database database(db.string(), SQLite::OPEN_READONLY);
  return database.execAndGet(sql).getInt64();
}

std::string text(const std::filesystem::path& db, const std::string& sql) {
  SQLite::Database database(db.string(), SQLite::OPEN_READONLY);
  auto column = database.execAndGet(sql);
  return column.isNull() ? "NULL" : column.getString();
}

class Binary : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::filesystem::path db = tmp / "trail.db";
};

TEST_F(Binary, SnapPrintsOneLineAndRecords) {
  RunResult r = run({"--db", db.string(), "snap", "--tag", "first"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("snapshot 1: ")) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  EXPECT_GT(count(db, "SELECT processes_seen FROM snapshots"), 1);
  EXPECT_EQ(text(db, "SELECT tag || '/' || trigger FROM snapshots"), "first/manual");
}

TEST_F(Binary, SnapJsonIsOneObject) {
  RunResult r = run({"--db", db.string(), "snap", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("{\"changes\":")) << r.out;
  EXPECT_NE(r.out.find("\"snapshot_id\":1"), std::string::npos);
  EXPECT_NE(r.out.find("\"elapsed_ms\":"), std::string::npos);
}

TEST_F(Binary, DefaultDatabaseLivesUnderXdgStateHomeInPrivateFolders) {
  RunResult r = run({"snap"}, "", true, {"XDG_STATE_HOME=" + (tmp / "state").string(), "PROCTRAIL_DB="});
  ASSERT_EQ(r.code, 0) << r.err;
  auto path = tmp / "state/proctrail/trail.db";
  ASSERT_TRUE(std::filesystem::exists(path)) << r.out;
  struct stat info {};
  ASSERT_EQ(::stat((tmp / "state/proctrail").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(Binary, NewerDatabaseIsRefusedUntouchedWithOneLine) {
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  {
    SQLite::Database database(db.string(), SQLite::OPEN_READWRITE);
    database.exec("PRAGMA user_version = 999");
  }
  std::string before = test::read_all(db);
  RunResult r = run({"--db", db.string(), "snap"});
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(r.err.starts_with("proctrail: opening ")) << r.err;
  EXPECT_NE(r.err.find("newer proctrail"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(test::read_all(db), before);
}

TEST_F(Binary, GarbageDatabaseIsRefusedUntouched) {
  test::write_all(db, std::string(4096, 'z'));
  RunResult r = run({"--db", db.string(), "snap"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("not a SQLite database"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_all(db), std::string(4096, 'z'));
}

TEST_F(Binary, TruncatedDatabaseIsRefusedUntouchedByEveryCommandWithOneLine) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  {
    SQLite::Database database(db.string(), SQLite::OPEN_READWRITE);
    database.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  std::filesystem::resize_file(db, std::filesystem::file_size(db) / 2);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  const std::string before = test::read_all(db);
  for (const auto& command : std::vector<std::vector<std::string>>{{"snap"}, {"verify"}, {"query", "leaks"}, {"report"}}) {
    std::vector<std::string> args = {"--db", db.string()};
    args.insert(args.end(), command.begin(), command.end());
    RunResult r = run(args);
    SCOPED_TRACE(command[0]);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("corrupt or truncated"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  RunResult hook = run({"--db", db.string(), "snap", "--hook", "--wait"}, "{}");
  EXPECT_EQ(hook.code, 0) << "hooks exit 0 even on a broken trail";
  EXPECT_NE(test::read_all(tmp / "proctrail.log").find("corrupt or truncated"), std::string::npos);
  EXPECT_EQ(test::read_all(db), before) << "no command changed the truncated file";
}

TEST_F(Binary, TwentyConcurrentSnapsAllLand) {
  std::vector<std::unique_ptr<Child>> snaps;
  for (int i = 0; i < 20; ++i) {
    snaps.push_back(std::make_unique<Child>(
        std::vector<std::string>{kBinary, "--db", db.string(), "snap", "--tag", std::string("c").append(std::to_string(i))},
        test::SpawnOptions{.pipe_stdout = true, .pipe_stderr = true}));
  }
  for (auto& snap : snaps) {
    std::string err = snap->read_stderr();
    EXPECT_EQ(snap->wait(), 0) << err;
    EXPECT_EQ(err, "");
  }
  EXPECT_EQ(count(db, "SELECT count(*) FROM snapshots"), 20);
  EXPECT_EQ(count(db, "SELECT count(DISTINCT tag) FROM snapshots"), 20);
  RunResult verify = run({"--db", db.string(), "verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_TRUE(verify.out.starts_with("verified 20 snapshots, 0 event batches, 0 cleanup actions and 0 cleanup runs: every hash"
                                     " chain intact, spawn counts agree, and the schema is proctrail's\nhead 20:"))
      << verify.out;
}

TEST_F(Binary, LongReaderDoesNotBlockTheRecorder) {
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  SQLite::Database reader(db.string(), SQLite::OPEN_READONLY);
  reader.exec("BEGIN");
  EXPECT_GT(reader.execAndGet("SELECT count(*) FROM snapshot_processes").getInt64(), 0);  // read txn open
  RunResult r = run({"--db", db.string(), "snap"});
  EXPECT_EQ(r.code, 0) << r.err;
  reader.exec("COMMIT");
  EXPECT_EQ(count(db, "SELECT count(*) FROM snapshots"), 2);
}

TEST_F(Binary, HookStoresThePayloadFieldsAndPrintsNothing) {
  RunResult r = run({"--db", db.string(), "snap", "--hook", "--wait"},
              R"({"session_id":"s-1","transcript_path":"/t.jsonl","cwd":"/w","hook_event_name":"SessionStart"})");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(text(db, "SELECT trigger || '|' || hook_event || '|' || hook_session_id || '|' || hook_cwd || '|' ||"
                     " hook_transcript_path FROM snapshots"),
            "hook|SessionStart|s-1|/w|/t.jsonl");
}

// Bug: a hook caller waited for the whole snapshot (seconds when 50 hooks fired at once), stalling
// the AI client that ran it. Now a detached worker records; the caller's stdout reaches EOF at once.
TEST_F(Binary, HookReturnsAtOnceWhileADetachedWorkerRecordsThePayload) {
  RunResult r = run({"--db", db.string(), "snap", "--hook"}, R"({"session_id":"s-2","hook_event_name":"Stop"})");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  const std::string worker = test::wait_for_hook_worker(db, "hook_session_id = 's-2'");
  ASSERT_NE(worker, "") << "the detached worker's snapshot did not land, or the worker did not exit";
  EXPECT_NE(worker, std::to_string(::getpid()));
}

TEST_F(Binary, HookWithPayloadThatIsNotJsonLogsAndStillSnapshots) {
  RunResult r = run({"--db", db.string(), "snap", "--hook", "--wait"}, "definitely not json");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count(db, "SELECT count(*) FROM snapshots"), 1);
  EXPECT_NE(text(db, "SELECT hook_error FROM snapshots").find("not JSON"), std::string::npos);
  EXPECT_NE(test::read_all(tmp / "proctrail.log").find("not JSON"), std::string::npos);
}

TEST_F(Binary, HookOnARefusedDatabaseExitsZeroAndLogs) {
  test::write_all(db, std::string(4096, 'z'));
  RunResult r = run({"--db", db.string(), "snap", "--hook", "--wait"}, "{}");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(test::read_all(tmp / "proctrail.log").find("not a SQLite database"), std::string::npos);
}

TEST_F(Binary, HookWithBadArgumentsStillExitsZero) {
  RunResult r = run({"--db", db.string(), "snap", "--hook", "--no-such-flag"}, "{}");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("no-such-flag"), std::string::npos);
}

// A caller that keeps our stdin open and never writes must not stall the hook.
TEST_F(Binary, HookDoesNotWaitForAStdinThatNeverCloses) {
  Child hook({kBinary, "--db", db.string(), "snap", "--hook", "--wait"}, {.pipe_stdin = true});
  int code = hook.wait_for(std::chrono::seconds(10));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM snapshots"), 1);
}

TEST_F(Binary, HookWithStdinClosedOrFromDevNull) {
  RunResult r = run({"--db", db.string(), "snap", "--hook", "--wait"}, "", /*pipe_stdin=*/true);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(text(db, "SELECT IFNULL(hook_error, 'none') || IFNULL(hook_session_id, '-') FROM snapshots"), "none-");
}

TEST_F(Binary, WatchTakesCountSnapshotsOnTheTimer) {
  RunResult r = run({"--db", db.string(), "watch", "--interval", "100ms", "--count", "3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;
  EXPECT_EQ(count(db, "SELECT count(*) FROM snapshots WHERE trigger = 'watch'"), 3);
}

TEST_F(Binary, WatchStopsOnSigtermAfterTheSnapshotCommits) {
  Child watch({kBinary, "--db", db.string(), "watch", "--interval", "1h"}, {.pipe_stdout = true});
  std::string first = watch.read_line();  // printed after the first snapshot committed
  EXPECT_TRUE(first.starts_with("snapshot 1: ")) << first;
  ::kill(watch.pid(), SIGTERM);
  EXPECT_EQ(watch.wait_for(std::chrono::seconds(10)), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM snapshots"), 1);
}

TEST_F(Binary, WatchRejectsABadInterval) {
  RunResult r = run({"--db", db.string(), "watch", "--interval", "soon"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("bad duration 'soon'"), std::string::npos) << r.err;
}

TEST_F(Binary, VerifyFailsAfterTampering) {
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  {
    SQLite::Database database(db.string(), SQLite::OPEN_READWRITE);
    database.exec("UPDATE processes SET comm = 'innocent' WHERE process_id = 1");
  }
  RunResult r = run({"--db", db.string(), "verify"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("verify: snapshot 1: content does not match its hash"), std::string::npos) << r.err;
}

TEST_F(Binary, QueryAnswersInEachFormat) {
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  RunResult table = run({"--db", db.string(), "query", "reachable", "--match", "."});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_TRUE(table.out.starts_with("pid ")) << table.out;
  RunResult json = run({"--db", db.string(), "query", "reachable", "--match", ".", "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_TRUE(json.out.starts_with("[{\"")) << json.out;
  EXPECT_NE(json.out.find("\"verdict\":"), std::string::npos);
  RunResult csv = run({"--db", db.string(), "query", "groups", "--match", "^$", "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_EQ(csv.out, "started,instances,rss_kb,first_start,last_start,pids\r\n");
}

// Issue 22: peers printed an empty table, holders an empty csv and timeline "no process with pid" for a
// pid or inode the trail does not hold. Now each says so in the same words, with the same exit code.
TEST_F(Binary, PeersTimelineAndHoldersSayAMissingPidOrInodeAlike) {
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  const std::string absent = "4194305";  // above pid_max's largest value: never a pid
  const std::vector<std::pair<std::vector<std::string>, std::string>> questions = {
      {{"query", "peers", "--pid", absent}, "query: pid " + absent + " is not in snapshot "},
      {{"query", "holders", "--inode", "1"}, "query: inode 1 is not in snapshot "},
      {{"query", "timeline", "--pid", absent}, "query: pid " + absent + " is not in the trail"}};
  for (const auto& [question, said] : questions) {
    std::vector<std::string> args = {"--db", db.string()};
    args.insert(args.end(), question.begin(), question.end());
    RunResult r = run(args);
    EXPECT_EQ(r.code, 1) << question[1] << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("proctrail: " + said)) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "") << question[1];
  }
}

TEST_F(Binary, QueryErrorsAreOneClearLine) {
  RunResult missing = run({"--db", (tmp / "none.db").string(), "query", "peers", "--pid", "1"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no trail at"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "none.db"));  // a question never creates a trail
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  RunResult regex = run({"--db", db.string(), "query", "reachable", "--match", "(unclosed"});
  EXPECT_EQ(regex.code, 2) << "a malformed pattern is a usage error";
  EXPECT_NE(regex.err.find("bad regular expression"), std::string::npos) << regex.err;
  EXPECT_EQ(std::count(regex.err.begin(), regex.err.end(), '\n'), 1) << regex.err;
  RunResult snapshot = run({"--db", db.string(), "query", "peers", "--pid", "1", "--snapshot", "99"});
  EXPECT_EQ(snapshot.code, 1);
  EXPECT_NE(snapshot.err.find("no such snapshot"), std::string::npos) << snapshot.err;
  RunResult no_inode = run({"--db", db.string(), "query", "holders"});
  EXPECT_NE(no_inode.code, 0);
}

TEST_F(Binary, QueryNeverWritesTheTrail) {
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  std::string before = test::read_all(db);
  ASSERT_EQ(run({"--db", db.string(), "query", "reachable", "--match", "."}).code, 0);
  EXPECT_EQ(test::read_all(db), before);
}

TEST_F(Binary, VersionAndHelp) {
  RunResult version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_TRUE(version.out.starts_with("proctrail ")) << version.out;
  RunResult help = run({"snap", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--hook"), std::string::npos);
}

}  // namespace
}  // namespace proctrail

namespace proctrail {
namespace {

TEST_F(Binary, CleanupDryRunThenYesWritesEvidenceAndAnAuditTheTrailVerifies) {
  const std::string name = "proctrail-cli-cleanup-" + std::to_string(::getpid());
  Child target({"bash", "-c", "exec -a " + name + " sleep 1000"});
  ASSERT_TRUE(test::eventually([&] {
    std::ifstream in("/proc/" + std::to_string(target.pid()) + "/cmdline");
    return std::string(std::istreambuf_iterator<char>(in), {}).starts_with(name);
  }));
  RunResult dry = run({"--db", db.string(), "cleanup", "--match", "^" + name, "--no-containers"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find(std::to_string(target.pid())), std::string::npos) << dry.out;
  EXPECT_NE(dry.err.find("dry run"), std::string::npos) << dry.err;
  EXPECT_EQ(target.wait_for(std::chrono::milliseconds(100)), -1);  // still running

  const auto evidence = tmp / "evidence.json";
  RunResult act = run({"--db", db.string(), "cleanup", "--match", "^" + name, "--yes", "--no-containers",
                       "--evidence-out", evidence.string()});
  ASSERT_EQ(act.code, 0) << act.err;
  EXPECT_EQ(target.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
  auto doc = nlohmann::json::parse(std::ifstream(evidence));
  ASSERT_EQ(doc["targets"].size(), 1u);
  EXPECT_EQ(doc["targets"][0]["pid"], target.pid());
  EXPECT_TRUE(doc["targets"][0]["descriptors"].is_array());
  EXPECT_EQ(doc["evidence_snapshot_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(text(db, "SELECT group_concat(outcome, ', ') FROM cleanup_actions"), "signalling, exited");
  EXPECT_EQ(text(db, "SELECT outcome FROM cleanup_outcomes"), "exited");
  EXPECT_NE(text(db, "SELECT argv FROM cleanup_runs WHERE dry_run = 0").find("--yes"), std::string::npos);
  RunResult verify = run({"--db", db.string(), "verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_NE(verify.out.find("2 cleanup actions"), std::string::npos) << verify.out;
}

TEST_F(Binary, CleanupWithoutASelectorIsRefusedWithOneLine) {
  RunResult r = run({"--db", db.string(), "cleanup", "--yes", "--no-containers"});
  EXPECT_EQ(r.code, 2) << "no selector is a usage error";
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("selector"), std::string::npos) << r.err;
}

TEST_F(Binary, SqlRefusesAWriteAndQuestionsAnswerJsonArrays) {
  ASSERT_EQ(run({"--db", db.string(), "snap", "--no-containers"}).code, 0);
  RunResult refused = run({"--db", db.string(), "sql", "DELETE FROM snapshots"});
  EXPECT_EQ(refused.code, 2) << "a statement that would write is a usage error";
  EXPECT_NE(refused.err.find("DELETE refused"), std::string::npos) << refused.err;
  EXPECT_EQ(count(db, "SELECT count(*) FROM snapshots"), 1);
  for (std::vector<std::string> question : {std::vector<std::string>{"query", "leaks"}, {"query", "orphans"},
                                            {"query", "spawn-rate"}, {"query", "memory"}, {"snapshots"}}) {
    question.insert(question.begin(), {"--db", db.string()});
    question.insert(question.end(), {"--format", "json"});
    RunResult r = run(question);
    ASSERT_EQ(r.code, 0) << question[2] << ": " << r.err;
    EXPECT_TRUE(nlohmann::json::parse(r.out).is_array()) << r.out;
  }
}

TEST_F(Binary, ReportWritesTheFileItNamesAndSaysWhereInOneLine) {
  ASSERT_EQ(run({"--db", db.string(), "snap"}).code, 0);
  const auto html = tmp / "r.html";
  RunResult r = run({"--db", db.string(), "report", "-o", html.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, html.string() + "\n");
  std::ifstream in(html);
  std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(page.find("<h2>Summary</h2>"), std::string::npos);
  EXPECT_NE(page.find("Every hash chain is intact: 1 snapshots"), std::string::npos) << page;

  RunResult md = run({"--db", db.string(), "report", "--format", "md", "-o", (tmp / "r.md").string()});
  ASSERT_EQ(md.code, 0) << md.err;
}

TEST_F(Binary, ReportWithoutATrailIsOneClearLine) {
  RunResult r = run({"--db", (tmp / "absent.db").string(), "report"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "proctrail: report: no trail at " + (tmp / "absent.db").string() +
                       " (record one with proctrail snap, or name it with --db)\n");
  EXPECT_FALSE(std::filesystem::exists(tmp / "absent.db")) << "a report never creates a trail";
}

// Issue 22: `query` created the trail's folder and `verify` an empty trail when pointed at one that
// did not exist. Every command that only reads now fails the same way and leaves nothing behind.
TEST_F(Binary, AReadingCommandOnAMissingTrailCreatesNoFileOrFolder) {
  const auto folder = tmp / "never" / "made";
  const std::string db = (folder / "trail.db").string();
  const std::vector<std::vector<std::string>> readers = {
      {"query", "orphans"},  {"query", "peers", "--pid", "1"}, {"sql", "SELECT 1"},   {"snapshots"},
      {"report"},            {"verify"},                        {"prune", "--older-than", "1d"}};
  for (const auto& command : readers) {
    std::vector<std::string> args = {"--db", db};
    args.insert(args.end(), command.begin(), command.end());
    RunResult r = run(args);
    EXPECT_EQ(r.code, 1) << command[0] << ": " << r.err;
    EXPECT_NE(r.err.find(": no trail at " + db + " ("), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(tmp / "never")) << command[0] << " created the trail's folder";
  }
}

}  // namespace
}  // namespace proctrail
