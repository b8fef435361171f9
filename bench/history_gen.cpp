// Writes a realistic trail through the recorder's own Store (issue 5's speed benchmark): DAYS days of
// snapshots every INTERVAL seconds of a machine with ~STABLE long-lived processes, one short-lived
// spawn per second (each living 30 s to 10 min), and the seed's leak: an AI client restarted every
// 6 hours that starts a new stdio MCP server at each start and never stops the old one (the servers
// are reparented to a subreaper when their client exits, and hold 150-300 MB each).
// usage: bench_history DB [--days 30] [--interval 10] [--stable 900]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "proctrail/store.hpp"

namespace {

using proctrail::ProcessKey;
using proctrail::ProcessSample;
using proctrail::ProcessTable;

struct Simulated {
  ProcessSample sample;
  int64_t dies_at_s = -1;  // -1: lives to the end
  int64_t first_rss_kb = 0;  // 0: the sample's own value when first grown
};

constexpr int64_t kMaxGrowth = 3;  // a process's RSS grows to at most this many times its first value

constexpr int64_t kClockTicks = 100;

ProcessSample make(pid_t pid, int64_t start_s, pid_t ppid, const std::string& argv, int64_t rss_kb) {
  ProcessSample s;
  s.key = ProcessKey{pid, static_cast<uint64_t>(start_s * kClockTicks + 50)};
  s.ppid = ppid;
  s.state = 'S';
  s.comm = argv.substr(0, std::min<size_t>(15, argv.find(' ')));
  s.argv = argv;
  s.exe = "/usr/bin/" + s.comm;
  s.cwd = "/home/dev/project";
  s.uid = 1000;
  s.euid = 1000;
  s.pgid = pid;
  s.sid = pid;
  s.threads = 1;
  s.rss_kb = rss_kb;
  s.cgroup = "/user.slice/user-1000.slice/session-2.scope";
  s.pid_ns = 4026531836;
  return s;
}

// Bug: unbounded x1.2 steps compounded over a 30-day run to RSS values beyond any machine's memory.
void grow(Simulated& p) {
  if (p.first_rss_kb == 0) p.first_rss_kb = p.sample.rss_kb;
  p.sample.rss_kb = std::min(p.sample.rss_kb * 12 / 10, p.first_rss_kb * kMaxGrowth);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_history DB [--days 30] [--interval 10] [--stable 900]\n");
    return 2;
  }
  int64_t days = 30, interval_s = 10, stable = 900;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--days") == 0) days = std::stoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--interval") == 0) interval_s = std::stoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--stable") == 0) stable = std::stoll(argv[i + 1]);
  }
  auto store = proctrail::Store::open(argv[1]);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  const int64_t total_s = days * 86400;
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  proctrail::HostInfo host{.boot_id = "bench-history-boot", .machine_id = "bench-history-machine",
                           .hostname = "bench-host", .kernel = "6.1.0 bench", .boot_time = now_s - total_s - 60,
                           .clock_ticks = kClockTicks, .page_size = 4096};
  std::mt19937_64 random(42);
  std::vector<Simulated> live;
  pid_t next_pid = 2;
  live.push_back({make(1, 0, 0, "/sbin/init", 12'000)});
  const pid_t subreaper = next_pid++;
  live.push_back({make(subreaper, 0, 1, "/lib/systemd/systemd --user", 9'000)});
  for (int64_t i = 0; i < stable; ++i) {
    live.push_back({make(next_pid++, 0, subreaper, "/usr/libexec/service-" + std::to_string(i % 150) + " --daemon", 5'000 + i * 37 % 40'000)});
  }
  const std::vector<std::string> short_lived = {"git status --porcelain", "node /usr/lib/node_modules/npm/bin/npm-cli.js test",
                                                "python3 -m pytest -q tests/", "bash -c make -j2", "rg TODO src"};
  pid_t shell = next_pid++;
  live.push_back({make(shell, 0, subreaper, "-bash", 6'000)});
  pid_t client = 0;
  int64_t next_client_restart = 0, snapshots = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int64_t t = interval_s; t <= total_s; t += interval_s) {
    // Client restarts: the old client exits; its servers stay, reparented to the subreaper.
    if (t >= next_client_restart) {
      for (auto& p : live) {
        if (p.sample.key.pid == client) p.dies_at_s = t - 1;
      }
      client = next_pid++;
      live.push_back({make(client, t - 5, shell, "node /usr/local/bin/claude --continue", 420'000)});
      live.push_back({make(next_pid++, t - 4, client, "node /home/dev/.mcp/mcp-server/dist/index.js --stdio",
                           150'000 + static_cast<int64_t>(random() % 150'000))});
      next_client_restart = t + 6 * 3600;
    }
    for (int64_t second = t - interval_s + 1; second <= t; ++second) {  // one spawn per second
      int64_t life = 30 + static_cast<int64_t>(random() % 570);
      live.push_back({make(next_pid++, second, shell, short_lived[random() % short_lived.size()], 8'000 + random() % 60'000),
                      second + life});
    }
    if (next_pid > 4'000'000) next_pid = static_cast<pid_t>(stable + 10);  // wrap like pid_max
    std::erase_if(live, [&](const Simulated& p) { return p.dies_at_s >= 0 && p.dies_at_s < t; });
    ProcessTable table;
    table.started_at_us = (host.boot_time + t) * 1'000'000;
    table.ended_at_us = table.started_at_us + 40'000;
    table.started_boottime_ns = t * 1'000'000'000;
    std::unordered_map<pid_t, ProcessKey> live_keys;
    for (const auto& p : live) live_keys.emplace(p.sample.key.pid, p.sample.key);
    for (auto& p : live) {
      if (p.sample.argv->find("mcp-server") != std::string::npos && p.sample.ppid != subreaper &&
          !live_keys.contains(p.sample.ppid)) {
        p.sample.ppid = subreaper;  // orphaned: reparented to the user's subreaper
      }
      if (random() % 2000 == 0) grow(p);  // slow growth now and then
      if (auto parent = live_keys.find(p.sample.ppid); parent != live_keys.end() &&
          parent->second.start_ticks <= p.sample.key.start_ticks) {
        p.sample.parent = parent->second;  // what the collector's resolve_parents would say
      }
      table.processes.push_back(p.sample);
    }
    proctrail::SnapshotRequest request;
    request.trigger = "timer";
    request.requested_at_us = table.started_at_us;
    request.requested_boottime_ns = table.started_boottime_ns;
    if (t % 86400 == 0) request.tag = "day-" + std::to_string(t / 86400);
    auto summary = store->record(host, request, [&](const proctrail::CollectHints&) {
      return proctrail::Result<ProcessTable>(table);
    });
    if (!summary) {
      std::fprintf(stderr, "snapshot at t=%lld: %s\n", static_cast<long long>(t), summary.error().message.c_str());
      return 1;
    }
    ++snapshots;
    if (snapshots % 8640 == 0) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "day %lld: %lld snapshots, %zu live, %.0f s\n", static_cast<long long>(t / 86400),
                   static_cast<long long>(snapshots), live.size(), elapsed);
    }
  }
  std::printf("%lld snapshots written\n", static_cast<long long>(snapshots));
  return 0;
}
