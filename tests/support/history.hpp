#pragma once
// Deterministic histories written through the Store: a fixed host, hand-made samples and tables.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "proctrail/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail::test {

inline HostInfo host(const std::string& boot_id = "boot-1", const std::string& machine_id = "machine-1") {
  return HostInfo{.boot_id = boot_id, .machine_id = machine_id, .hostname = "h", .kernel = "k",
                  .boot_time = 1'700'000'000, .clock_ticks = 100, .page_size = 4096};
}

inline ProcessSample sample(pid_t pid, uint64_t start, pid_t ppid, const std::string& argv, int64_t rss_kb = 10'000,
                            char state = 'S') {
  ProcessSample s;
  s.key = {pid, start};
  s.ppid = ppid;
  s.state = state;
  s.comm = argv.substr(0, argv.find(' '));
  s.argv = argv;
  s.exe = "/usr/bin/" + s.comm;
  s.rss_kb = rss_kb;
  s.threads = 1;
  return s;
}

// The same sample with its original parent's identity, as the collector's resolve_parents sets it.
inline ProcessSample child_of(const ProcessSample& parent, ProcessSample child) {
  child.parent = parent.key;
  return child;
}

inline ProcessTable table(std::vector<ProcessSample> processes, std::vector<pid_t> unparsed = {}) {
  static int64_t clock = 0;
  ProcessTable t;
  t.processes = std::move(processes);
  t.unparsed_pids = std::move(unparsed);
  t.started_boottime_ns = ++clock * 1'000'000'000;
  t.started_at_us = t.ended_at_us = 1'700'000'000'000'000 + clock;
  return t;
}

// Unix µs of `ticks` after the fixture host's boot.
inline int64_t at_ticks(uint64_t ticks) { return 1'700'000'000'000'000 + static_cast<int64_t>(ticks) * 10'000; }

// A clock the test sets: the store reads "now" from it instead of this machine's clocks. Like a real
// clock it never reads the same twice: each read moves it on by one unit.
struct FixtureClock {
  std::shared_ptr<int64_t> realtime_us = std::make_shared<int64_t>(1'700'000'000'000'000);
  std::shared_ptr<int64_t> boottime_ns = std::make_shared<int64_t>(1);

  Clock clock() const {
    return Clock{.realtime_us = [now = realtime_us] { return (*now)++; }, .boottime_ns = [now = boottime_ns] { return (*now)++; }};
  }
  // A fixture's request is made as the collection it asks for begins.
  void at_collection_of(const ProcessTable& t) {
    *realtime_us = t.started_at_us;
    *boottime_ns = t.started_boottime_ns;
  }
};

// A fresh trail per test, written through the store with hand-made tables, on the fixture's clock.
class StoreFixture : public ::testing::Test {
 protected:
  TempDir tmp;
  std::filesystem::path db_path = tmp / "trail.db";
  std::optional<Store> store;
  FixtureClock clock;

  void SetUp() override {
    StoreOptions options;
    options.clock = clock.clock();
    auto opened = Store::open(db_path, options);
    ASSERT_TRUE(opened) << opened.error().message;
    store.emplace(std::move(opened.value()));
  }
  SnapshotSummary record(ProcessTable t, SnapshotRequest request = {}, const HostInfo& h = host()) {
    clock.at_collection_of(t);
    auto summary = store->record(h, request, [&](const CollectHints&) { return Result<ProcessTable>(t); });
    EXPECT_TRUE(summary) << summary.error().message;
    return summary ? *summary : SnapshotSummary{};
  }
};

}  // namespace proctrail::test
