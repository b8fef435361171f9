// The cleanup audit trail written through the store's API: the run row, the hash-chained actions
// (intents and their outcomes), the runs a later open closes because their process died, and store
// errors (a locked trail) that come back as Errors rather than exceptions.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/store.hpp"
#include "common/process_identity.hpp"
#include "tests/support/child.hpp"
#include "tests/support/history.hpp"
#include "tests/support/rows.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::sample;
using test::table;

std::vector<std::string> rows(SQLite::Database& db, const std::string& sql) { return test::query_rows(db, sql); }

CleanupAuditRow process_row(pid_t pid, uint64_t start, std::string signal, std::string outcome,
                            std::optional<std::string> detail = std::nullopt) {
  return CleanupAuditRow{.at_us = 1'700'000'100'000'000, .uid = 1000, .target_kind = "process", .pid = pid,
                         .start_ticks = start, .argv = "sleep 1000", .selector = "argv matches /sleep/",
                         .signal = std::move(signal), .outcome = std::move(outcome), .detail = std::move(detail)};
}

class CleanupStoreTest : public test::StoreFixture {
 protected:
  SQLite::Database& db() { return store->database(); }
  int64_t evidence() { return record(table({sample(1, 0, 0, "/sbin/init"), sample(40, 50, 1, "sleep 1000")})).snapshot_id; }
  CleanupRunStart start(int64_t snapshot) {
    return CleanupRunStart{.evidence_snapshot_id = snapshot, .started_at_us = 1'700'000'099'000'000, .uid = 1000,
                           .pid = 4242, .argv = "proctrail cleanup --match sleep", .selectors = R"({"match":"sleep"})"};
  }
};

TEST_F(CleanupStoreTest, RunIsADryRunUntilMarkedLiveAndItsActionsFormAChain) {
  const int64_t snapshot = evidence();
  auto run = store->begin_cleanup_run(start(snapshot));
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(rows(db(), "SELECT host_id, uid, pid, argv, selectors, dry_run, evidence_snapshot_id, ended_at_us FROM cleanup_runs"),
            std::vector<std::string>{"1|1000|4242|proctrail cleanup --match sleep|{\"match\":\"sleep\"}|1|" +
                                     std::to_string(snapshot) + "|NULL"});
  ASSERT_TRUE(store->mark_cleanup_run_live(*run));
  ASSERT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "exited")));
  ASSERT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(1, 0, "none", "protected", "pid 1 (init)")));
  ASSERT_TRUE(store->record_cleanup_action(
      *run, snapshot, CleanupAuditRow{.at_us = 1'700'000'101'000'000, .uid = 1000, .target_kind = "container",
                                      .container_id = "c0ffee", .argv = "web (busybox sleep)", .selector = "label a=b",
                                      .signal = "stop", .outcome = "stopped"}));
  ASSERT_TRUE(store->finish_cleanup_run(*run, CleanupRunEnd{.ended_at_us = 1'700'000'102'000'000, .targets = 3, .survivors = 0}));

  EXPECT_EQ(rows(db(), "SELECT dry_run, ended_at_us, after_snapshot_id, targets, survivors FROM cleanup_runs"),
            std::vector<std::string>{"0|1700000102000000|NULL|3|0"});
  EXPECT_EQ(rows(db(), "SELECT action_id, target_kind, pid, start_ticks, container_id, signal, outcome, detail,"
                       " prev_hash IS NULL FROM cleanup_actions ORDER BY action_id"),
            (std::vector<std::string>{"1|process|40|50|NULL|TERM|exited|NULL|1",
                                      "2|process|1|0|NULL|none|protected|pid 1 (init)|0",
                                      "3|container|NULL|NULL|c0ffee|stop|stopped|NULL|0"}));
  EXPECT_EQ(rows(db(), "SELECT count(*) FROM cleanup_actions a JOIN cleanup_actions b ON b.action_id = a.action_id + 1"
                       " WHERE b.prev_hash = a.hash AND length(a.hash) = 32"),
            std::vector<std::string>{"2"});
  auto verified = store->verify();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->actions_checked, 3);
  EXPECT_TRUE(verified->intact()) << verified->action_problem;
}

// Regression: a cleanup_runs row (who ran it, its argv and selectors, its counts) could be edited and
// verify still said intact. Runs are chained by what is fixed at their start and sealed over the rest.
TEST_F(CleanupStoreTest, AnEditedRunIsNamedByVerify) {
  const int64_t snapshot = evidence();
  auto run = store->begin_cleanup_run(start(snapshot));
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(store->mark_cleanup_run_live(*run));
  ASSERT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "exited")));
  ASSERT_TRUE(store->finish_cleanup_run(*run, CleanupRunEnd{.ended_at_us = 1'700'000'102'000'000, .targets = 1, .survivors = 0}));
  auto second = store->begin_cleanup_run(start(snapshot));  // a dry run: no action names it
  ASSERT_TRUE(second);
  auto verified = store->verify();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact()) << verified->run_problem;
  EXPECT_EQ(verified->runs_checked, 2);

  struct Edit {
    const char* edit;
    const char* undo;
    int64_t run;
  };
  for (const Edit& e : {Edit{"UPDATE cleanup_runs SET argv = 'proctrail cleanup --match innocent' WHERE run_id = 1",
                             "UPDATE cleanup_runs SET argv = 'proctrail cleanup --match sleep' WHERE run_id = 1", 1},
                        Edit{"UPDATE cleanup_runs SET uid = 0 WHERE run_id = 2", "UPDATE cleanup_runs SET uid = 1000 WHERE run_id = 2", 2},
                        Edit{"UPDATE cleanup_runs SET survivors = 3 WHERE run_id = 1",
                             "UPDATE cleanup_runs SET survivors = 0 WHERE run_id = 1", 1},
                        Edit{"UPDATE cleanup_runs SET dry_run = 0 WHERE run_id = 2",
                             "UPDATE cleanup_runs SET dry_run = 1 WHERE run_id = 2", 2}}) {
    SCOPED_TRACE(e.edit);
    db().exec(e.edit);
    verified = store->verify();
    ASSERT_TRUE(verified) << verified.error().message;
    ASSERT_TRUE(verified->first_bad_run);
    EXPECT_EQ(*verified->first_bad_run, e.run);
    EXPECT_NE(verified->run_problem.find("content does not match its hash"), std::string::npos) << verified->run_problem;
    db().exec(e.undo);
  }
  verified = store->verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact()) << verified->run_problem;
}

// Regression: deleting the newest cleanup actions, or the newest run, left verify reporting "intact".
TEST_F(CleanupStoreTest, TheNewestActionDeletedIsCaughtByTheHeadLog) {
  const int64_t snapshot = evidence();
  auto run = store->begin_cleanup_run(start(snapshot));
  ASSERT_TRUE(run);
  ASSERT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "signalling")));
  ASSERT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "exited")));
  db().exec("DELETE FROM cleanup_actions WHERE action_id = 2");
  auto verified = store->verify();
  ASSERT_TRUE(verified && verified->head_problem);
  EXPECT_FALSE(verified->first_bad_action) << "what is left is a valid chain: only the anchor outside tells";
  EXPECT_NE(verified->head_problem->find("the cleanup action chain ends at 1, but its head log"), std::string::npos)
      << *verified->head_problem;
}

TEST_F(CleanupStoreTest, TheNewestRunDeletedIsCaughtByTheHeadLog) {
  const int64_t snapshot = evidence();
  ASSERT_TRUE(store->begin_cleanup_run(start(snapshot)));
  ASSERT_TRUE(store->begin_cleanup_run(start(snapshot)));
  db().exec("DELETE FROM cleanup_runs WHERE run_id = 2");
  auto verified = store->verify();
  ASSERT_TRUE(verified && verified->head_problem);
  EXPECT_FALSE(verified->first_bad_run);
  EXPECT_NE(verified->head_problem->find("the cleanup run chain ends at 1, but its head log"), std::string::npos)
      << *verified->head_problem;
}

// Runs recorded before migration 017 are linked and sealed by it, as they stand, and verify.
TEST_F(CleanupStoreTest, RunsRecordedBeforeMigration17AreChainedByIt) {
  const int64_t snapshot = evidence();
  ASSERT_TRUE(store->begin_cleanup_run(start(snapshot)));
  ASSERT_TRUE(store->begin_cleanup_run(start(snapshot)));
  store.reset();
  {
    SQLite::Database raw(db_path.string(), SQLite::OPEN_READWRITE);
    for (const auto& view : rows(raw, "SELECT name FROM sqlite_master WHERE type = 'view'")) raw.exec("DROP VIEW " + view);
    raw.exec("ALTER TABLE cleanup_runs DROP COLUMN prev_hash; ALTER TABLE cleanup_runs DROP COLUMN hash;"
             " ALTER TABLE cleanup_runs DROP COLUMN end_hash; PRAGMA user_version = 16");
  }
  std::filesystem::remove(db_path.string() + ".head");  // a trail from before the head log named runs
  SetUp();
  EXPECT_EQ(rows(db(), "SELECT run_id, length(hash), length(end_hash), prev_hash IS NULL FROM cleanup_runs ORDER BY run_id"),
            (std::vector<std::string>{"1|32|32|1", "2|32|32|0"}));
  auto verified = store->verify();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact()) << verified->run_problem;
  EXPECT_EQ(verified->runs_checked, 2);
}

TEST_F(CleanupStoreTest, RunOnASnapshotThatDoesNotExistIsRefused) {
  auto run = store->begin_cleanup_run(start(99));
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().message, "recording the cleanup run into " + db_path.string() + ": no snapshot 99");
  EXPECT_TRUE(rows(db(), "SELECT run_id FROM cleanup_runs").empty());
  EXPECT_FALSE(store->mark_cleanup_run_live(7));
  EXPECT_FALSE(store->finish_cleanup_run(7, CleanupRunEnd{}));
}

// Another writer holds the trail: every cleanup write waits out the busy timeout and comes back as
// an Error naming what it was doing; nothing half-written stays behind.
TEST_F(CleanupStoreTest, WritesOnALockedTrailAreErrorsNotExceptions) {
  const int64_t snapshot = evidence();
  auto run = store->begin_cleanup_run(start(snapshot));
  ASSERT_TRUE(run) << run.error().message;
  store.reset();
  auto reopened = Store::open(db_path, StoreOptions{.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(reopened) << reopened.error().message;
  store.emplace(std::move(reopened.value()));

  SQLite::Database other(db_path.string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  Result<int64_t> begun = Error{"not called"}, action = Error{"not called"};
  Status live = Error{"not called"}, finished = Error{"not called"};
  EXPECT_NO_THROW({
    begun = store->begin_cleanup_run(start(snapshot));
    live = store->mark_cleanup_run_live(*run);
    action = store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "exited"));
    finished = store->finish_cleanup_run(*run, CleanupRunEnd{.targets = 1});
  });
  ASSERT_FALSE(begun);
  EXPECT_TRUE(begun.error().message.starts_with("recording the cleanup run into " + db_path.string())) << begun.error().message;
  ASSERT_FALSE(live);
  EXPECT_TRUE(live.error().message.starts_with("marking cleanup run")) << live.error().message;
  ASSERT_FALSE(action);
  EXPECT_TRUE(action.error().message.starts_with("recording a cleanup action into " + db_path.string())) << action.error().message;
  ASSERT_FALSE(finished);
  EXPECT_TRUE(finished.error().message.starts_with("finishing cleanup run")) << finished.error().message;
  other.exec("ROLLBACK");

  EXPECT_EQ(rows(db(), "SELECT count(*), sum(dry_run) FROM cleanup_runs"), std::vector<std::string>{"1|1"});
  EXPECT_TRUE(rows(db(), "SELECT action_id FROM cleanup_actions").empty());
  EXPECT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "exited")));
}


// ---- write-ahead audit: intents, outcomes, and runs whose process died -------------------------

class WriteAheadAuditTest : public CleanupStoreTest {
 protected:
  const fs::HereAndNow here = fs::read_here();

  // An evidence snapshot of this boot of this machine (so its runs' processes can be looked up).
  int64_t evidence_here() {
    return record(table({sample(1, 0, 0, "/sbin/init"), sample(40, 50, 1, "sleep 1000")}), {},
                  test::host(here.boot_id, here.machine_id)).snapshot_id;
  }
  // A run that acted, by `pid` (with `start_ticks`), with one intent it never resolved.
  int64_t unresolved_run(int64_t snapshot, pid_t pid, std::optional<uint64_t> start_ticks) {
    auto run_start = start(snapshot);
    run_start.pid = pid;
    run_start.start_ticks = start_ticks;
    auto run = store->begin_cleanup_run(run_start);
    EXPECT_TRUE(run) << run.error().message;
    EXPECT_TRUE(store->mark_cleanup_run_live(*run));
    EXPECT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "signalling")));
    return *run;
  }
  void reopen() {
    store.reset();
    StoreOptions options;
    options.clock = clock.clock();
    auto opened = Store::open(db_path, options);
    ASSERT_TRUE(opened) << opened.error().message;
    store.emplace(std::move(opened.value()));
  }
  uint64_t own_start_ticks() { return fs::stat_identity(test::read_all("/proc/self/stat"))->start_ticks; }
  // A pid whose process has exited and been reaped.
  pid_t dead_pid() {
    test::Child child({"true"});
    child.wait();
    return child.pid();
  }
  void expect_intact() {
    auto verified = store->verify();
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_TRUE(verified->intact()) << verified->action_problem;
  }
};

// An intent and its outcome are two rows of the one chain; the outcome names the intent, the hash
// covers that link, and view cleanup_outcomes shows one row per target: the outcome.
TEST_F(WriteAheadAuditTest, IntentAndOutcomeAreTwoChainedRowsAndTheViewShowsTheOutcome) {
  const int64_t snapshot = evidence();
  auto run = store->begin_cleanup_run(start(snapshot));
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(store->mark_cleanup_run_live(*run));
  auto intent = store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "signalling"));
  ASSERT_TRUE(intent) << intent.error().message;
  auto outcome_row = process_row(40, 50, "TERM", "exited");
  outcome_row.intent_action_id = *intent;
  auto outcome = store->record_cleanup_action(*run, snapshot, outcome_row);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(1, 0, "none", "protected", "pid 1 (init)")));

  EXPECT_EQ(*intent, 1);
  EXPECT_EQ(*outcome, 2);
  EXPECT_EQ(rows(db(), "SELECT action_id, outcome, intent_action_id FROM cleanup_actions ORDER BY action_id"),
            (std::vector<std::string>{"1|signalling|NULL", "2|exited|1", "3|protected|NULL"}));
  EXPECT_EQ(rows(db(), "SELECT action_id, pid, outcome, intent_action_id, signalled_at_us IS NOT NULL FROM cleanup_outcomes"
                       " ORDER BY action_id"),
            (std::vector<std::string>{"2|40|exited|1|1", "3|1|protected|NULL|0"}));
  expect_intact();
  db().exec("UPDATE cleanup_actions SET intent_action_id = NULL WHERE action_id = 2");
  auto unpaired = store->verify();
  ASSERT_TRUE(unpaired) << unpaired.error().message;
  EXPECT_EQ(unpaired->first_bad_action, 2) << "the hash covers the link to the intent";
}

// Trails written before migration 016 keep verifying: a row without an intent hashes exactly as
// earlier versions hashed it (this value was computed independently of digest.cpp).
TEST_F(WriteAheadAuditTest, ActionWithoutAnIntentHashesAsEarlierVersionsHashedIt) {
  const int64_t snapshot = evidence();
  ASSERT_EQ(snapshot, 1);
  auto run = store->begin_cleanup_run(start(snapshot));
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(store->record_cleanup_action(*run, snapshot, process_row(40, 50, "TERM", "exited")));
  EXPECT_EQ(rows(db(), "SELECT lower(hex(hash)) FROM cleanup_actions"),
            std::vector<std::string>{"78a56c082d55ce6c63f8f60408bc0fc7a28a134203993304a27f73bd57ac19c0"});
}

// A trail written before migration 016 (its actions without intents, its runs without the new
// columns) migrates and still verifies, every hash as it was; an unfinished run it holds (no start
// time recorded, a pid that exists) is left open.
TEST_F(WriteAheadAuditTest, TrailFromBeforeMigration16MigratesAndItsActionsStillVerify) {
  const int64_t snapshot = evidence_here();
  const int64_t run = unresolved_run(snapshot, ::getpid(), std::nullopt);
  ASSERT_TRUE(store->record_cleanup_action(run, snapshot, process_row(1, 0, "none", "protected", "pid 1 (init)")));
  const auto hashes = rows(db(), "SELECT action_id, hex(hash) FROM cleanup_actions ORDER BY action_id");
  store.reset();
  {
    SQLite::Database raw(db_path.string(), SQLite::OPEN_READWRITE);
    for (const auto& view : rows(raw, "SELECT name FROM sqlite_master WHERE type = 'view'")) raw.exec("DROP VIEW " + view);
    raw.exec("DROP INDEX cleanup_actions_intent; ALTER TABLE cleanup_actions DROP COLUMN intent_action_id;"
             " ALTER TABLE cleanup_runs DROP COLUMN start_ticks; ALTER TABLE cleanup_runs DROP COLUMN interrupted;"
             " ALTER TABLE cleanup_runs DROP COLUMN recovered_at_us; ALTER TABLE cleanup_runs DROP COLUMN prev_hash;"
             " ALTER TABLE cleanup_runs DROP COLUMN hash; ALTER TABLE cleanup_runs DROP COLUMN end_hash;"
             " PRAGMA user_version = 15");
  }
  reopen();
  EXPECT_GE(store->schema_version(), 16);
  EXPECT_EQ(rows(db(), "SELECT action_id, hex(hash) FROM cleanup_actions ORDER BY action_id"), hashes);
  EXPECT_EQ(rows(db(), "SELECT interrupted, start_ticks FROM cleanup_runs"), std::vector<std::string>{"NULL|NULL"});
  auto verified = store->verify();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact()) << verified->action_problem;
  EXPECT_EQ(verified->actions_checked, 2);
}

// Regression: a cleanup SIGKILLed in its grace left its signalled target with no outcome and its run
// open for ever. The next open of the trail sees the run's process gone and appends, in the chain,
// an 'interrupted' row for each intent it left unresolved (only those), and marks the run; once.
TEST_F(WriteAheadAuditTest, CleanupKilledInTheGraceIsClosedByTheNextOpenWithItsIntentMarkedInterrupted) {
  const int64_t snapshot = evidence_here();
  const pid_t gone = dead_pid();
  const int64_t run = unresolved_run(snapshot, gone, 12345);
  auto resolved = store->record_cleanup_action(run, snapshot, process_row(41, 60, "TERM", "signalling"));
  ASSERT_TRUE(resolved) << resolved.error().message;
  auto exited = process_row(41, 60, "TERM", "exited");
  exited.intent_action_id = *resolved;
  ASSERT_TRUE(store->record_cleanup_action(run, snapshot, exited));

  reopen();
  EXPECT_EQ(rows(db(), "SELECT action_id, pid, signal, outcome, intent_action_id FROM cleanup_actions ORDER BY action_id"),
            (std::vector<std::string>{"1|40|TERM|signalling|NULL", "2|41|TERM|signalling|NULL", "3|41|TERM|exited|2",
                                      "4|40|TERM|interrupted|1"}));
  EXPECT_EQ(rows(db(), "SELECT detail FROM cleanup_actions WHERE action_id = 4"),
            std::vector<std::string>{"the cleanup (pid " + std::to_string(gone) +
                                     ") ended before it recorded this outcome; found gone when pid " +
                                     std::to_string(::getpid()) + " opened the trail"});
  EXPECT_EQ(rows(db(), "SELECT interrupted, recovered_at_us IS NOT NULL, ended_at_us, targets, survivors FROM cleanup_runs"),
            std::vector<std::string>{"died|1|NULL|NULL|NULL"});
  EXPECT_EQ(rows(db(), "SELECT pid, outcome FROM cleanup_outcomes ORDER BY action_id"),
            (std::vector<std::string>{"41|exited", "40|interrupted"}));
  expect_intact();

  reopen();
  auto again = store->close_died_cleanup_runs();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(rows(db(), "SELECT count(*) FROM cleanup_actions"), std::vector<std::string>{"4"});
}

// Only a run whose process is known gone is closed. This process (pid and start time) still runs;
// a run that recorded no start time is judged by its pid alone, and this pid exists; another
// machine's boot tells nothing here; a dry run never signalled. A run whose pid another process
// has now (another start time) is gone.
TEST_F(WriteAheadAuditTest, RunWhoseProcessMayStillRunIsLeftOpen) {
  const int64_t snapshot = evidence_here();
  const int64_t running = unresolved_run(snapshot, ::getpid(), own_start_ticks());
  const int64_t pid_only = unresolved_run(snapshot, ::getpid(), std::nullopt);
  const int64_t reused = unresolved_run(snapshot, ::getpid(), own_start_ticks() + 1);
  auto dry = store->begin_cleanup_run(start(snapshot));
  ASSERT_TRUE(dry) << dry.error().message;
  const int64_t elsewhere_snapshot =
      record(table({sample(1, 0, 0, "/sbin/init")}), {}, test::host("another-boot", "another-machine")).snapshot_id;
  const int64_t elsewhere = unresolved_run(elsewhere_snapshot, dead_pid(), 1);

  reopen();
  EXPECT_EQ(rows(db(), "SELECT run_id, interrupted FROM cleanup_runs ORDER BY run_id"),
            (std::vector<std::string>{std::to_string(running) + "|NULL", std::to_string(pid_only) + "|NULL",
                                      std::to_string(reused) + "|died", std::to_string(*dry) + "|NULL",
                                      std::to_string(elsewhere) + "|NULL"}));
  EXPECT_EQ(rows(db(), "SELECT run_id FROM cleanup_actions WHERE outcome = 'interrupted'"),
            std::vector<std::string>{std::to_string(reused)});
  expect_intact();
}

// A reboot of this machine ended every process of the boot before it: its unfinished runs are closed.
TEST_F(WriteAheadAuditTest, RunOfAnEarlierBootOfThisMachineIsClosed) {
  if (here.machine_id.empty()) GTEST_SKIP() << "no /etc/machine-id: another boot cannot be told from another machine";
  const int64_t snapshot =
      record(table({sample(1, 0, 0, "/sbin/init")}), {}, test::host("an-earlier-boot", here.machine_id)).snapshot_id;
  unresolved_run(snapshot, ::getpid(), own_start_ticks());
  reopen();
  EXPECT_EQ(rows(db(), "SELECT interrupted FROM cleanup_runs"), std::vector<std::string>{"died"});
  EXPECT_EQ(rows(db(), "SELECT outcome, intent_action_id FROM cleanup_actions ORDER BY action_id"),
            (std::vector<std::string>{"signalling|NULL", "interrupted|1"}));
  expect_intact();
}

}  // namespace
}  // namespace proctrail
