// The cleanup audit trail written through the store's API: the run row, the hash-chained actions,
// and store errors (a locked trail) that come back as Errors rather than exceptions.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/store.hpp"
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
  Result<int64_t> begun = Error{"not called"};
  Status live = Error{"not called"}, action = Error{"not called"}, finished = Error{"not called"};
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

}  // namespace
}  // namespace proctrail
