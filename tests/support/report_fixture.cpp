// proctrail_report_fixture OUT_DIR: writes a deterministic leaky history through the Store into
// OUT_DIR/trail.db and renders it as OUT_DIR/report.html and OUT_DIR/report.md, for the browser test
// (tests/browser/check_report.sh). Not a test of its own; nothing here depends on the machine it runs
// on (set TZ for byte-identical time labels).
//
// The history, on a fixed host booted at unix 1'700'000'000 s, with 4 snapshots at 0.2 h, 3 h, 6 h
// and 9 h after boot:
//   - init, bash, sshd, cron from boot; vim (a child of bash) from 2 h: alive throughout, not suspects;
//   - "node claude" (from 0.1 h) spawns 12 "node mcp-server/dist/index.js" servers, one every half
//     hour from 0.5 h, and exits between 6 h and 9 h: its servers are orphans 3 to 8.5 h old;
//   - "python3 agent.py" (from 0.15 h) spawns 14 different tools (1 to 3 instances each, some with
//     argv longer than a chart label) from 0.75 h to 4 h and exits between 3 h and 6 h.
// So the last snapshot has 15 suspect argv groups (more than a line chart's 8 series and a bar
// chart's 12 bars: the "other" grouping is drawn), 7 start-hour groups and 3 spawning parents.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "proctrail/query.hpp"
#include "proctrail/store.hpp"
#include "reports/report.hpp"
#include "tests/support/history.hpp"

namespace proctrail {
namespace {

using test::child_of;
using test::sample;

constexpr uint64_t kTicksPerHour = 360'000;                       // the fixture host: 100 ticks/s
constexpr int64_t kBootUs = 1'700'000'000LL * 1'000'000;           // test::host().boot_time
constexpr int64_t kWrittenUs = kBootUs + 9 * 3'600'000'000LL + 300'000'000;  // 5 min after the last snapshot

uint64_t hours(double h) { return static_cast<uint64_t>(h * kTicksPerHour); }

struct Lifetime {
  ProcessSample sample;
  uint64_t exits_at = UINT64_MAX;  // ticks; present in snapshots taken before this
  bool orphaned_on_parent_exit = false;
};

struct History {
  std::vector<Lifetime> processes;

  ProcessSample& add(ProcessSample s, uint64_t exits_at = UINT64_MAX) {
    processes.push_back({std::move(s), exits_at, false});
    return processes.back().sample;
  }
  // The processes alive at `ticks` after boot, reparented to init where their parent has exited.
  ProcessTable at(uint64_t ticks) const {
    std::vector<ProcessSample> alive;
    for (const auto& p : processes) {
      if (p.sample.key.start_ticks > ticks || p.exits_at <= ticks) continue;
      ProcessSample s = p.sample;
      for (const auto& parent : processes) {
        if (s.parent && parent.sample.key == *s.parent && parent.exits_at <= ticks) s.ppid = 1;
      }
      alive.push_back(std::move(s));
    }
    ProcessTable t = test::table(std::move(alive));
    t.started_boottime_ns = static_cast<int64_t>(ticks) * 10'000'000;
    t.started_at_us = kBootUs + static_cast<int64_t>(ticks) * 10'000;
    t.ended_at_us = t.started_at_us + 20'000;
    return t;
  }
};

History leaky_history() {
  History h;
  const auto init = h.add(sample(1, 0, 0, "/sbin/init", 12'000));
  const auto bash = h.add(child_of(init, sample(200, 30, 1, "bash", 5'000)));
  h.add(child_of(init, sample(210, 40, 1, "/usr/sbin/sshd -D", 8'000)));
  h.add(child_of(init, sample(220, 50, 1, "/usr/sbin/cron -f", 3'000)));
  h.add(child_of(bash, sample(230, hours(2), 200, "vim notes.md", 15'000)));

  const auto client = h.add(child_of(init, sample(100, hours(0.1), 1, "node claude", 300'000)), hours(7.5));
  for (int i = 0; i < 12; ++i) {
    h.add(child_of(client, sample(1000 + i, hours(0.5 + 0.5 * i), 100, "node mcp-server/dist/index.js", 200'000 + i * 1'000)));
  }

  const auto agent = h.add(child_of(init, sample(300, hours(0.15), 1, "python3 agent.py", 90'000)), hours(4.5));
  const std::vector<std::string> tools = {
      "python3 -m http.server 8001",
      "node tools/search.js --index /var/cache/agent/search-index --watch",
      "uvx mcp-server-fetch",
      "npx -y @modelcontextprotocol/server-filesystem /home/user/projects/proctrail",
      "ruby lsp.rb",
      "/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx512m -jar /opt/jdtls/plugins/org.eclipse.equinox.launcher.jar",
      "gopls serve",
      "rust-analyzer",
      "clangd --background-index --compile-commands-dir=build",
      "deno run --allow-net tools/proxy.ts",
      "python3 tools/embed.py --model small",
      "sqlite3 -batch /tmp/agent-cache.db",
      "tail -F /var/log/agent/session.log",
      "bun run tools/watch.ts",
  };
  pid_t pid = 2000;
  uint64_t start = hours(0.75);
  for (size_t k = 0; k < tools.size(); ++k) {
    for (size_t n = 0; n <= k % 3; ++n) {
      h.add(child_of(agent, sample(pid++, start + n * 6'000, 300, tools[k], 20'000 + static_cast<int64_t>(k) * 9'000)));
    }
    start += hours(0.25);
  }
  return h;
}

int run(const std::filesystem::path& out) {
  std::filesystem::create_directories(out);
  const auto db_path = out / "trail.db";
  std::filesystem::remove(db_path);
  {
    auto store = Store::open(db_path);
    if (!store) {
      std::cerr << "report_fixture: " << store.error().message << "\n";
      return 1;
    }
    const History history = leaky_history();
    for (double h : {0.2, 3.0, 6.0, 9.0}) {
      const ProcessTable t = history.at(hours(h));
      // The request's own clocks, so no snapshot is coalesced with the one before whatever this
      // machine's uptime.
      SnapshotRequest request{.requested_at_us = t.started_at_us, .requested_boottime_ns = t.started_boottime_ns};
      auto summary = store->record(test::host(), request, [&](const CollectHints&) { return Result<ProcessTable>(t); });
      if (!summary || summary->coalesced_with) {
        std::cerr << "report_fixture: recording the snapshot at " << h << " h failed"
                  << (summary ? " (coalesced)" : ": " + summary.error().message) << "\n";
        return 1;
      }
    }
  }
  auto trail = TrailReader::open(db_path);
  if (!trail) {
    std::cerr << "report_fixture: " << trail.error().message << "\n";
    return 1;
  }
  for (const std::string format : {"html", "md"}) {
    // The trail's name without the (temporary) directory, so the page is the same wherever it is written.
    reports::ReportRequest request{.format = format, .trail_path = "trail.db", .hostname = "fixture",
                                   .written_at_us = kWrittenUs};
    auto report = reports::render_report(*trail, request);
    if (!report) {
      std::cerr << "report_fixture: " << format << ": " << report.error().message << "\n";
      return 1;
    }
    std::ofstream file(out / ("report." + format), std::ios::binary | std::ios::trunc);
    file << report->text;
    file.close();
    if (!file) {
      std::cerr << "report_fixture: writing report." << format << " failed\n";
      return 1;
    }
    std::cout << (out / ("report." + format)).string() << " (" << report->sections << " sections)\n";
  }
  return 0;
}

}  // namespace
}  // namespace proctrail

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: proctrail_report_fixture OUT_DIR\n";
    return 2;
  }
  return proctrail::run(argv[1]);
}
