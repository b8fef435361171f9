// Store::prune on deterministic histories: what goes, what stays (open, evidence, tagged), that the
// questions and the chains still answer and verify afterwards, and that verify notices tampering
// with a prune's record or with what a prune kept.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <SQLiteCpp/VariadicBind.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include "proctrail/query.hpp"
#include "proctrail/store.hpp"
#include "recorder/store/digest.hpp"
#include "tests/support/answers.hpp"
#include "tests/support/history.hpp"

namespace proctrail {
namespace {

using test::child_of;
using test::column;
using test::sample;
using test::table;

constexpr int64_t kDay = 86'400'000'000;
constexpr int64_t kT0 = 1'700'000'000'000'000;  // the fixture host's boot

// A table collected `day` days after boot.
ProcessTable on_day(int64_t day, std::vector<ProcessSample> processes) {
  auto t = table(std::move(processes));
  t.started_at_us = t.ended_at_us = kT0 + day * kDay;
  return t;
}

FdSample pipe_fd(int number, uint64_t inode, const std::string& mode) {
  FdSample f;
  f.fd = number;
  f.kind = "pipe";
  f.inode = inode;
  f.mode = mode;
  return f;
}

ProcessSample holding(ProcessSample process, std::vector<FdSample> fds) {
  process.fds = std::move(fds);
  return process;
}

ProcessTable with_fds(ProcessTable t) {
  t.fds_collected = true;
  return t;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A client (pid 100) starts an MCP server (200) and a short job (300), then exits on day 3; the
// server is reparented to init and lives on. A build (400) runs on days 1-2 and its compiler (410)
// on day 1. On day 20 an editor (500) starts. Snapshots on days 0, 1, 2, 3 and 20; the cut is day 10.
class Prune : public test::StoreFixture {
 protected:
  ProcessSample init = sample(1, 1, 0, "/sbin/init");
  ProcessSample client = child_of(init, sample(100, 50, 1, "node claude"));
  ProcessSample server = child_of(client, sample(200, 100, 100, "node mcp-server.js"));
  ProcessSample job = child_of(client, sample(300, 150, 100, "sleep 1"));
  ProcessSample build = child_of(init, sample(400, 200, 1, "make -j2"));
  ProcessSample compiler = child_of(build, sample(410, 210, 400, "cc1 main.c"));
  ProcessSample editor = child_of(init, sample(500, 90'000, 1, "vim notes"));
  std::vector<int64_t> s;  // snapshot ids, s[0] .. s[4]

  SQLite::Database& db() { return store->database(); }
  int64_t scalar(const std::string& sql) { return db().execAndGet(sql).getInt64(); }

  void record_history(std::vector<SnapshotRequest> requests = {}) {
    requests.resize(5);
    auto reparented = server;
    reparented.ppid = 1;
    auto busy_build = build;
    busy_build.state = 'D';
    busy_build.rss_kb = 50'000;
    s.push_back(record(with_fds(on_day(0, {init, holding(client, {pipe_fd(5, 900, "w")}),
                                           holding(server, {pipe_fd(0, 900, "r")}), job})), requests[0]).snapshot_id);
    s.push_back(record(with_fds(on_day(1, {init, holding(client, {pipe_fd(5, 900, "w")}),
                                           holding(server, {pipe_fd(0, 900, "r")}), build, compiler})), requests[1]).snapshot_id);
    s.push_back(record(with_fds(on_day(2, {init, holding(client, {pipe_fd(5, 900, "w")}),
                                           holding(server, {pipe_fd(0, 900, "r")}), busy_build})), requests[2]).snapshot_id);
    s.push_back(record(with_fds(on_day(3, {init, holding(reparented, {pipe_fd(0, 900, "r")})})), requests[3]).snapshot_id);
    s.push_back(record(with_fds(on_day(20, {init, holding(reparented, {pipe_fd(0, 900, "r")}), editor})), requests[4]).snapshot_id);
  }

  PruneReport prune(PruneOptions options = {.cut_us = kT0 + 10 * kDay}) {
    auto report = store->prune(options);
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : PruneReport{};
  }

  VerifyReport verify() {
    auto report = store->verify();
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : VerifyReport{};
  }

  std::vector<int64_t> pids() {
    std::vector<int64_t> out;
    SQLite::Statement query(db(), "SELECT pid FROM processes ORDER BY pid");
    while (query.executeStep()) out.push_back(query.getColumn(0).getInt64());
    return out;
  }

  void add_cleanup_evidence(int64_t snapshot_id) {
    auto run = store->begin_cleanup_run(CleanupRunStart{.evidence_snapshot_id = snapshot_id, .started_at_us = 0, .uid = 0,
                                                        .pid = 1, .argv = "proctrail cleanup", .selectors = "{}"});
    ASSERT_TRUE(run) << run.error().message;
    ASSERT_TRUE(store->mark_cleanup_run_live(*run));
  }

  TrailReader reader() {
    auto trail = TrailReader::open(db_path);
    EXPECT_TRUE(trail) << trail.error().message;
    return std::move(trail.value());
  }
};

TEST_F(Prune, DropsClosedProcessesBeforeTheCutWithTheirChangesAndDescriptorsAndKeepsOpenOnes) {
  record_history();
  auto report = prune();
  EXPECT_GT(report.prune_id, 0);
  EXPECT_EQ(pids(), (std::vector<int64_t>{1, 100, 200, 500}));  // the client stays: the server's original parent
  EXPECT_EQ(report.rows("processes"), 3);               // job, build, compiler
  EXPECT_EQ(report.ancestors_kept, 1);                  // the client
  EXPECT_EQ(report.rows("process_state_changes"), 1);   // build's D
  EXPECT_EQ(report.rows("process_usage_changes"), 1);   // build's RSS
  EXPECT_EQ(report.rows("fds"), 1);                     // client's write end, closed on day 3
  EXPECT_EQ(report.rows("process_ppid_changes"), 0);    // the server's reparenting stays with it
  EXPECT_EQ(scalar("SELECT count(*) FROM process_ppid_changes"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM fds WHERE gone_by IS NULL"), 1);
  EXPECT_EQ(report.snapshots_affected, 4);
  EXPECT_EQ(report.first_snapshot_id, s[0]);
  EXPECT_EQ(report.last_snapshot_id, s[3]);
  EXPECT_EQ(scalar("SELECT count(*) FROM snapshots"), 5);  // snapshot rows always stay
  EXPECT_FALSE(db().execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt64());
}

// Early prunes deleted the client's row and left the server only its parent's pid and start time:
// the orphan question then could not say what the original parent was.
TEST_F(Prune, OrphanLostItsOriginalParentsArgvWhenThePrunedRangeHeldTheParent) {
  record_history();
  auto report = prune();
  EXPECT_EQ(report.ancestors_kept, 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM processes c JOIN processes p ON p.process_id = c.parent_process_id"
                   " WHERE c.pid = 200 AND p.pid = 100 AND p.argv = 'node claude'"), 1);
  auto trail = reader();
  auto orphans = query_orphans(trail, s[4], {}, std::string("mcp-server"));
  ASSERT_TRUE(orphans) << orphans.error().message;
  EXPECT_EQ(column(*orphans, "original_parent_argv"), std::vector<std::string>{"node claude"}) << render_table(*orphans);
  EXPECT_EQ(column(*orphans, "parent_gone_by").front().empty(), false) << render_table(*orphans);
}

TEST_F(Prune, EveryAncestorOfAKeptProcessStaysNotOnlyItsParent) {
  auto launcher = child_of(init, sample(90, 40, 1, "bash launch.sh"));
  auto client_of_launcher = child_of(launcher, sample(100, 50, 90, "node claude"));
  auto server_of_client = child_of(client_of_launcher, sample(200, 100, 100, "node mcp-server.js"));
  auto short_job = child_of(client_of_launcher, sample(300, 150, 100, "sleep 1"));
  record(on_day(0, {init, launcher, client_of_launcher, server_of_client, short_job}));
  auto reparented = server_of_client;
  reparented.ppid = 1;
  record(on_day(1, {init, reparented}));
  record(on_day(20, {init, reparented}));
  auto report = prune();
  EXPECT_EQ(report.ancestors_kept, 2);  // the client and the launcher that started it
  EXPECT_EQ(report.rows("processes"), 1);  // the client's short job, an ancestor of nothing
  EXPECT_EQ(pids(), (std::vector<int64_t>{1, 90, 100, 200}));
  EXPECT_FALSE(db().execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt64());
}

TEST_F(Prune, SpawnRateTotalsOverThePrunedRangeAreUnchanged) {
  record_history();
  auto trail_before = reader();
  auto before = query_spawn_rate(trail_before, {.by = "parent", .per = "day"});
  ASSERT_TRUE(before) << before.error().message;
  const int64_t total_before = scalar("SELECT sum(spawned) FROM spawn_counts");
  auto report = prune();
  EXPECT_EQ(report.spawn_counts_rekeyed, 1);  // the build's row for the compiler; the client's stay on its kept row
  EXPECT_EQ(scalar("SELECT sum(spawned) FROM spawn_counts"), total_before);
  auto trail = reader();
  auto after = query_spawn_rate(trail, {.by = "parent", .per = "day"});
  ASSERT_TRUE(after) << after.error().message;
  // Per parent pid, the same counts (ties may list in another order once a parent's row is gone).
  auto per_parent = [](const ResultTable& result) {
    std::map<std::string, std::string> counts;
    const auto parents = column(result, "parent_pid");
    const auto spawned = column(result, "spawned");
    for (size_t i = 0; i < parents.size(); ++i) counts[parents[i]] = spawned[i];
    return counts;
  };
  EXPECT_EQ(per_parent(*after), per_parent(*before)) << render_table(*after);
  EXPECT_EQ(column(*after, "parent_pid").size(), column(*before, "parent_pid").size()) << render_table(*after);
}

TEST_F(Prune, OrphansGroupsAndTheTimelineOfAProcessWhoseParentWasPrunedStillAnswer) {
  record_history();
  prune();
  auto trail = reader();
  auto orphans = query_orphans(trail, s[4], {}, std::string("mcp-server"));
  ASSERT_TRUE(orphans) << orphans.error().message;
  EXPECT_EQ(column(*orphans, "pid"), std::vector<std::string>{"200"}) << render_table(*orphans);
  EXPECT_EQ(column(*orphans, "original_parent_pid"), std::vector<std::string>{"100"});
  EXPECT_EQ(column(*orphans, "original_parent_argv"), std::vector<std::string>{"node claude"});
  EXPECT_EQ(column(*orphans, "ppid_now"), std::vector<std::string>{"1"});
  auto groups = query_groups(trail, s[4], "mcp-server", "day", {});
  ASSERT_TRUE(groups) << groups.error().message;
  EXPECT_EQ(column(*groups, "instances"), std::vector<std::string>{"1"});
  auto timeline = query_timeline(trail, 200, std::nullopt);
  ASSERT_TRUE(timeline) << timeline.error().message;
  const auto events = column(*timeline, "event");
  EXPECT_EQ(events.front(), "first seen") << render_table(*timeline);
  EXPECT_NE(std::find(events.begin(), events.end(), "ppid"), events.end()) << render_table(*timeline);
}

TEST_F(Prune, VerifyPassesAfterAPruneAndCountsTheLinkOnlySnapshots) {
  record_history();
  prune();
  auto report = verify();
  EXPECT_TRUE(report.intact()) << report.problem << report.prune_problem;
  EXPECT_EQ(report.snapshots_checked, 5);
  EXPECT_EQ(report.snapshots_link_only, 4);
  EXPECT_EQ(report.prunes_checked, 1);
}

TEST_F(Prune, VerifyCatchesAnEditedPruneRecord) {
  record_history();
  auto pruned = prune();
  db().exec("UPDATE prunes SET processes = 0");
  auto report = verify();
  EXPECT_EQ(report.first_bad_prune, pruned.prune_id);
}

TEST_F(Prune, VerifyCatchesAPruneRecordRemovedToHideTheRange) {
  record_history();
  prune();
  db().exec("DELETE FROM pruned_snapshots; DELETE FROM prunes");
  auto report = verify();
  EXPECT_FALSE(report.first_bad_prune);
  EXPECT_EQ(report.first_bad_snapshot, s[0]);
}

TEST_F(Prune, VerifyCatchesAMarkAddedToExcuseAnEditedSnapshot) {
  record_history();
  auto pruned = prune();
  db().exec("UPDATE processes SET argv = 'vim innocent' WHERE pid = 500");
  const std::string forged = digest::snapshot_hash(db(), s[4]);
  SQLite::Statement mark(db(), "INSERT INTO pruned_snapshots (snapshot_id, prune_id, content_hash) VALUES (?1, ?2, ?3)");
  SQLite::bind(mark, s[4], pruned.prune_id);
  mark.bind(3, forged.data(), static_cast<int>(forged.size()));
  mark.exec();
  auto report = verify();
  EXPECT_EQ(report.first_bad_prune, pruned.prune_id);
}

TEST_F(Prune, VerifyCatchesAnEditOfAKeptRowInAPrunedSnapshot) {
  record_history();
  prune();
  db().exec("UPDATE processes SET argv = 'node innocent.js' WHERE pid = 200");  // first seen by s[0], which was pruned
  auto report = verify();
  EXPECT_EQ(report.first_bad_snapshot, s[0]);
}

TEST_F(Prune, VerifyCatchesAnEditOfASnapshotAfterTheRange) {
  record_history();
  prune();
  db().exec("UPDATE processes SET argv = 'vim innocent' WHERE pid = 500");
  auto report = verify();
  EXPECT_EQ(report.first_bad_snapshot, s[4]);
}

TEST_F(Prune, VerifyCatchesARewrittenBoundarySnapshot) {
  record_history();
  auto pruned = prune();
  db().exec("UPDATE snapshots SET hash = zeroblob(32) WHERE snapshot_id = " + std::to_string(s[3]));
  auto report = verify();
  EXPECT_EQ(report.first_bad_prune, pruned.prune_id);
  EXPECT_NE(report.prune_problem.find("snapshot " + std::to_string(s[3])), std::string::npos) << report.prune_problem;
}

TEST_F(Prune, EverythingAliveAtACleanupEvidenceSnapshotStaysAndItStillVerifiesInFull) {
  record_history();
  add_cleanup_evidence(s[2]);
  auto report = prune();
  EXPECT_EQ(pids(), (std::vector<int64_t>{1, 100, 200, 400, 410, 500}));  // only the job, gone before s[2], went
  EXPECT_EQ(report.protected_snapshots, 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM pruned_snapshots WHERE snapshot_id = " + std::to_string(s[2])), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM process_state_changes"), 1);
  auto verified = verify();
  EXPECT_TRUE(verified.intact()) << verified.problem;
  EXPECT_EQ(verified.snapshots_link_only, 2);  // the job's first sight and its closing
}

TEST_F(Prune, KeepTaggedKeepsWhatATaggedSnapshotSawAndClosed) {
  std::vector<SnapshotRequest> requests(5);
  requests[1].tag = "before-tests";
  record_history(requests);
  auto report = prune({.cut_us = kT0 + 10 * kDay, .keep_tagged = true});
  EXPECT_EQ(pids(), (std::vector<int64_t>{1, 100, 200, 300, 400, 410, 500}));  // the job was closed by the tagged snapshot
  EXPECT_TRUE(report.nothing_to_prune());
  EXPECT_EQ(scalar("SELECT count(*) FROM prunes"), 0);
}

TEST_F(Prune, WithoutKeepTaggedATaggedSnapshotProtectsNothing) {
  std::vector<SnapshotRequest> requests(5);
  requests[1].tag = "before-tests";
  record_history(requests);
  prune();
  EXPECT_EQ(pids(), (std::vector<int64_t>{1, 100, 200, 500}));
}

TEST_F(Prune, ASecondPruneWithTheSameCutDeletesNothing) {
  record_history();
  prune();
  auto again = prune();
  EXPECT_TRUE(again.nothing_to_prune());
  EXPECT_EQ(again.prune_id, 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM prunes"), 1);
  EXPECT_TRUE(verify().intact());
}

TEST_F(Prune, NothingBeforeTheCutIsNothingToPrune) {
  record_history();
  auto report = prune({.cut_us = kT0 - kDay});
  EXPECT_TRUE(report.nothing_to_prune());
  EXPECT_EQ(scalar("SELECT count(*) FROM prunes"), 0);
  EXPECT_EQ(pids().size(), 7u);
}

TEST_F(Prune, DryRunCountsWhatAPruneDeletesAndLeavesTheFileByteForByte) {
  record_history();
  store.reset();
  const std::string before = file_bytes(db_path);
  PruneReport dry;
  {
    auto opened = Store::open(db_path);
    ASSERT_TRUE(opened) << opened.error().message;
    auto counted = opened->prune({.cut_us = kT0 + 10 * kDay, .dry_run = true});
    ASSERT_TRUE(counted) << counted.error().message;
    dry = *counted;
  }
  EXPECT_EQ(file_bytes(db_path), before);
  EXPECT_EQ(dry.prune_id, 0);
  EXPECT_EQ(dry.rows("processes"), 3);
  EXPECT_EQ(dry.ancestors_kept, 1);
  EXPECT_EQ(dry.snapshots_affected, 4);
  auto opened = Store::open(db_path);
  ASSERT_TRUE(opened);
  store.emplace(std::move(opened.value()));
  auto real = prune();
  ASSERT_EQ(real.deleted.size(), dry.deleted.size());
  for (size_t i = 0; i < real.deleted.size(); ++i) {
    EXPECT_EQ(real.deleted[i].rows, dry.deleted[i].rows) << real.deleted[i].table;
  }
  EXPECT_EQ(real.rows_deleted(), 6);  // 3 processes, a state and a usage change, 1 fd
  EXPECT_EQ(real.spawn_counts_rekeyed, dry.spawn_counts_rekeyed);
  EXPECT_EQ(real.ancestors_kept, dry.ancestors_kept);
}

TEST_F(Prune, APruneThatFailsLeavesTheTrailAsItWas) {
  record_history();
  db().exec("CREATE TRIGGER refuse BEFORE DELETE ON fds BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
  auto report = store->prune({.cut_us = kT0 + 10 * kDay});
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("nothing was deleted"), std::string::npos) << report.error().message;
  EXPECT_EQ(pids().size(), 7u);
  EXPECT_EQ(scalar("SELECT count(*) FROM prunes"), 0);
  EXPECT_EQ(scalar("SELECT sum(spawned) FROM spawn_counts WHERE parent_key < 0"), 0);
}

// ---- event batches ----

ProcEvent fork_event(pid_t pid, int64_t at_us) {
  ProcEvent event;
  event.kind = EventKind::fork;
  event.at_us = at_us;
  event.pid = pid;
  event.start_ticks = static_cast<uint64_t>(pid) * 10;
  event.ppid = 1;
  event.parent_start_ticks = 1;
  event.argv = "sh -c true";
  return event;
}

class PruneEvents : public Prune {
 protected:
  // Five batches; an exec run's window covers the third's events.
  void record_batches() {
    record(on_day(0, {init}));
    for (int i = 0; i < 5; ++i) {
      auto batch = store->record_events(test::host(), std::vector{fork_event(1000 + i, kT0 + i * kDay)});
      ASSERT_TRUE(batch) << batch.error().message;
    }
    ExecRunRecord run;
    run.marker = "run-1";
    run.argv = "make test";
    run.started_at_us = kT0 + 2 * kDay - 1;
    run.ended_at_us = kT0 + 2 * kDay + 1;
    run.events = "recorded";
    ASSERT_TRUE(store->record_exec_run(test::host(), run));
  }
  // Event batches are stamped with the wall clock: a cut in the future makes them all old.
  PruneReport prune_events() { return prune({.cut_us = std::numeric_limits<int64_t>::max()}); }
};

TEST_F(PruneEvents, OldBatchesGoExceptAnExecRunsAndTheNewestAndTheChainStillVerifies) {
  record_batches();
  auto report = prune_events();
  EXPECT_EQ(report.rows("event_batches"), 3);
  EXPECT_EQ(report.rows("events"), 3);
  EXPECT_EQ(db().execAndGet("SELECT group_concat(batch_id) FROM event_batches").getString(), "3,5");
  EXPECT_EQ(scalar("SELECT count(*) FROM pruned_event_ranges"), 2);  // batches 1-2 and 4
  auto verified = verify();
  EXPECT_TRUE(verified.intact()) << verified.batch_problem;
  EXPECT_EQ(verified.event_batches_checked, 2);
}

TEST_F(PruneEvents, VerifyCatchesABatchRemovedBesideAPrunedHole) {
  record_batches();
  prune_events();
  db().exec("DELETE FROM events WHERE batch_id = 3; DELETE FROM event_batches WHERE batch_id = 3");
  auto report = verify();
  EXPECT_EQ(report.first_bad_batch, 5);
}

TEST_F(PruneEvents, ASecondPruneKeepsTheNewestBatchAndFindsNothing) {
  record_batches();
  prune_events();
  auto again = prune_events();
  EXPECT_TRUE(again.nothing_to_prune());
  EXPECT_TRUE(verify().intact());
}

}  // namespace
}  // namespace proctrail
