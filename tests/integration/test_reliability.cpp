// Reliability guarantees, tried against the real binary: a recorder killed at any moment loses no
// committed snapshot and the trail stays intact; concurrent hook callers all land, once each, while
// a timer recorder and a long reader share the database.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;
using test::TempDir;

const std::string kBinary = PROCTRAIL_BIN;

int open_for_child(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

// "snapshot N: …" lines a recorder printed (each printed after its snapshot committed).
std::vector<int64_t> reported_snapshots(const std::filesystem::path& output) {
  std::ifstream in(output);
  std::vector<int64_t> ids;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("snapshot ") || line.find(':') == std::string::npos) continue;
    ids.push_back(std::stoll(line.substr(9, line.find(':') - 9)));
  }
  return ids;
}

std::set<int64_t> stored_snapshots(const std::filesystem::path& db) {
  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement query(trail, "SELECT snapshot_id FROM snapshots");
  std::set<int64_t> ids;
  while (query.executeStep()) ids.insert(query.getColumn(0).getInt64());
  return ids;
}

std::string integrity_of(const std::filesystem::path& db) {
  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  return trail.execAndGet("PRAGMA integrity_check").getString();
}

struct Finished {
  int code = -1;
  std::chrono::milliseconds took{0};
};

TEST(Reliability, SigkillAtRandomPointsLosesNoCommittedSnapshotAndTheNextRunCarriesOn) {
  TempDir tmp;
  const auto db = tmp / "trail.db", output = tmp / "watch.out";
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delay_ms(60, 700);
  std::set<int64_t> reported;
  int64_t newest = 0;
  int with_events = 0;
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  for (int round = 0; round < 16; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<std::string> args = {kBinary, "--db", db.string(), "watch", "--interval", "25ms"};
    if (round % 2 == 1 && ::geteuid() == 0) {  // the proc connector needs CAP_NET_ADMIN
      args.insert(args.end(), {"--events", "--flush-interval", "20ms"});
      ++with_events;
    }
    const int out = open_for_child(output);
    ASSERT_GE(out, 0);
    {
      Child watch(args, {.stdout_fd = out, .stderr_fd = devnull});
      ::close(out);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
      watch.kill_and_wait();
    }
    ASSERT_EQ(integrity_of(db), "ok");
    const std::set<int64_t> stored = stored_snapshots(db);
    for (int64_t id : reported_snapshots(output)) {
      EXPECT_TRUE(stored.contains(id)) << "snapshot " << id << " was reported committed and is gone";
      EXPECT_GT(id, newest) << "a new run reused a snapshot id";
      reported.insert(id);
    }
    if (!stored.empty()) newest = *stored.rbegin();
  }
  ::close(devnull);
  EXPECT_GE(reported.size(), 16u) << "the recorder committed too few snapshots for the kills to mean anything";
  Child verify({kBinary, "--db", db.string(), "verify"}, {.pipe_stdout = true});
  const std::string verdict = verify.read_stdout();
  EXPECT_EQ(verify.wait(), 0) << verdict;
  EXPECT_NE(verdict.find("every hash chain intact"), std::string::npos) << verdict;
  if (::geteuid() == 0) {
    EXPECT_GT(with_events, 0);
  }
}

// Hook callers must never stall the client that runs them: 50 at once, while a timer recorder writes
// every 200 ms and a reader holds long read transactions. Each caller returns within a second (the
// snapshot is taken by a detached worker) and every worker's snapshot lands, once.
TEST(Reliability, FiftyConcurrentHookSnapsDuringWatchAndALongReaderAllReturnWithinASecondAndLandOnceEach) {
  TempDir tmp;
  const auto db = tmp / "trail.db";
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  Child watch({kBinary, "--db", db.string(), "watch", "--interval", "200ms"}, {.stdout_fd = devnull, .stderr_fd = devnull});
  auto recorded_one = [&] {
    try {
      return std::filesystem::exists(db) && !stored_snapshots(db).empty();
    } catch (const SQLite::Exception&) {
      return false;  // created, not yet migrated
    }
  };
  ASSERT_TRUE(test::eventually(recorded_one, std::chrono::seconds(20)));

  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
    trail.setBusyTimeout(5000);
    while (!stop) {
      trail.exec("BEGIN");
      trail.execAndGet("SELECT count(*) FROM snapshot_processes a JOIN snapshot_processes b USING (snapshot_id, pid)");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // hold the read transaction open
      trail.exec("COMMIT");
      ++reads;
    }
  });

  constexpr int kCallers = 50;
  const auto previous_sigpipe = ::signal(SIGPIPE, SIG_IGN);  // regression: a late write killed the test and leaked `watch`
  std::vector<Finished> finished(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      Child snap({kBinary, "--db", db.string(), "snap", "--hook", "--tag", "load-" + std::to_string(i)},
                 {.pipe_stdin = true, .stdout_fd = devnull, .stderr_fd = devnull});
      // The caller's own latency, from its start: forking this 50-thread test process is not the hook's cost.
      const auto began = std::chrono::steady_clock::now();
      // A hook that gave up on a late payload has closed its stdin: that write fails (EPIPE, SIGPIPE
      // ignored below) and the snapshot records the lateness as its hook_error; it still lands once.
      try {
        snap.write_stdin(R"({"hook_event_name":"Stop","session_id":"load-)" + std::to_string(i) + R"("})");
      } catch (const std::runtime_error&) {
      }
      snap.close_stdin();
      finished[static_cast<size_t>(i)].code = snap.wait();
      finished[static_cast<size_t>(i)].took =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    });
  }
  for (auto& caller : callers) caller.join();
  ::signal(SIGPIPE, previous_sigpipe);
  auto tagged = [&] {
    SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
    return trail.execAndGet("SELECT count(*) FROM snapshots WHERE tag LIKE 'load-%'").getInt();
  };
  EXPECT_TRUE(test::eventually([&] { return tagged() >= kCallers; }, std::chrono::seconds(90)))
      << "only " << tagged() << " of " << kCallers << " hook snapshots landed";
  stop = true;
  reader.join();
  watch.kill_and_wait();
  ::close(devnull);

  std::vector<int64_t> took_ms;
  for (const auto& caller : finished) took_ms.push_back(caller.took.count());
  std::sort(took_ms.begin(), took_ms.end());
  std::cout << "hook callers: median " << took_ms[took_ms.size() / 2] << " ms, slowest " << took_ms.back() << " ms\n";
  for (int i = 0; i < kCallers; ++i) {
    EXPECT_EQ(finished[static_cast<size_t>(i)].code, 0) << "caller " << i;
    EXPECT_LT(finished[static_cast<size_t>(i)].took.count(), 1000) << "caller " << i << " waited too long";
  }
  EXPECT_GT(reads.load(), 0);
  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement tags(trail,
                         "SELECT tag, count(*), min(hook_session_id = tag) FROM snapshots WHERE tag LIKE 'load-%' GROUP BY tag");
  std::map<std::string, int> landed;
  while (tags.executeStep()) {
    landed[tags.getColumn(0).getString()] = tags.getColumn(1).getInt();
    EXPECT_EQ(tags.getColumn(2).getInt(), 1) << "the hook payload of " << tags.getColumn(0).getString() << " was not kept";
  }
  ASSERT_EQ(landed.size(), static_cast<size_t>(kCallers)) << "every caller's snapshot landed";
  for (const auto& [tag, count] : landed) EXPECT_EQ(count, 1) << tag << " recorded more than once";
  EXPECT_EQ(integrity_of(db), "ok");
}

// A size-limited tmpfs, unmounted (lazily, in case a test left something open) when it goes.
class SmallFilesystem {
 public:
  SmallFilesystem(const std::filesystem::path& where, const std::string& size) : where_(where) {
    std::filesystem::create_directories(where_);
    mounted_ = test::run_command({"mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", where_.string()})
                   .status == 0;
  }
  ~SmallFilesystem() {
    if (mounted_) test::run_command({"umount", "-l", where_.string()});
  }
  bool mounted() const { return mounted_; }

 private:
  std::filesystem::path where_;
  bool mounted_ = false;
};

// Writes until the filesystem refuses; returns the bytes written.
size_t fill(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  const std::string block(64 * 1024, 'x');
  size_t written = 0;
  for (;;) {
    const ssize_t n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  return written;
}

using test::Ran;

Ran run_proctrail(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_captured(argv);
}

TEST(Reliability, FullDiskGivesAClearErrorLosesNoCommittedSnapshotAndRecordingResumesWhenSpaceReturns) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  TempDir tmp;
  SmallFilesystem disk(tmp / "small", "4m");
  ASSERT_TRUE(disk.mounted());
  const auto db = tmp / "small" / "trail.db", filler = tmp / "small" / "filler";
  for (int i = 0; i < 3; ++i) ASSERT_EQ(run_proctrail({"--db", db.string(), "snap"}).code, 0);
  const std::set<int64_t> before = stored_snapshots(db);
  ASSERT_EQ(before.size(), 3u);
  ASSERT_GT(fill(filler), 0u);

  int refused = 0;
  for (int i = 0; i < 5; ++i) {  // later ones may fit in pages SQLite frees; at least one must be refused
    const Ran snap = run_proctrail({"--db", db.string(), "snap", "--tag", "on-full-disk"});
    if (snap.code == 0) continue;
    ++refused;
    EXPECT_EQ(std::count(snap.err.begin(), snap.err.end(), '\n'), 1) << "one line: " << snap.err;
    EXPECT_NE(snap.err.find("disk full"), std::string::npos) << snap.err;
  }
  EXPECT_GT(refused, 0) << "the full disk never refused a snapshot";
  const Ran hook = run_proctrail({"--db", db.string(), "snap", "--hook", "--wait"});
  EXPECT_EQ(hook.code, 0) << "hooks exit 0 even on a full disk: " << hook.err;

  EXPECT_EQ(integrity_of(db), "ok");
  const std::set<int64_t> during = stored_snapshots(db);
  EXPECT_TRUE(std::includes(during.begin(), during.end(), before.begin(), before.end())) << "a committed snapshot was lost";

  std::filesystem::remove(filler);
  EXPECT_EQ(run_proctrail({"--db", db.string(), "snap", "--tag", "space-back"}).code, 0);
  EXPECT_EQ(stored_snapshots(db).size(), during.size() + 1);
  const Ran verify = run_proctrail({"--db", db.string(), "verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
}

}  // namespace
}  // namespace proctrail
