// Event mode against the real kernel: the proc connector, the recorder binary, and dropped events.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "proctrail/events.hpp"
#include "proctrail/procfs.hpp"
#include "proctrail/store.hpp"
#include "recorder/collect/procfs_parse.hpp"
#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;

uint64_t own_start_ticks() {
  std::ifstream in("/proc/self/stat");
  std::stringstream text;
  text << in.rdbuf();
  auto stat = parse_stat(text.str());
  return stat ? stat->starttime : 0;
}

bool connector_available() {
  return ProcConnector::open().ok();
}

TEST(EventsReal, WatchRecordsAProcessThatLivedFiveMillisecondsWithParentAndArgv) {
  if (!connector_available()) GTEST_SKIP() << "proc connector refused (needs CAP_NET_ADMIN)";
  test::TempDir tmp;
  auto db = tmp / "trail.db";
  Child watch({PROCTRAIL_BIN, "--db", db.string(), "watch", "--events", "--interval", "60s", "--no-containers",
               "--flush-interval", "50ms"},
              {.pipe_stdout = true});
  ASSERT_TRUE(watch.read_line().starts_with("snapshot 1:")) << "the watcher's first snapshot";

  Child short_lived({"sleep", "0.005"});
  const pid_t pid = short_lived.pid();
  ASSERT_EQ(short_lived.wait(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few flushes
  ::kill(watch.pid(), SIGTERM);
  ASSERT_EQ(watch.wait(), 0);

  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement fork(trail,
      "SELECT ppid, parent_start_ticks, start_ticks, start_estimated FROM process_events WHERE kind = 'fork' AND pid = ?");
  fork.bind(1, pid);
  ASSERT_TRUE(fork.executeStep()) << "no fork row for pid " << pid;
  EXPECT_EQ(fork.getColumn(0).getInt(), ::getpid());
  EXPECT_EQ(fork.getColumn(1).getInt64(), static_cast<int64_t>(own_start_ticks()));
  const int64_t start_ticks = fork.getColumn(2).getInt64();

  SQLite::Statement exec(trail, "SELECT argv, start_ticks FROM process_events WHERE kind = 'exec' AND pid = ?");
  exec.bind(1, pid);
  ASSERT_TRUE(exec.executeStep()) << "no exec row for pid " << pid;
  EXPECT_EQ(exec.getColumn(0).getString(), "sleep 0.005");
  EXPECT_EQ(exec.getColumn(1).getInt64(), start_ticks);

  SQLite::Statement exit(trail, "SELECT exit_code, start_ticks FROM process_events WHERE kind = 'exit' AND pid = ?");
  exit.bind(1, pid);
  ASSERT_TRUE(exit.executeStep()) << "no exit row for pid " << pid;
  EXPECT_EQ(exit.getColumn(0).getInt(), 0);
  EXPECT_EQ(exit.getColumn(1).getInt64(), start_ticks);

  EXPECT_EQ(trail.execAndGet("SELECT count(*) FROM processes WHERE pid = " + std::to_string(pid) +
                             " AND start_ticks = " + std::to_string(start_ticks)).getInt(), 0)
      << "no snapshot saw it: only the events did";
}

TEST(EventsReal, DroppedEventsAreRecordedAsAGap) {
  auto connector = ProcConnector::open(ConnectorOptions{.receive_buffer_bytes = 4096});
  if (!connector) GTEST_SKIP() << connector.error().message;
  // Nobody reads while 1,000 processes start and exit: the small buffer overflows.
  for (int i = 0; i < 1000; ++i) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
  }
  std::vector<RawProcEvent> raw;
  bool overflowed = false;
  for (int round = 0; round < 50; ++round) ASSERT_TRUE(connector->receive(raw, overflowed));
  ASSERT_TRUE(overflowed) << "the kernel reported no ENOBUFS after 1,000 unread processes (" << raw.size() << " read)";

  test::TempDir tmp;
  auto store = Store::open(tmp / "trail.db");
  ASSERT_TRUE(store) << store.error().message;
  ProcfsCollector procfs;
  auto host = procfs.read_host();
  ASSERT_TRUE(host);
  EventEnricher enricher;
  std::vector<ProcEvent> events{enricher.gap("the kernel dropped process events (ENOBUFS)")};
  for (const auto& event : raw) enricher.enrich(event, events);
  auto written = store->record_events(*host, events);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(written->gaps, 1);
  EXPECT_EQ(store->database().execAndGet("SELECT count(*) FROM process_events WHERE kind = 'gap'").getInt(), 1);
}

// Kernels before 6.6 refuse a listener without CAP_NET_ADMIN; every kernel refuses one outside the
// initial network namespace. Either way: one line saying so, and snapshots alone.
TEST(EventsReal, RefusedConnectorIsSaidOnceAndSnapshotsGoOn) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for unshare -n";
  test::TempDir tmp;
  auto db = tmp / "trail.db";
  Child watch({"unshare", "-n", PROCTRAIL_BIN, "--db", db.string(), "watch", "--events", "--count", "3", "--interval",
               "100ms", "--no-containers", "--no-descriptors"},
              {.pipe_stdout = true, .pipe_stderr = true});
  std::string out = watch.read_stdout();
  std::string err = watch.read_stderr();
  ASSERT_EQ(watch.wait(), 0) << err;
  EXPECT_NE(err.find("proc connector"), std::string::npos) << err;
  EXPECT_NE(err.find("recording snapshots only"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
  EXPECT_NE(out.find("snapshot 3:"), std::string::npos) << out;
}

}  // namespace
}  // namespace proctrail
