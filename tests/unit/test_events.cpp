// Event mode without the kernel: the datagram parser on literal bytes, the enricher on a fixture
// /proc tree, and the store's event batches, chain and spawn counting on hand-made events.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstddef>
#include <vector>

#include "proctrail/event_recording.hpp"
#include "proctrail/events.hpp"
#include "recorder/collect/connector_parse.hpp"
#include "tests/support/fake_proc.hpp"
#include "tests/support/history.hpp"

namespace proctrail {
namespace {

std::vector<std::byte> bytes(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

// One datagram as the kernel sends a fork: nlmsghdr (16), cn_msg (20), proc_event header (16),
// fork_proc_event (16). Little-endian, as on x86-64 and arm64.
const std::vector<std::byte> kForkDatagram = bytes({
    0x44, 0x00, 0x00, 0x00,  // nlmsg_len 68
    0x03, 0x00,              // nlmsg_type NLMSG_DONE
    0x00, 0x00,              // nlmsg_flags
    0x00, 0x00, 0x00, 0x00,  // nlmsg_seq
    0x00, 0x00, 0x00, 0x00,  // nlmsg_pid (the kernel)
    0x01, 0x00, 0x00, 0x00,  // cb_id.idx CN_IDX_PROC
    0x01, 0x00, 0x00, 0x00,  // cb_id.val CN_VAL_PROC
    0x07, 0x00, 0x00, 0x00,  // seq
    0x00, 0x00, 0x00, 0x00,  // ack
    0x20, 0x00,              // len 32
    0x00, 0x00,              // flags
    0x01, 0x00, 0x00, 0x00,  // what PROC_EVENT_FORK
    0x01, 0x00, 0x00, 0x00,  // cpu 1
    0x00, 0xca, 0x9a, 0x3b, 0x00, 0x00, 0x00, 0x00,  // timestamp_ns 1,000,000,000
    0xe8, 0x03, 0x00, 0x00,  // parent_pid 1000
    0xe8, 0x03, 0x00, 0x00,  // parent_tgid 1000
    0xd0, 0x07, 0x00, 0x00,  // child_pid 2000
    0xd0, 0x07, 0x00, 0x00,  // child_tgid 2000
});

// An exit of pid 2000 with status 7 << 8 (exit(7)), parent 1000.
const std::vector<std::byte> kExitDatagram = bytes({
    0x4c, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // nlmsghdr, len 76
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // cn_msg id, seq, ack
    0x28, 0x00, 0x00, 0x00,                                                                          // len 40, flags
    0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,                                                  // what EXIT, cpu 0
    0x00, 0x94, 0x35, 0x77, 0x00, 0x00, 0x00, 0x00,                                                  // timestamp_ns 2e9
    0xd0, 0x07, 0x00, 0x00, 0xd0, 0x07, 0x00, 0x00,                                                  // pid, tgid 2000
    0x00, 0x07, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00,                                                  // exit_code 0x700, exit_signal 17
    0xe8, 0x03, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00,                                                  // parent 1000
});

std::vector<std::byte> concat(std::vector<std::byte> a, const std::vector<std::byte>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ConnectorParse, ForkDatagramGivesParentAndChild) {
  std::vector<RawProcEvent> events;
  ASSERT_TRUE(parse_connector_datagram(kForkDatagram, events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::fork);
  EXPECT_EQ(events[0].cpu, 1u);
  EXPECT_EQ(events[0].timestamp_ns, 1'000'000'000u);
  EXPECT_EQ(events[0].parent_tgid, 1000);
  EXPECT_EQ(events[0].tgid, 2000);
  EXPECT_FALSE(events[0].is_thread());
}

TEST(ConnectorParse, ExitCarriesTheWaitStatusAndParent) {
  std::vector<RawProcEvent> events;
  ASSERT_TRUE(parse_connector_datagram(kExitDatagram, events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::exit);
  EXPECT_EQ(events[0].exit_code, 0x700u);
  EXPECT_EQ(events[0].exit_signal, 17u);
  EXPECT_EQ(events[0].parent_tgid, 1000);
}

TEST(ConnectorParse, TwoMessagesInOneDatagram) {
  std::vector<RawProcEvent> events;
  ASSERT_TRUE(parse_connector_datagram(concat(kForkDatagram, kExitDatagram), events));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, EventKind::exit);
}

TEST(ConnectorParse, ThreadCloneIsParsedAndMarkedAsAThread) {
  auto datagram = kForkDatagram;
  datagram[60] = std::byte{0xd1};  // child_pid 2001, child_tgid still 2000
  std::vector<RawProcEvent> events;
  ASSERT_TRUE(parse_connector_datagram(datagram, events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].is_thread());
}

TEST(ConnectorParse, NetlinkLengthBeyondTheDatagramIsAnErrorNamingTheOffset) {
  auto datagram = concat(kForkDatagram, kForkDatagram);
  datagram.resize(datagram.size() - 10);  // second message cut short
  std::vector<RawProcEvent> events;
  auto parsed = parse_connector_datagram(datagram, events);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("at byte 68"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(events.size(), 1u) << "the first, whole message is kept";
}

TEST(ConnectorParse, ConnectorLengthBeyondTheMessageIsAnError) {
  auto datagram = kForkDatagram;
  datagram[32] = std::byte{0x40};  // cn_msg.len 64 > 32 bytes present
  std::vector<RawProcEvent> events;
  EXPECT_FALSE(parse_connector_datagram(datagram, events));
}

TEST(ConnectorParse, TruncatedEventBodyIsAnError) {
  auto datagram = kForkDatagram;
  datagram[0] = std::byte{0x40};   // nlmsg_len 64
  datagram[32] = std::byte{0x1c};  // cn_msg.len 28: the fork body lacks 4 bytes
  datagram.resize(64);
  std::vector<RawProcEvent> events;
  auto parsed = parse_connector_datagram(datagram, events);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("fork event truncated"), std::string::npos);
}

TEST(ConnectorParse, OtherConnectorsAndEmptyInputYieldNothing) {
  auto datagram = kForkDatagram;
  datagram[16] = std::byte{0x02};  // cb_id.idx 2: not the proc connector
  std::vector<RawProcEvent> events;
  EXPECT_TRUE(parse_connector_datagram(datagram, events));
  EXPECT_TRUE(parse_connector_datagram({}, events));
  EXPECT_TRUE(events.empty());
}

TEST(ConnectorParse, RefusedSubscriptionAckIsAnError) {
  auto datagram = kForkDatagram;
  datagram[36] = std::byte{0x00};  // what PROC_EVENT_NONE: an ack
  datagram[52] = std::byte{0x01};  // ack.err EPERM (1)
  datagram[53] = std::byte{0x00};
  std::vector<RawProcEvent> events;
  auto parsed = parse_connector_datagram(datagram, events);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("refused"), std::string::npos);
  datagram[52] = std::byte{0x00};  // err 0: the subscription's acknowledgement
  EXPECT_TRUE(parse_connector_datagram(datagram, events));
  EXPECT_TRUE(events.empty());
}

TEST(ConnectorParse, ShortHeaderIsAnError) {
  std::vector<RawProcEvent> events;
  EXPECT_FALSE(parse_connector_datagram(std::span(kForkDatagram).first(10), events));
}

// ---- the enricher on a fixture /proc ------------------------------------------------------------

class EnricherFixture : public ::testing::Test {
 protected:
  test::TempDir tmp;
  test::FakeProc proc{tmp / "proc"};
  EventEnricher enricher{EnricherOptions{.proc_root = tmp / "proc", .clock_ticks = 100}};

  void SetUp() override {
    proc.add({.pid = 1000, .ppid = 1, .comm = "bash", .start_ticks = 500, .argv = {"bash"}});
    proc.add({.pid = 2000, .ppid = 1000, .comm = "bash", .start_ticks = 900, .argv = {"bash"}});
  }

  RawProcEvent raw(EventKind kind, pid_t pid, pid_t parent = 0) {
    RawProcEvent event;
    event.kind = kind;
    event.pid = event.tgid = pid;
    event.parent_pid = event.parent_tgid = parent;
    event.timestamp_ns = 1'000'000'000;
    return event;
  }
};

TEST_F(EnricherFixture, ForkTakesChildAndParentIdentitiesFromProc) {
  std::vector<ProcEvent> out;
  enricher.enrich(raw(EventKind::fork, 2000, 1000), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].pid, 2000);
  EXPECT_EQ(out[0].start_ticks, 900u);
  EXPECT_FALSE(out[0].start_estimated);
  EXPECT_EQ(out[0].ppid, 1000);
  EXPECT_EQ(out[0].parent_start_ticks, 500u);
  EXPECT_EQ(out[0].argv, "bash");
}

TEST_F(EnricherFixture, ExitAfterProcIsGoneKeepsTheIdentityLearntAtFork) {
  std::vector<ProcEvent> out;
  enricher.enrich(raw(EventKind::fork, 2000, 1000), out);
  std::filesystem::remove_all(tmp / "proc" / "2000");
  auto exit = raw(EventKind::exit, 2000, 1000);
  exit.exit_code = 3 << 8;
  enricher.enrich(exit, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].kind, EventKind::exit);
  EXPECT_EQ(out[1].start_ticks, 900u);
  EXPECT_EQ(out[1].exit_code, 3);
  EXPECT_FALSE(out[1].exit_signal);
}

TEST_F(EnricherFixture, KilledBySignalGivesTheSignalNotACode) {
  std::vector<ProcEvent> out;
  auto exit = raw(EventKind::exit, 2000, 1000);
  exit.exit_code = 9;  // SIGKILL
  enricher.enrich(exit, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].exit_signal, 9);
  EXPECT_FALSE(out[0].exit_code);
}

TEST_F(EnricherFixture, ChildGoneBeforeItsStatCouldBeReadGetsAnEstimatedStart) {
  std::vector<ProcEvent> out;
  enricher.enrich(raw(EventKind::fork, 3000, 1000), out);  // no /proc/3000
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].start_estimated);
  ASSERT_TRUE(out[0].start_ticks);
  EXPECT_EQ(out[0].parent_start_ticks, 500u);
  EXPECT_FALSE(out[0].argv);
}

TEST_F(EnricherFixture, ThreadEventsAreLeftOut) {
  std::vector<ProcEvent> out;
  auto thread = raw(EventKind::fork, 2001, 1000);
  thread.tgid = 2000;
  enricher.enrich(thread, out);
  auto thread_exit = raw(EventKind::exit, 2001, 1000);
  thread_exit.tgid = 2000;
  enricher.enrich(thread_exit, out);
  EXPECT_TRUE(out.empty());
}

TEST_F(EnricherFixture, ExecReadsTheNewArgv) {
  std::vector<ProcEvent> out;
  enricher.enrich(raw(EventKind::fork, 2000, 1000), out);
  std::filesystem::remove_all(tmp / "proc" / "2000");
  proc.add({.pid = 2000, .ppid = 1000, .comm = "node", .start_ticks = 900, .argv = {"node", "dist/index.js"}});
  enricher.enrich(raw(EventKind::exec, 2000), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].argv, "node dist/index.js");
  EXPECT_EQ(out[1].start_ticks, 900u);
  EXPECT_EQ(out[1].ppid, 1000);
}

// ---- the store ----------------------------------------------------------------------------------

using EventStore = test::StoreFixture;

ProcEvent fork_event(pid_t pid, uint64_t start, pid_t ppid, uint64_t parent_start, const std::string& argv) {
  ProcEvent event;
  event.kind = EventKind::fork;
  event.at_us = test::at_ticks(start);
  event.pid = pid;
  event.start_ticks = start;
  event.ppid = ppid;
  event.parent_start_ticks = parent_start;
  event.argv = argv;
  return event;
}

ProcEvent exec_event(pid_t pid, uint64_t start, const std::string& argv) {
  ProcEvent event;
  event.kind = EventKind::exec;
  event.at_us = test::at_ticks(start + 1);
  event.pid = pid;
  event.start_ticks = start;
  event.argv = argv;
  return event;
}

int64_t scalar(Store& store, const std::string& sql) { return store.database().execAndGet(sql).getInt64(); }

TEST_F(EventStore, BatchIsChainedAndVerifyCatchesAnEditedEvent) {
  std::vector<ProcEvent> first{fork_event(200, 900, 100, 500, "bash")};
  std::vector<ProcEvent> second{exec_event(200, 900, "sleep 5"), EventEnricher(EnricherOptions{}).gap("test")};
  auto a = store->record_events(test::host(), first);
  auto b = store->record_events(test::host(), second);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->events, 2);
  EXPECT_EQ(b->gaps, 1);
  auto report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact());
  EXPECT_EQ(report->event_batches_checked, 2);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM process_events WHERE kind = 'gap' AND detail = 'test'"), 1);

  store->database().exec("UPDATE events SET argv = 'innocent' WHERE kind = 'exec'");
  report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->intact());
  EXPECT_EQ(report->first_bad_batch, b->batch_id);
}

// Regression: deleting the newest event batch with its events left verify reporting "intact". The
// head log (TRAIL.head) names every batch committed, so verify says batches were removed.
TEST_F(EventStore, TheNewestBatchDeletedWithItsEventsIsCaughtByTheHeadLog) {
  ASSERT_TRUE(store->record_events(test::host(), std::vector<ProcEvent>{fork_event(200, 900, 100, 500, "bash")}));
  auto newest = store->record_events(test::host(), std::vector<ProcEvent>{exec_event(200, 900, "sleep 5")});
  ASSERT_TRUE(newest);
  auto report = store->verify();
  ASSERT_TRUE(report && report->intact()) << (report ? report->head_problem.value_or("") : report.error().message);
  store->database().exec("DELETE FROM events WHERE batch_id = " + std::to_string(newest->batch_id));
  store->database().exec("DELETE FROM event_batches WHERE batch_id = " + std::to_string(newest->batch_id));
  report = store->verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->first_bad_batch) << "what is left is a valid chain: only the anchor outside tells";
  ASSERT_TRUE(report->head_problem);
  EXPECT_NE(report->head_problem->find("the event batch chain ends at 1, but its head log"), std::string::npos)
      << *report->head_problem;
}

// Regression: events dropped while the disk was full left no gap row in the trail, only lines on stderr.
// What a failed write lost is remembered, and the first batch that can be written says so.
TEST_F(EventStore, EventsAFailedWriteLostAreAGapRowInTheNextBatch) {
  EventRecording::Unwritten unwritten;
  EXPECT_FALSE(unwritten.gap()) << "nothing lost yet";
  std::vector<ProcEvent> first(3), second(2);
  for (size_t i = 0; i < first.size(); ++i) first[i].at_us = 1'000 + static_cast<int64_t>(i);
  for (size_t i = 0; i < second.size(); ++i) second[i].at_us = 2'000 + static_cast<int64_t>(i);
  unwritten.lost(first, "database or disk is full");
  auto gap = unwritten.gap();
  ASSERT_TRUE(gap);
  unwritten.lost(std::vector<ProcEvent>{*gap, second[0], second[1]}, "database or disk is full");  // failed again
  gap = unwritten.gap();
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->kind, EventKind::gap);
  EXPECT_EQ(gap->at_us, 1'000);
  EXPECT_EQ(gap->detail, "unwritten: 5 events could not be written to the trail between 1000 and 2001 (unix µs): "
                         "database or disk is full");
  auto written = store->record_events(test::host(), std::vector<ProcEvent>{*gap});
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(written->gaps, 1);
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM events WHERE kind = 'gap' AND detail LIKE 'unwritten: 5 events%'").getInt(), 1);
  unwritten.written();
  EXPECT_FALSE(unwritten.gap()) << "said once";
}

TEST_F(EventStore, EmptyBatchWritesNothing) {
  auto written = store->record_events(test::host(), {});
  ASSERT_TRUE(written);
  EXPECT_EQ(written->batch_id, 0);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM event_batches"), 0);
}

TEST_F(EventStore, ProcessSeenByForkAndSnapshotIsCountedOnceUnderItsExecArgv) {
  auto parent = test::sample(100, 500, 1, "bash");
  record(test::table({parent}));
  std::vector<ProcEvent> events{fork_event(200, 900, 100, 500, "bash"), exec_event(200, 900, "node server.js")};
  ASSERT_TRUE(store->record_events(test::host(), events));
  EXPECT_EQ(scalar(*store, "SELECT sum(spawned) FROM spawn_counts WHERE argv = 'node server.js'"), 1);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM spawn_counts WHERE argv = 'bash' AND parent_key > 0"), 0)
      << "the fork's count moved to the exec'd argv";

  // The child outlives its parent and is then seen by a snapshot, reparented to init.
  record(test::table({test::sample(200, 900, 1, "node server.js")}));
  EXPECT_EQ(scalar(*store, "SELECT sum(spawned) FROM spawn_counts WHERE argv = 'node server.js'"), 1);
  EXPECT_EQ(scalar(*store, "SELECT parent_pid FROM processes WHERE pid = 200"), 100);
  EXPECT_EQ(scalar(*store, "SELECT parent_start_ticks FROM processes WHERE pid = 200"), 500);
  EXPECT_EQ(scalar(*store, "SELECT parent_process_id FROM processes WHERE pid = 200"),
            scalar(*store, "SELECT process_id FROM processes WHERE pid = 100"));
  // So the orphans question names the original parent, which no snapshot saw it under.
  EXPECT_EQ(scalar(*store, "SELECT original_parent_pid FROM snapshot_orphans WHERE pid = 200 AND snapshot_id = 2"), 100);
}

TEST_F(EventStore, ForkOfAProcessASnapshotAlreadyRecordedIsNotCountedAgain) {
  auto parent = test::sample(100, 500, 1, "bash");
  record(test::table({parent, test::child_of(parent, test::sample(200, 900, 100, "sleep 5"))}));
  std::vector<ProcEvent> events{fork_event(200, 900, 100, 500, "bash")};
  ASSERT_TRUE(store->record_events(test::host(), events));
  EXPECT_EQ(scalar(*store, "SELECT sum(spawned) FROM spawn_counts WHERE argv IN ('bash', 'sleep 5') AND parent_key > 0"), 1);
}

TEST_F(EventStore, ShortLivedProcessesOnlyEventsSawAreCountedBySpawnRate) {
  auto parent = test::sample(100, 500, 1, "make");
  record(test::table({parent}));
  std::vector<ProcEvent> events;
  for (int i = 0; i < 5; ++i) {
    events.push_back(fork_event(300 + i, 1000 + i, 100, 500, "make"));
    events.push_back(exec_event(300 + i, 1000 + i, "cc -c x.c"));
  }
  ASSERT_TRUE(store->record_events(test::host(), events));
  EXPECT_EQ(scalar(*store, "SELECT sum(spawned) FROM spawn_counts WHERE argv = 'cc -c x.c'"), 5);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM processes"), 1) << "no process rows: no snapshot saw them";
}

// Bug: an MCP client restarted between snapshots and spawned its server at once; the fork was
// counted under "pid 4100, row unknown" and the next snapshot's row for the client under its row,
// so spawn-rate listed the one client twice (2 spawns and 1 spawn).
TEST_F(EventStore, ForksCountedBeforeTheirParentWasRecordedMoveToTheParentsRow) {
  record(test::table({test::sample(1, 10, 0, "init")}));
  std::vector<ProcEvent> events{fork_event(4100, 900, 1, 10, "init"), exec_event(4100, 900, "client"),
                                fork_event(4101, 901, 4100, 900, "client"), exec_event(4101, 901, "mcp-server")};
  ASSERT_TRUE(store->record_events(test::host(), events));
  EXPECT_EQ(scalar(*store, "SELECT parent_key FROM spawn_counts WHERE argv = 'mcp-server'"), -4100);

  auto client = test::sample(4100, 900, 1, "client");
  record(test::table({test::sample(1, 10, 0, "init"), client,
                      test::child_of(client, test::sample(4101, 901, 4100, "mcp-server")),
                      test::child_of(client, test::sample(4102, 950, 4100, "mcp-server"))}));
  const int64_t client_row = scalar(*store, "SELECT process_id FROM processes WHERE pid = 4100");
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM spawn_counts WHERE parent_key = -4100"), 0);
  EXPECT_EQ(scalar(*store, "SELECT sum(spawned) FROM spawn_counts WHERE argv = 'mcp-server' AND parent_key = " +
                               std::to_string(client_row)),
            2);
}

TEST_F(EventStore, AnExecAfterTheParentWasRecordedMovesTheCountUnderTheParentsRow) {
  record(test::table({test::sample(1, 10, 0, "init")}));
  std::vector<ProcEvent> forks{fork_event(4100, 900, 1, 10, "init"), fork_event(4101, 901, 4100, 900, "client")};
  ASSERT_TRUE(store->record_events(test::host(), forks));
  auto client = test::sample(4100, 900, 1, "client");
  record(test::table({test::sample(1, 10, 0, "init"), client}));
  std::vector<ProcEvent> exec{exec_event(4101, 901, "mcp-server")};
  ASSERT_TRUE(store->record_events(test::host(), exec));
  const int64_t client_row = scalar(*store, "SELECT process_id FROM processes WHERE pid = 4100");
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM spawn_counts WHERE parent_key < 0 AND parent_key != -1"), 0);
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM spawn_counts WHERE parent_key = " + std::to_string(client_row)), 1);
  EXPECT_EQ(scalar(*store, "SELECT spawned FROM spawn_counts WHERE argv = 'mcp-server' AND parent_key = " +
                               std::to_string(client_row)),
            1);
}


// In a nested pid namespace (a container, `unshare --pid`) the kernel ignored the subscription and
// the events other listeners drew carried the host's pids, which watch recorded as this namespace's.
TEST(ProcConnectorOpen, ANestedPidNamespaceIsRefusedAsUnavailableBeforeAnyPidIsMisread) {
  test::TempDir tmp;
  const auto link = tmp / "pid";
  std::filesystem::create_symlink("pid:[4026532417]", link);
  auto connector = ProcConnector::open(ConnectorOptions{.pid_namespace_link = link});
  ASSERT_FALSE(connector);
  EXPECT_EQ(connector.error().kind, ErrorKind::unavailable);
  EXPECT_NE(connector.error().message.find("initial pid namespace"), std::string::npos) << connector.error().message;
}

}  // namespace
}  // namespace proctrail