// The store on deterministic histories: what snapshot_processes answers at every snapshot, what a
// steady snapshot costs, what is refused, and that the chain catches edits.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/store.hpp"
#include "recorder/store/schema.hpp"
#include "tests/support/history.hpp"
#include "tests/support/rows.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::host;
using test::sample;
using test::table;

std::vector<std::string> rows(SQLite::Database& db, const std::string& sql) { return test::query_rows(db, sql); }

int64_t scalar(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }

class StoreTest : public test::StoreFixture {
 protected:
  SQLite::Database& db() { return store->database(); }
  std::vector<std::string> at(int64_t snapshot, const std::string& columns = "pid, ppid, state, argv") {
    return rows(db(), "SELECT " + columns + " FROM snapshot_processes WHERE snapshot_id = " +
                          std::to_string(snapshot) + " ORDER BY pid");
  }
};

TEST_F(StoreTest, StampsApplicationIdAndVersion) {
  EXPECT_EQ(scalar(db(), "PRAGMA application_id"), schema::kApplicationId);
  EXPECT_EQ(scalar(db(), "PRAGMA user_version"), schema::latest_version());
  EXPECT_EQ(db().execAndGet("PRAGMA journal_mode").getString(), "wal");
}

// A view edit once reached only new trails (views.sql ran only when user_version rose): an older
// build's views stayed in place. The views' fingerprint now brings them up to date on open.
TEST_F(StoreTest, ViewsOfAnotherBuildAreRecreatedOnOpen) {
  record(table({sample(1, 0, 0, "/sbin/init")}));
  store.reset();
  {
    SQLite::Database raw(db_path.string(), SQLite::OPEN_READWRITE);
    raw.exec("DROP VIEW snapshot_list; UPDATE schema_views SET hash = 'an-older-build'");
  }
  auto reopened = Store::open(db_path);
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ(scalar(reopened->database(), "SELECT count(*) FROM snapshot_list"), 1);
  EXPECT_NE(reopened->database().execAndGet("SELECT hash FROM schema_views").getString(), "an-older-build");
}

TEST_F(StoreTest, EveryTableAndColumnHasAComment) {
  // Each column line of every CREATE TABLE carries a "--" comment, and a comment precedes the table.
  for (const auto& migration : schema::migrations()) {
    std::istringstream lines(migration.sql);
    std::string line, previous;
    bool in_table = false;
    while (std::getline(lines, line)) {
      if (line.starts_with("CREATE TABLE")) {
        EXPECT_TRUE(previous.starts_with("--")) << migration.name << ": no comment before " << line;
        in_table = true;
      } else if (line.starts_with("ALTER TABLE") && line.find("ADD COLUMN") != std::string::npos) {
        EXPECT_NE(line.find("--"), std::string::npos) << migration.name << ": added column without a comment: " << line;
      } else if (in_table && line.starts_with(")")) {
        in_table = false;
      } else if (in_table && !line.starts_with("  PRIMARY KEY")) {
        EXPECT_NE(line.find("--"), std::string::npos) << migration.name << ": column without a comment: " << line;
      }
      previous = line;
    }
  }
}

// Regression: spawn_counts (what spawn-rate reads) sat outside every chain, so an edited row changed
// spawn-rate's answers and verify said intact. verify rebuilds it from the processes rows it summarises.
TEST_F(StoreTest, AnEditedSpawnCountIsNamedByVerify) {
  auto init = sample(1, 0, 0, "/sbin/init");
  init.sid = 1;
  auto orphan = sample(70, 700, 1, "node server.js");
  orphan.inherited_by = 1;
  record(table({init, sample(40, 50, 1, "bash"), sample(41, 60, 40, "node server.js")}));
  record(table({init, sample(40, 50, 1, "bash"), sample(41, 60, 40, "node server.js"), sample(42, 61, 40, "node server.js"),
                orphan}));
  auto verified = store->verify();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact()) << verified->spawn_counts_problem.value_or("");

  for (const char* edit : {"UPDATE spawn_counts SET spawned = spawned + 40 WHERE argv = 'node server.js' AND parent_key != 0",
                           "DELETE FROM spawn_counts WHERE argv = 'node server.js' AND parent_key = 0",
                           "UPDATE spawn_counts SET argv = 'bash -l' WHERE argv = 'bash'"}) {
    SCOPED_TRACE(edit);
    auto& db = store->database();
    db.exec("CREATE TEMP TABLE kept AS SELECT * FROM spawn_counts");
    db.exec(edit);
    verified = store->verify();
    ASSERT_TRUE(verified) << verified.error().message;
    ASSERT_TRUE(verified->spawn_counts_problem);
    EXPECT_NE(verified->spawn_counts_problem->find("spawn_counts was edited"), std::string::npos) << *verified->spawn_counts_problem;
    db.exec("DELETE FROM spawn_counts; INSERT INTO spawn_counts SELECT * FROM temp.kept; DROP TABLE temp.kept");
  }
}

TEST_F(StoreTest, ProcessesAppearStayAndAreClosed) {
  auto s1 = record(table({sample(1, 1, 0, "init"), sample(100, 50, 1, "node server.js")}));
  EXPECT_EQ(s1.created, 2);
  auto s2 = record(table({sample(1, 1, 0, "init"), sample(100, 50, 1, "node server.js"), sample(101, 60, 100, "sleep 9")}));
  EXPECT_EQ(s2.created, 1);
  EXPECT_EQ(s2.gone, 0);
  auto s3 = record(table({sample(1, 1, 0, "init"), sample(101, 60, 100, "sleep 9")}));
  EXPECT_EQ(s3.gone, 1);
  EXPECT_EQ(at(s1.snapshot_id), (std::vector<std::string>{"1|0|S|init", "100|1|S|node server.js"}));
  EXPECT_EQ(at(s2.snapshot_id).size(), 3u);
  EXPECT_EQ(at(s3.snapshot_id), (std::vector<std::string>{"1|0|S|init", "101|100|S|sleep 9"}));
  EXPECT_EQ(rows(db(), "SELECT first_seen, gone_by FROM processes WHERE pid = 100"),
            std::vector<std::string>{"1|3"});
}

TEST_F(StoreTest, PidReuseIsANewProcess) {
  record(table({sample(100, 50, 1, "node old.js")}));
  auto s2 = record(table({sample(100, 80, 1, "python new.py")}));
  EXPECT_EQ(s2.created, 1);
  EXPECT_EQ(s2.gone, 1);
  EXPECT_EQ(at(s2.snapshot_id, "pid, start_ticks, argv"), std::vector<std::string>{"100|80|python new.py"});
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM processes WHERE pid = 100"), 2);
}

TEST_F(StoreTest, ReparentingIsAChangeAndTheOriginalParentStays) {
  auto parent = sample(200, 10, 1, "bash");
  auto child = sample(201, 20, 200, "node mcp.js");
  child.parent = ProcessKey{200, 10};
  auto s1 = record(table({sample(1, 1, 0, "init"), parent, child}));
  child.ppid = 1;  // parent died, reparented to init
  auto s2 = record(table({sample(1, 1, 0, "init"), child}));
  EXPECT_EQ(s2.changed, 1);
  EXPECT_EQ(at(s1.snapshot_id, "pid, ppid, parent_pid, parent_start_ticks")[2], "201|200|200|10");
  EXPECT_EQ(at(s2.snapshot_id, "pid, ppid, parent_pid, parent_start_ticks")[1], "201|1|200|10");
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM processes c JOIN processes p ON p.process_id = c.parent_process_id"
                         " WHERE c.pid = 201 AND p.pid = 200"), 1);
}

TEST_F(StoreTest, ParentNewInTheSameSnapshotIsLinkedWhateverTheListingOrder) {
  auto child = sample(120, 90, 130, "node mcp.js");  // a reused, lower pid: listed before its parent
  child.parent = ProcessKey{130, 80};
  record(table({child, sample(130, 80, 1, "claude")}));
  EXPECT_EQ(rows(db(), "SELECT p.pid FROM processes c JOIN processes p ON p.process_id = c.parent_process_id"
                       " WHERE c.pid = 120"),
            std::vector<std::string>{"130"});
}

TEST_F(StoreTest, ExecIsAnArgvChangeOfTheSameIdentity) {
  auto s1 = record(table({sample(300, 30, 1, "sh -c 'exec sleep 5'")}));
  auto execed = sample(300, 30, 1, "sleep 5");
  auto s2 = record(table({execed}));
  EXPECT_EQ(s2.created, 0);
  EXPECT_EQ(s2.changed, 1);
  EXPECT_EQ(at(s1.snapshot_id, "pid, comm, argv"), std::vector<std::string>{"300|sh|sh -c 'exec sleep 5'"});
  EXPECT_EQ(at(s2.snapshot_id, "pid, comm, argv, exe"), std::vector<std::string>{"300|sleep|sleep 5|/usr/bin/sleep"});
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM processes"), 1);
}

TEST_F(StoreTest, ZombieLosingItsArgvIsNotACommandChange) {
  record(table({sample(400, 40, 1, "node a.js")}));
  auto zombie = sample(400, 40, 1, "node a.js", 10'000, 'Z');
  zombie.argv.reset();
  zombie.exe.reset();
  auto s2 = record(table({zombie}));
  EXPECT_EQ(s2.changed, 1);  // the state only
  EXPECT_EQ(at(s2.snapshot_id, "pid, state, argv, exe"), std::vector<std::string>{"400|Z|node a.js|/usr/bin/node"});
}

TEST_F(StoreTest, RssIsRecordedOnlyWhenItMovesPastTheThreshold) {
  record(table({sample(500, 50, 1, "node a.js", 100'000)}));
  auto small = record(table({sample(500, 50, 1, "node a.js", 100'900)}));  // < 1 MiB and < 10 %
  EXPECT_EQ(small.changed, 0);
  auto big = record(table({sample(500, 50, 1, "node a.js", 250'000)}));
  EXPECT_EQ(big.changed, 1);
  EXPECT_EQ(at(small.snapshot_id, "rss_kb"), std::vector<std::string>{"100000"});
  EXPECT_EQ(at(big.snapshot_id, "rss_kb"), std::vector<std::string>{"250000"});
}

TEST_F(StoreTest, StateChangesAreRecordedAndReadBackPerSnapshot) {
  auto s1 = record(table({sample(600, 60, 1, "x")}));
  auto s2 = record(table({sample(600, 60, 1, "x", 10'000, 'T')}));
  auto s3 = record(table({sample(600, 60, 1, "x", 10'000, 'S')}));
  EXPECT_EQ(at(s1.snapshot_id, "state"), std::vector<std::string>{"S"});
  EXPECT_EQ(at(s2.snapshot_id, "state"), std::vector<std::string>{"T"});
  EXPECT_EQ(at(s3.snapshot_id, "state"), std::vector<std::string>{"S"});
}

// A process whose stat could not be parsed may still be running: it must not be closed.
TEST_F(StoreTest, UnparsedProcessIsKeptOpen) {
  record(table({sample(700, 70, 1, "a"), sample(701, 71, 1, "b")}));
  auto s2 = record(table({sample(700, 70, 1, "a")}, {701}));
  EXPECT_EQ(s2.gone, 0);
  EXPECT_EQ(at(s2.snapshot_id, "pid"), (std::vector<std::string>{"700", "701"}));
}

// Bug seen with 20 concurrent snaps: snap A recorded snap B; B's own snapshot leaves B out, and
// closed B's row while B was alive; snap C then saw B "again after its row was closed".
TEST_F(StoreTest, SelfExcludedRecorderIsNotClosedByItsOwnSnapshot) {
  record(table({sample(1, 1, 0, "init"), sample(3513, 98505, 1, "proctrail snap")}));
  auto own = table({sample(1, 1, 0, "init")});
  own.excluded = ProcessKey{3513, 98505};
  auto s2 = record(own);
  EXPECT_EQ(s2.gone, 0);
  EXPECT_EQ(at(s2.snapshot_id, "pid"), (std::vector<std::string>{"1", "3513"}));
  // A reused pid is a different identity: the old one is closed.
  auto reused = table({sample(1, 1, 0, "init")});
  reused.excluded = ProcessKey{3513, 99999};
  EXPECT_EQ(record(reused).gone, 1);
}

TEST_F(StoreTest, RequestOvertakenByANewerCollectionIsCoalesced) {
  auto s1 = record(table({sample(800, 80, 1, "a")}));
  bool collected = false;
  SnapshotRequest late;
  late.requested_boottime_ns = 1;  // asked before s1's collection began
  late.trigger = "hook";
  late.hook.session_id = "sess-9";
  auto s2 = store->record(host(), late, [&](const CollectHints&) {
    collected = true;
    return Result<ProcessTable>(table({}));
  });
  ASSERT_TRUE(s2);
  EXPECT_FALSE(collected);
  EXPECT_EQ(s2->coalesced_with, s1.snapshot_id);
  EXPECT_EQ(at(s2->snapshot_id, "pid"), std::vector<std::string>{"800"});
  EXPECT_EQ(rows(db(), "SELECT trigger, hook_session_id, coalesced_with, processes_seen FROM snapshots WHERE snapshot_id = " +
                           std::to_string(s2->snapshot_id)),
            std::vector<std::string>{"hook|sess-9|" + std::to_string(s1.snapshot_id) + "|1"});
}

// The coalescing decision compares the newest collection's start with the request's time as the
// injected clock reads it. Snapshots stamped 7 hours after boot were once coalesced on a machine up
// for less than that, because the request was stamped with the real CLOCK_BOOTTIME.
TEST_F(StoreTest, CoalescingJudgesTheRequestByTheInjectedClockNotTheMachinesUptime) {
  ProcessTable first = table({sample(810, 81, 1, "a")});
  first.started_boottime_ns = 26'000LL * 1'000'000'000;
  auto s1 = record(first);
  bool collected = false;
  auto collect = [&](const CollectHints&) {
    collected = true;
    return Result<ProcessTable>(table({sample(810, 81, 1, "a")}));
  };

  *clock.boottime_ns = first.started_boottime_ns - 1;  // asked just before s1's collection began
  auto overtaken = store->record(host(), {}, collect);
  ASSERT_TRUE(overtaken) << overtaken.error().message;
  EXPECT_EQ(overtaken->coalesced_with, s1.snapshot_id);
  EXPECT_FALSE(collected);

  *clock.boottime_ns = first.started_boottime_ns + 1;  // asked after it began: collects anew
  auto fresh = store->record(host(), {}, collect);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_FALSE(fresh->coalesced_with);
  EXPECT_TRUE(collected);
}

TEST_F(StoreTest, FailedCollectionLeavesCommittedSnapshotsAlone) {
  auto s1 = record(table({sample(900, 90, 1, "a")}));
  auto failed = store->record(host(), {}, [](const CollectHints&) { return Result<ProcessTable>(Error{"listing processes: boom"}); });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "listing processes: boom");
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM snapshots"), 1);
  EXPECT_EQ(at(s1.snapshot_id, "pid"), std::vector<std::string>{"900"});
  auto verified = store->verify();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->first_bad_snapshot);
}

TEST_F(StoreTest, RebootClosesTheEarlierBootsOpenProcesses) {
  record(table({sample(1, 1, 0, "init"), sample(100, 50, 1, "node a.js")}));
  auto after = record(table({sample(1, 1, 0, "init")}), {}, host("boot-2"));
  EXPECT_EQ(after.created, 1);
  EXPECT_EQ(after.gone, 2);
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM processes WHERE gone_by IS NULL"), 1);
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM hosts"), 2);
}

TEST_F(StoreTest, SteadySnapshotAddsUnderOneKilobyte) {
  std::vector<ProcessSample> many;
  for (int i = 0; i < 1000; ++i) {
    many.push_back(sample(1000 + i, 100 + static_cast<uint64_t>(i), 1,
                          "node /home/user/.npm/_npx/abc/node_modules/mcp-server/dist/index.js --stdio " + std::to_string(i)));
  }
  record(table(many));
  db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  int64_t before = scalar(db(), "PRAGMA page_count") * scalar(db(), "PRAGMA page_size");
  constexpr int kSteady = 200;
  for (int i = 0; i < kSteady; ++i) {
    auto s = record(table(many));
    ASSERT_EQ(s.created + s.gone + s.changed, 0);
  }
  db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  int64_t after = scalar(db(), "PRAGMA page_count") * scalar(db(), "PRAGMA page_size");
  double per_snapshot = static_cast<double>(after - before) / kSteady;
  EXPECT_LE(per_snapshot, 1024.0);
  RecordProperty("bytes_per_steady_snapshot", std::to_string(per_snapshot));
}

TEST_F(StoreTest, VerifyPassesOnAnUntouchedTrail) {
  for (int i = 0; i < 5; ++i) record(table({sample(1, 1, 0, "init"), sample(50 + i, 10 + i, 1, "job")}));
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->snapshots_checked, 5);
  EXPECT_FALSE(report->first_bad_snapshot) << report->problem;
}

TEST_F(StoreTest, VerifyCatchesAnEditedProcessRow) {
  record(table({sample(1, 1, 0, "init")}));
  auto s2 = record(table({sample(1, 1, 0, "init"), sample(66, 6, 1, "node evil.js")}));
  record(table({sample(1, 1, 0, "init")}));
  db().exec("UPDATE processes SET argv = 'node innocent.js' WHERE pid = 66");
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->first_bad_snapshot, s2.snapshot_id);
}

TEST_F(StoreTest, VerifyCatchesADeletedSnapshot) {
  record(table({sample(1, 1, 0, "init")}));
  auto s2 = record(table({sample(1, 1, 0, "init")}));
  auto s3 = record(table({sample(1, 1, 0, "init")}));
  db().exec("DELETE FROM snapshots WHERE snapshot_id = " + std::to_string(s2.snapshot_id));
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->first_bad_snapshot, s3.snapshot_id);
}

TEST_F(StoreTest, VerifyCatchesARemovedChangeRow) {
  record(table({sample(1, 1, 0, "init"), sample(70, 7, 1, "a")}));
  auto s2 = record(table({sample(1, 1, 0, "init"), sample(70, 7, 1, "a", 10'000, 'T')}));
  db().exec("DELETE FROM process_state_changes");
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->first_bad_snapshot, s2.snapshot_id);
}

// ---- descriptors and sockets ----

FdSample fd(int number, const std::string& kind, uint64_t inode, const std::string& mode) {
  FdSample f;
  f.fd = number;
  f.kind = kind;
  f.inode = inode;
  f.mode = mode;
  return f;
}

ProcessTable with_fds(std::vector<std::pair<ProcessSample, std::optional<std::vector<FdSample>>>> processes,
                      std::optional<std::vector<SocketSample>> sockets = std::nullopt) {
  std::vector<ProcessSample> samples;
  for (auto& [process, fds] : processes) {
    process.fds = fds;
    samples.push_back(process);
  }
  auto t = table(samples);
  t.fds_collected = true;
  t.sockets = std::move(sockets);
  t.sockets_source = t.sockets ? "sock_diag" : "";
  return t;
}

SocketSample unix_socket(uint64_t inode, std::optional<uint64_t> peer, const std::string& state = "ESTABLISHED") {
  SocketSample s;
  s.inode = inode;
  s.netns = 4026531840;
  s.family = "unix";
  s.protocol = "stream";
  s.state = state;
  s.peer_inode = peer;
  return s;
}

TEST_F(StoreTest, DescriptorsAreWrittenOnceAndClosedWhenGone) {
  auto writer = sample(10, 1, 1, "claude");
  auto server = sample(11, 2, 10, "node mcp.js");
  auto s1 = record(with_fds({{writer, std::vector{fd(5, "pipe", 900, "w")}},
                             {server, std::vector{fd(0, "pipe", 900, "r"), fd(1, "pipe", 901, "w")}}}));
  EXPECT_EQ(s1.fds_new, 3);
  auto s2 = record(with_fds({{writer, std::vector{fd(5, "pipe", 900, "w")}},
                             {server, std::vector{fd(0, "pipe", 900, "r"), fd(1, "pipe", 901, "w")}}}));
  EXPECT_EQ(s2.fds_new + s2.fds_gone, 0);
  auto s3 = record(with_fds({{writer, std::vector<FdSample>{}},  // closed its write end
                             {server, std::vector{fd(0, "pipe", 900, "r"), fd(1, "pipe", 901, "w")}}}));
  EXPECT_EQ(s3.fds_gone, 1);
  EXPECT_EQ(rows(db(), "SELECT pid, fd, mode, target FROM snapshot_fds WHERE snapshot_id = " +
                           std::to_string(s2.snapshot_id) + " ORDER BY pid, fd"),
            (std::vector<std::string>{"10|5|w|pipe:[900]", "11|0|r|pipe:[900]", "11|1|w|pipe:[901]"}));
  EXPECT_EQ(rows(db(), "SELECT pid, fd, peer_pid, peer_fd, via FROM snapshot_fd_peers WHERE snapshot_id = " +
                           std::to_string(s2.snapshot_id) + " ORDER BY pid"),
            (std::vector<std::string>{"10|5|11|0|pipe", "11|0|10|5|pipe"}));
  EXPECT_EQ(rows(db(), "SELECT count(*) FROM snapshot_fd_peers WHERE snapshot_id = " + std::to_string(s3.snapshot_id)),
            std::vector<std::string>{"0"});
}

TEST_F(StoreTest, ReadEndsOfTheSamePipeAreNotEachOthersPeers) {
  auto a = sample(20, 1, 1, "a");
  auto b = sample(21, 2, 1, "b");
  auto s = record(with_fds({{a, std::vector{fd(0, "pipe", 950, "r")}}, {b, std::vector{fd(0, "pipe", 950, "r")}}}));
  EXPECT_EQ(rows(db(), "SELECT count(*) FROM snapshot_fd_peers WHERE snapshot_id = " + std::to_string(s.snapshot_id)),
            std::vector<std::string>{"0"});
}

TEST_F(StoreTest, ProcessWithUnreadableDescriptorsKeepsItsRowsOpen) {
  auto p = sample(30, 1, 1, "x");
  record(with_fds({{p, std::vector{fd(3, "pipe", 960, "r")}}}));
  auto s2 = record(with_fds({{p, std::nullopt}}));
  EXPECT_EQ(s2.fds_gone, 0);
  EXPECT_EQ(scalar(db(), "SELECT fds_unreadable FROM snapshot_collections WHERE snapshot_id = " +
                             std::to_string(s2.snapshot_id)),
            1);
}

TEST_F(StoreTest, ExitedProcessTakesItsDescriptorsWithIt) {
  record(with_fds({{sample(40, 1, 1, "x"), std::vector{fd(3, "pipe", 970, "r"), fd(4, "pipe", 971, "w")}}}));
  auto s2 = record(with_fds({}));
  EXPECT_EQ(s2.fds_gone, 2);
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM fds WHERE gone_by IS NULL"), 0);
}

TEST_F(StoreTest, UnixPeersResolveAcrossProcessesAndSocketChangesAreRecorded) {
  auto server = sample(50, 1, 1, "server");
  auto client = sample(51, 2, 1, "client");
  auto s1 = record(with_fds({{server, std::vector{fd(3, "socket", 1001, "rw")}},
                             {client, std::vector{fd(3, "socket", 1002, "rw")}}},
                            std::vector{unix_socket(1001, 1002), unix_socket(1002, 1001)}));
  EXPECT_EQ(s1.sockets_seen, 2);
  EXPECT_EQ(rows(db(), "SELECT pid, peer_pid, via FROM snapshot_fd_peers WHERE snapshot_id = " +
                           std::to_string(s1.snapshot_id) + " ORDER BY pid"),
            (std::vector<std::string>{"50|51|unix-peer", "51|50|unix-peer"}));
  // The client's end loses its peer (the server closed it): a socket change, not a new socket.
  auto s2 = record(with_fds({{server, std::vector<FdSample>{}}, {client, std::vector{fd(3, "socket", 1002, "rw")}}},
                            std::vector{unix_socket(1002, std::nullopt, "UNCONNECTED")}));
  EXPECT_EQ(scalar(db(), "SELECT sockets_changed FROM snapshot_collections WHERE snapshot_id = " +
                             std::to_string(s2.snapshot_id)),
            1);
  EXPECT_EQ(rows(db(), "SELECT inode, state, IFNULL(peer_inode, '-'), pid FROM snapshot_sockets WHERE snapshot_id = " +
                           std::to_string(s2.snapshot_id)),
            std::vector<std::string>{"1002|UNCONNECTED|-|51"});
  EXPECT_EQ(rows(db(), "SELECT state, peer_inode FROM snapshot_sockets WHERE snapshot_id = " +
                           std::to_string(s1.snapshot_id) + " AND inode = 1002"),
            std::vector<std::string>{"ESTABLISHED|1001"});
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->first_bad_snapshot) << report->problem;
}

TEST_F(StoreTest, SocketsNotCollectedCloseNothing) {
  auto p = sample(60, 1, 1, "x");
  record(with_fds({{p, std::vector{fd(3, "socket", 2001, "rw")}}}, std::vector{unix_socket(2001, std::nullopt)}));
  auto s2 = record(with_fds({{p, std::vector{fd(3, "socket", 2001, "rw")}}}, std::nullopt));
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM sockets WHERE gone_by IS NULL"), 1);
  EXPECT_EQ(rows(db(), "SELECT IFNULL(sockets_seen, 'none') FROM snapshot_collections WHERE snapshot_id = " +
                           std::to_string(s2.snapshot_id)),
            std::vector<std::string>{"none"});
}

TEST_F(StoreTest, VerifyCatchesAnEditedDescriptor) {
  record(with_fds({{sample(70, 1, 1, "x"), std::vector{fd(0, "pipe", 3001, "r")}}}));
  db().exec("UPDATE fds SET mode = 'w'");
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->first_bad_snapshot, 1);
}

// Bug: `query reachable --match .` took over a minute at 1,000 processes: correlated lookups into
// a compound view re-ran it per process (O(n^2)). The questions' plans must search, never scan,
// the descriptor and socket tables.
TEST_F(StoreTest, QuestionsSearchIndexesInsteadOfScanningDescriptorsAndSockets) {
  record(with_fds({{sample(80, 1, 1, "x"), std::vector{fd(0, "pipe", 4001, "r")}}}, std::vector{unix_socket(4002, 4003)}));
  for (const char* question : {
           "SELECT * FROM snapshot_reachability WHERE snapshot_id = 1",
           "SELECT * FROM snapshot_fd_peers WHERE snapshot_id = 1 AND pid = 80",
           "SELECT * FROM snapshot_holders WHERE snapshot_id = 1 AND inode = 4001"}) {
    auto plan = rows(db(), std::string("EXPLAIN QUERY PLAN ") + question);
    for (const auto& step : plan) {
      for (const char* scan : {"SCAN f", "SCAN k", "SCAN e", "SCAN l", "SCAN m", "SCAN fds", "SCAN sockets"}) {
        EXPECT_EQ(step.find(scan), std::string::npos) << question << "\n  plans a full scan: " << step;
      }
    }
  }
}

// ---- refusing files that are not ours ----

class RefuseTest : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::filesystem::path path = tmp / "other.db";
};

TEST_F(RefuseTest, NewerSchemaIsRefusedUntouched) {
  {
    auto store = Store::open(path);
    ASSERT_TRUE(store);
    store->database().exec("PRAGMA user_version = " + std::to_string(schema::latest_version() + 1));
  }
  std::string before = test::read_all(path);
  auto again = Store::open(path);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("newer proctrail"), std::string::npos) << again.error().message;
  EXPECT_EQ(again.error().message.find('\n'), std::string::npos);
  EXPECT_EQ(test::read_all(path), before);
}

TEST_F(RefuseTest, ForeignSqliteDatabaseIsRefusedUntouched) {
  {
    SQLite::Database other(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')");
  }
  std::string before = test::read_all(path);
  auto store = Store::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("not a proctrail database"), std::string::npos) << store.error().message;
  EXPECT_EQ(test::read_all(path), before);
}

TEST_F(RefuseTest, OtherApplicationIdIsRefusedUntouched) {
  {
    SQLite::Database other(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("PRAGMA application_id = 1234");
  }
  std::string before = test::read_all(path);
  auto store = Store::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("application_id"), std::string::npos);
  EXPECT_EQ(test::read_all(path), before);
}

TEST_F(RefuseTest, GarbageFileIsRefusedUntouched) {
  std::string garbage(8192, 'x');
  test::write_all(path, garbage);
  auto store = Store::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("not a SQLite database"), std::string::npos) << store.error().message;
  EXPECT_EQ(test::read_all(path), garbage);
}

TEST_F(RefuseTest, MissingFolderIsAClearError) {
  auto store = Store::open(tmp / "no/such/dir/trail.db");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("no/such/dir"), std::string::npos);
}

TEST_F(RefuseTest, NewDatabaseFileIsPrivate) {
  ASSERT_TRUE(Store::open(path));
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace
}  // namespace proctrail

namespace proctrail {
namespace {

// Regression: a long reader pinned the write-ahead log at 183 MB, and that file stayed on disk after
// the reader had gone. With journal_size_limit the log is cut back once it can be reset.
TEST(WalBound, ALongReaderLeavesNoLargeWriteAheadLogBehind) {
  test::TempDir tmp;
  const auto path = tmp / "trail.db";
  const auto wal = tmp / "trail.db-wal";
  StoreOptions options;
  options.wal_size_limit_bytes = 512 << 10;
  auto store = Store::open(path, options);
  ASSERT_TRUE(store) << store.error().message;
  auto record_new_processes = [&](int round) {
    std::vector<ProcessSample> processes{sample(1, 0, 0, "/sbin/init")};
    for (int i = 0; i < 400; ++i) {
      processes.push_back(sample(1000 + round * 400 + i, static_cast<uint64_t>(round * 400 + i + 1), 1,
                                 "node server-" + std::to_string(round) + " --long-argument-to-fill-pages " + std::string(200, 'x')));
    }
    auto t = table(std::move(processes));
    auto summary = store->record(host(), {}, [&](const CollectHints&) { return Result<ProcessTable>(t); });
    ASSERT_TRUE(summary) << summary.error().message;
  };
  record_new_processes(0);
  int64_t grown = 0;
  {
    SQLite::Database reader(path.string(), SQLite::OPEN_READONLY);
    reader.exec("BEGIN");
    reader.execAndGet("SELECT count(*) FROM snapshots");  // holds its read snapshot: no checkpoint can pass it
    for (int round = 1; round <= 20; ++round) record_new_processes(round);
    grown = static_cast<int64_t>(std::filesystem::file_size(wal));
    reader.exec("COMMIT");
  }
  EXPECT_GT(grown, 4 << 20) << "the reader held the log open while it grew past SQLite's checkpoint size";
  for (int round = 21; round <= 24; ++round) record_new_processes(round);
  EXPECT_LE(static_cast<int64_t>(std::filesystem::file_size(wal)), 2 << 20)
      << "the log was cut back once the reader had gone (it had grown to " << grown << " bytes)";
}

}  // namespace
}  // namespace proctrail
