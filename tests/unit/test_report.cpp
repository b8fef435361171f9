// The report on deterministic histories: every number it prints is the matching question's answer,
// an empty trail gives a short report that says so, and the HTML is self-contained.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "proctrail/query.hpp"
#include "reports/report.hpp"
#include "tests/support/answers.hpp"
#include "tests/support/history.hpp"

namespace proctrail {
namespace {

using test::child_of;
using test::column;
using test::mib_column;
using test::sample;
using test::table;

constexpr int64_t kWritten = 1'700'100'000'000'000;

class Report : public test::StoreFixture {
 protected:
  int64_t leak_snapshot = 0;

  // A client that started 6 servers over 5 hours and exited: its servers are orphans, 2 h+ old.
  void record_leaky_history() {
    auto init = sample(1, 0, 0, "/sbin/init");
    auto client = child_of(init, sample(100, 10, 1, "node claude"));
    std::vector<ProcessSample> live = {init, client};
    for (int i = 0; i < 6; ++i) {
      live.push_back(child_of(client, sample(1000 + i, 100 + i * 360'000, 100, "node mcp-server/dist/index.js", 200'000)));
    }
    live.push_back(child_of(init, sample(200, 30, 1, "bash")));
    ProcessTable first = table(live);
    first.started_boottime_ns = 18'500LL * 1'000'000'000;
    first.started_at_us = first.ended_at_us = test::at_ticks(1'850'000);
    record(first);
    live.erase(live.begin() + 1);  // the client exits; its servers are reparented to init
    for (auto& p : live) {
      if (p.key.pid >= 1000) p.ppid = 1;
    }
    ProcessTable later = table(live);
    later.started_boottime_ns = 26'000LL * 1'000'000'000;
    later.started_at_us = later.ended_at_us = test::at_ticks(2'600'000);
    leak_snapshot = record(later).snapshot_id;
  }

  std::string render(const std::string& format, std::optional<std::string> match = std::nullopt,
                     TimeWindow window = {}) {
    auto trail = TrailReader::open(db_path);
    EXPECT_TRUE(trail) << trail.error().message;
    reports::ReportRequest request{.format = format, .window = window, .match = match, .trail_path = db_path,
                                   .hostname = "fixture", .written_at_us = kWritten};
    auto report = reports::render_report(*trail, request);
    EXPECT_TRUE(report) << report.error().message;
    return report ? report->text : "";
  }

  ResultTable answer(const std::function<Result<ResultTable>(TrailReader&)>& question) {
    auto trail = TrailReader::open(db_path);
    auto result = question(*trail);
    EXPECT_TRUE(result) << result.error().message;
    return result ? *result : ResultTable{};
  }
};

TEST_F(Report, EmptyTrailSaysSoInsteadOfEmptyCharts) {
  for (const std::string format : {"html", "md"}) {
    std::string text = render(format);
    EXPECT_NE(text.find("Nothing to report"), std::string::npos) << text;
    EXPECT_NE(text.find("no snapshots"), std::string::npos) << text;
    EXPECT_EQ(text.find("<svg"), std::string::npos);
    EXPECT_EQ(text.find("## Summary"), std::string::npos);
  }
}

TEST_F(Report, HeadlineNumbersAreTheLeaksQuestionsAnswer) {
  record_leaky_history();
  auto leaks = answer([&](TrailReader& t) { return query_leaks(t, leak_snapshot, {}); });
  double rss_mb = 0;
  for (const auto& kb : column(leaks, "rss_kb")) rss_mb += std::stod(kb) / 1024;
  std::string md = render("md");
  EXPECT_NE(md.find("- **" + std::to_string(leaks.rows.size()) + "** suspect processes now"), std::string::npos) << md;
  // The headline rounds the total; the question rounds each row: they agree within the rounding.
  std::smatch held;
  ASSERT_TRUE(std::regex_search(md, held, std::regex(R"(- \*\*([0-9.]+) MiB\*\* RSS they hold)"))) << md;
  EXPECT_NEAR(std::stod(held[1]), rss_mb, 0.05 * static_cast<double>(leaks.rows.size()));
  EXPECT_EQ(leaks.rows.size(), 6u);
  // The suspects section lists each suspect with the verdict the question gives it.
  EXPECT_NE(md.find("## Leak suspects, one verdict each, with the evidence"), std::string::npos) << md;
  const auto pids = column(leaks, "pid"), verdicts = column(leaks, "verdict");
  for (size_t i = 0; i < pids.size(); ++i) {
    EXPECT_NE(md.find("| " + verdicts[i] + " | " + pids[i] + " | "), std::string::npos) << pids[i] << " missing:\n" << md;
  }
}

TEST_F(Report, GroupsTableRowsAreTheGroupsQuestionsRows) {
  record_leaky_history();
  auto groups = answer([&](TrailReader& t) { return query_groups(t, leak_snapshot, "mcp-server", "hour", {}); });
  ASSERT_EQ(groups.rows.size(), 6u);
  std::string md = render("md", "mcp-server");
  const auto started = column(groups, "started"), instances = column(groups, "instances"), rss = mib_column(groups, "rss_kb");
  for (size_t i = 0; i < groups.rows.size(); ++i) {
    EXPECT_NE(md.find("| " + started[i] + " | " + instances[i] + " | " + rss[i] + " |"), std::string::npos)
        << "row " << i << " missing:\n" << md;
  }
  EXPECT_NE(md.find("Reproduce: `proctrail --db " + db_path.string() + " query groups --snapshot " +
                    std::to_string(leak_snapshot) + " --match mcp-server`"),
            std::string::npos) << md;
}

TEST_F(Report, MemoryRowsAreTheMemoryQuestionsRows) {
  record_leaky_history();
  auto memory = answer([&](TrailReader& t) { return query_memory(t, leak_snapshot, "argv", std::nullopt, {}); });
  ASSERT_FALSE(memory.rows.empty());
  std::string md = render("md");
  const auto argv = column(memory, "argv"), instances = column(memory, "instances"), rss = mib_column(memory, "rss_kb"),
             measured = column(memory, "measured");
  for (size_t i = 0; i < memory.rows.size(); ++i) {
    EXPECT_NE(md.find("| `" + argv[i] + "` | " + instances[i] + " | " + rss[i] + " | "), std::string::npos)
        << "row " << i << " missing:\n" << md;
    EXPECT_NE(md.find(" | " + measured[i] + " |\n"), std::string::npos)
        << "row " << i << " missing:\n" << md;
  }
}

TEST_F(Report, SpawnCountPerParentIsTheSpawnRateQuestionsSum) {
  record_leaky_history();
  auto spawns = answer([&](TrailReader& t) { return query_spawn_rate(t, {.by = "parent", .per = "day"}); });
  int64_t by_client = 0;
  const auto parents = column(spawns, "parent_pid"), spawned = column(spawns, "spawned");
  for (size_t i = 0; i < spawns.rows.size(); ++i) by_client += parents[i] == "100" ? std::stoll(spawned[i]) : 0;
  EXPECT_EQ(by_client, 6);
  std::string md = render("md");
  EXPECT_NE(md.find("| `node claude [100]` | " + std::to_string(by_client) + " | 1 | `node mcp-server/dist/index.js` |"),
            std::string::npos) << md;
}

TEST_F(Report, OrphansNameTheirOriginalParent) {
  record_leaky_history();
  std::string md = render("md");
  EXPECT_NE(md.find("## Orphans and their original parents"), std::string::npos) << md;
  EXPECT_NE(md.find("| 100 `node claude` |"), std::string::npos) << md;
}

// Pipes at the leak snapshot: bash (200) still holds the write end of server 1000's stdin; the other
// servers' pipes have no other holder.
TEST_F(Report, ReachabilityRowsAreTheReachableQuestionsRows) {
  auto init = sample(1, 0, 0, "/sbin/init");
  auto client = child_of(init, sample(100, 10, 1, "node claude"));
  auto bash = child_of(init, sample(200, 30, 1, "bash"));
  std::vector<ProcessSample> servers;
  for (int i = 0; i < 4; ++i) {
    auto server = child_of(client, sample(1000 + i, 100 + i * 360'000, 100, "node mcp-server/dist/index.js", 200'000));
    const uint64_t inode = 9000 + 2 * i;
    server.fds = std::vector<FdSample>{{.fd = 0, .kind = "pipe", .inode = inode, .mode = "r"},
                                       {.fd = 1, .kind = "pipe", .inode = inode + 1, .mode = "w"}};
    servers.push_back(server);
  }
  bash.fds = std::vector<FdSample>{{.fd = 5, .kind = "pipe", .inode = 9000, .mode = "w"}};
  std::vector<ProcessSample> first = {init, client, bash};
  first.insert(first.end(), servers.begin(), servers.end());
  ProcessTable before = table(first);
  before.fds_collected = true;
  before.started_boottime_ns = 18'500LL * 1'000'000'000;
  record(before);
  std::vector<ProcessSample> later = {init, bash};
  for (auto server : servers) {
    server.ppid = 1;
    later.push_back(server);
  }
  ProcessTable after = table(later);
  after.fds_collected = true;
  after.started_boottime_ns = 26'000LL * 1'000'000'000;
  const int64_t snapshot = record(after).snapshot_id;

  auto reachable = answer([&](TrailReader& t) { return query_reachable(t, snapshot, "mcp-server"); });
  ASSERT_EQ(reachable.rows.size(), servers.size());
  const auto pid = column(reachable, "pid"), verdict = column(reachable, "verdict"), in = column(reachable, "stdin"),
             in_holders = column(reachable, "stdin_other_holders"), out = column(reachable, "stdout"),
             out_holders = column(reachable, "stdout_other_holders"), listening = column(reachable, "listening_sockets");
  EXPECT_EQ(verdict[0], "connected") << "bash holds the far end of server 1000's stdin";
  EXPECT_EQ(std::count(verdict.begin(), verdict.end(), "unreachable"), 3);
  std::string md = render("md");
  EXPECT_NE(md.find("## Reachability: who holds the other end"), std::string::npos) << md;
  auto markdown_text = [](std::string text) {  // descriptor links are prose there: [ and ] escaped
    std::string escaped;
    for (char c : text) escaped += (c == '[' || c == ']') ? std::string("\\") + c : std::string(1, c);
    return escaped;
  };
  for (size_t i = 0; i < reachable.rows.size(); ++i) {
    EXPECT_NE(md.find("| " + pid[i] + " | " + verdict[i] + " | " + markdown_text(in[i]) + " | " + in_holders[i] + " | " +
                      markdown_text(out[i]) + " | " + out_holders[i] + " | " + listening[i] +
                      " | `node mcp-server/dist/index.js` |"),
              std::string::npos)
        << "server " << pid[i] << " missing:\n" << md;
  }
}

// Bug: `report --since 1h` left out of groups, memory and orphans every leak that started before the
// window, so the oldest leaks (the ones that matter) vanished from a short report.
TEST_F(Report, SinceBoundsTheHistoryButLeaksOlderThanTheWindowStayInTheNowSections) {
  record_leaky_history();
  const int64_t last_start_us = test::at_ticks(100 + 5 * 360'000);  // the newest server
  std::string md = render("md", std::nullopt, {.since_us = last_start_us + 120'000'000});  // spawn counts are per minute
  auto memory = answer([&](TrailReader& t) { return query_memory(t, leak_snapshot, "argv", std::nullopt, {}); });
  ASSERT_FALSE(memory.rows.empty());
  EXPECT_NE(md.find("| `node mcp-server/dist/index.js` | 6 | " + mib_column(memory, "rss_kb")[0]), std::string::npos) << md;
  EXPECT_NE(md.find("## Instances grouped by start time"), std::string::npos) << md;
  EXPECT_NE(md.find("## Orphans and their original parents"), std::string::npos) << md;
  EXPECT_EQ(md.find("## Who spawns them"), std::string::npos) << "no process started inside the window:\n" << md;
}

TEST_F(Report, CleanupActionsAreListedWithTheirEvidenceSnapshotAndOutcome) {
  record_leaky_history();
  // Rows as the cleaner writes them (the chain itself is the cleanup tests' business).
  store->database().exec(
      "INSERT INTO cleanup_runs (run_id, host_id, started_at_us, uid, pid, argv, selectors, dry_run)"
      " VALUES (1, 1, 1700050000000000, 0, 4242, 'proctrail cleanup --orphans', '{}', 0);"
      "INSERT INTO cleanup_actions (run_id, at_us, uid, evidence_snapshot_id, target_kind, pid, start_ticks, argv,"
      " selector, signal, outcome, hash)"
      " VALUES (1, 1700050001000000, 0, 2, 'process', 1000, 100, 'node mcp-server/dist/index.js', 'orphans', 'TERM',"
      " 'exited', X'00'), (1, 1700050006000000, 0, 2, 'process', 1001, 360100, 'node mcp-server/dist/index.js',"
      " 'orphans', 'TERM+KILL', 'killed', X'00')");
  auto actions = answer([&](TrailReader& t) {
    return t.run_sql("SELECT evidence_snapshot_id, pid, signal, outcome FROM cleanup_actions ORDER BY action_id");
  });
  ASSERT_EQ(actions.rows.size(), 2u);
  std::string md = render("md");
  const auto evidence = column(actions, "evidence_snapshot_id"), pid = column(actions, "pid"),
             signal = column(actions, "signal"), outcome = column(actions, "outcome");
  for (size_t i = 0; i < actions.rows.size(); ++i) {
    EXPECT_NE(md.find(" | " + evidence[i] + " | process | " + pid[i] + " |  | `node mcp-server/dist/index.js` | " +
                      signal[i] + " | " + outcome[i] + " |"),
              std::string::npos)
        << "action " << i << " missing:\n" << md;
  }
}

TEST_F(Report, ContainersAreTheContainersQuestionsRows) {
  auto init = sample(1, 0, 0, "/sbin/init");
  ProcessTable t = table({init});
  ContainerSample db;
  db.id = std::string(64, 'a');
  db.name = "pg-test";
  db.image = "postgres:16";
  db.command = "postgres";
  db.state = "running";
  db.created_at_us = test::at_ticks(100);
  db.started_at_us = test::at_ticks(100);
  t.containers = std::vector<ContainerSample>{db};
  t.containers_source = "docker unix:///fixture.sock";
  t.started_boottime_ns = 7200LL * 1'000'000'000;
  const int64_t snapshot = record(t).snapshot_id;
  auto containers = answer([&](TrailReader& r) { return query_containers(r, snapshot, {}); });
  ASSERT_EQ(containers.rows.size(), 1u);
  std::string md = render("md");
  EXPECT_NE(md.find("| " + column(containers, "short_id")[0] + " | pg-test | postgres:16 | running | " +
                    std::to_string(std::stoll(column(containers, "age_s")[0]) / 3600) + " | " +
                    column(containers, "processes")[0] + " |"),
            std::string::npos) << md;
}

TEST_F(Report, HtmlIsSelfContainedWithAChartPerChartedSection) {
  record_leaky_history();
  std::string html = render("html");
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(std::regex_search(html, std::regex(R"((src|href)=["']https?:)")), false);
  const std::regex svg("<svg");
  const std::ptrdiff_t charts = std::distance(std::sregex_iterator(html.begin(), html.end(), svg), std::sregex_iterator());
  EXPECT_EQ(charts, 4) << "count over time, spawn rate, groups, memory";
  EXPECT_NE(html.find("<h2>Instances grouped by start time</h2>"), std::string::npos);
  EXPECT_EQ(html.find("Cleanup actions taken"), std::string::npos) << "no cleanup recorded: no section";
}

TEST_F(Report, ArgvWithMarkupIsEscapedInHtmlAndPipesInMarkdown) {
  auto init = sample(1, 0, 0, "/sbin/init");
  record(table({init, child_of(init, sample(50, 20, 1, "sh -c 'a | b <script>'"))}));
  std::string html = render("html");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  std::string md = render("md");
  EXPECT_NE(md.find("a \\| b"), std::string::npos) << md;
}

// Regression: an argv containing backticks broke out of its code span in the Markdown report, and
// whatever followed was read as Markdown (here a link and raw HTML). The span's fence is now longer
// than any backtick run inside it.
TEST_F(Report, AnArgvWithBackticksStaysInsideItsCodeSpan) {
  auto init = sample(1, 0, 0, "/sbin/init");
  record(table({init, child_of(init, sample(50, 20, 1, "sh -c `x` [click](http://evil) <img src=x> ``y"))}));
  std::string md = render("md");
  EXPECT_NE(md.find("| ```sh -c `x` [click](http://evil) <img src=x> ``y``` |"), std::string::npos) << md;
  EXPECT_EQ(md.find("| `sh -c `x`"), std::string::npos) << md;
}

// ---- the guard ----

class GuardReport : public Report {
 protected:
  static constexpr int64_t kFirstRunUs = 1'700'026'060'000'000;  // 7 h 14 min 20 s after the fixture host's boot
  static constexpr int64_t kHourUs = 3'600'000'000;

  // The leaky history with what ending two of its servers frees, read at the snapshot that is every
  // guard run's evidence: 1000 frees 50 MiB + 1 MiB of swap, 1001 frees 20 MiB.
  void record_leaky_history_with_memory() {
    record_leaky_history();
    auto init = sample(1, 0, 0, "/sbin/init");
    std::vector<ProcessSample> live = {init};
    for (int i = 0; i < 6; ++i) {
      auto server = child_of(init, sample(1000 + i, 100 + i * 360'000, 1, "node mcp-server/dist/index.js", 200'000));
      server.parent = ProcessKey{100, 10};
      if (i == 0) server.memory = MemorySample{.rss_kb = 200'000, .pss_kb = 80'000, .uss_kb = 51'200, .swap_kb = 1'024};
      if (i == 1) server.memory = MemorySample{.rss_kb = 200'000, .pss_kb = 40'000, .uss_kb = 20'480, .swap_kb = 0};
      live.push_back(server);
    }
    live.push_back(child_of(init, sample(200, 30, 1, "bash")));
    ProcessTable evidence = table(live);
    evidence.started_boottime_ns = 26'050LL * 1'000'000'000;
    evidence.started_at_us = evidence.ended_at_us = test::at_ticks(2'605'000);
    evidence_snapshot = record(evidence).snapshot_id;
  }

  struct Target {
    pid_t pid;
    uint64_t start_ticks;
    std::string argv;
    std::string outcome;  // exited, killed, gone, protected, ...
  };

  // A run as the guard drives the cleanup engine: selectors naming the rule, each signalled target's
  // intent and then its outcome, each target's selector "rule NAME".
  int64_t guard_run(const std::string& rule, int64_t at_us, const std::vector<Target>& targets) {
    const std::string selectors = nlohmann::json{{"rule", rule}, {"match", "mcp-server"}}.dump();
    return cleanup_run("proctrail guard --once", selectors, at_us, targets, "rule " + rule);
  }

  int64_t cleanup_run(const std::string& argv, const std::string& selectors, int64_t at_us,
                      const std::vector<Target>& targets, const std::string& selector) {
    auto run = store->begin_cleanup_run(CleanupRunStart{.evidence_snapshot_id = evidence_snapshot, .started_at_us = at_us,
                                                        .uid = 1000, .pid = 4242, .argv = argv, .selectors = selectors});
    EXPECT_TRUE(run) << run.error().message;
    EXPECT_TRUE(store->mark_cleanup_run_live(*run));
    int64_t at = at_us;
    for (const auto& target : targets) {
      CleanupAuditRow row{.at_us = ++at, .uid = 1000, .target_kind = "process", .pid = target.pid,
                          .start_ticks = target.start_ticks, .argv = target.argv, .selector = selector};
      if (target.outcome == "exited" || target.outcome == "killed") {
        row.signal = target.outcome == "killed" ? "TERM+KILL" : "TERM";
        row.outcome = "signalling";
        auto intent = store->record_cleanup_action(*run, evidence_snapshot, row);
        EXPECT_TRUE(intent) << intent.error().message;
        row.intent_action_id = *intent;
        row.at_us = ++at;
      } else {
        row.signal = "none";
      }
      row.outcome = target.outcome;
      EXPECT_TRUE(store->record_cleanup_action(*run, evidence_snapshot, row));
    }
    EXPECT_TRUE(store->finish_cleanup_run(*run, CleanupRunEnd{.ended_at_us = ++at,
                                                              .targets = static_cast<int64_t>(targets.size())}));
    return *run;
  }

  int64_t evidence_snapshot = 0;
};

TEST_F(GuardReport, WithoutGuardRunsTheSectionSaysSoInOneLine) {
  record_leaky_history_with_memory();
  cleanup_run("proctrail cleanup --orphans", R"({"orphans":true})", kFirstRunUs,
              {{1000, 100, "node mcp-server/dist/index.js", "exited"}}, "orphans");
  std::string md = render("md");
  EXPECT_NE(md.find("## Guard: runs that acted\n\nNo guard runs in this window: proctrail guard has not acted on "
                    "anything here.\n\nReproduce: "),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("## Cleanup actions taken"), std::string::npos) << "the plain cleanup is listed where it was";
  EXPECT_EQ(md.find("## Guard: rules that fired"), std::string::npos) << md;
  EXPECT_EQ(md.find("## Guard: targets acted on"), std::string::npos) << md;
  EXPECT_EQ(md.find("## Guard: memory freed"), std::string::npos) << md;
  std::string html = render("html");
  EXPECT_NE(html.find("<h2>Guard: runs that acted</h2>\n<p>No guard runs in this window: proctrail guard has not "
                      "acted on anything here.</p>\n<p class=\"cmd\">"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("<h2>Guard: rules that fired</h2>"), std::string::npos);
}

TEST_F(GuardReport, RunsRulesTargetsAndMemoryFreedAreListedPerRule) {
  record_leaky_history_with_memory();
  const std::string server = "node mcp-server/dist/index.js";
  const int64_t first = guard_run("leaked mcp servers", kFirstRunUs,
                                  {{1000, 100, server, "exited"}, {1, 0, "/sbin/init", "protected"}});
  const int64_t second = guard_run("stale test runners", kFirstRunUs + kHourUs, {{1002, 720'100, server, "gone"}});
  const int64_t third = guard_run("leaked mcp servers", kFirstRunUs + 2 * kHourUs, {{1001, 360'100, server, "killed"}});
  cleanup_run("proctrail cleanup --orphans", R"({"orphans":true})", kFirstRunUs + 3 * kHourUs,
              {{1003, 1'080'100, server, "exited"}}, "orphans");
  const std::string evidence = std::to_string(evidence_snapshot);
  std::string md = render("md");

  // Runs, newest first; the plain cleanup run is not one of them.
  EXPECT_NE(md.find("| " + std::to_string(third) + " | 2023-11-15T07:27:40Z | leaked mcp servers | live | " + evidence +
                    " | 1 | killed 1 |\n| " + std::to_string(second) + " | 2023-11-15T06:27:40Z | stale test runners | live | " +
                    evidence + " | 1 | gone 1 |\n| " + std::to_string(first) +
                    " | 2023-11-15T05:27:40Z | leaked mcp servers | live | " + evidence + " | 1 | exited 1, protected 1 |\n\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("T08:27:40Z", md.find("## Guard:")), std::string::npos) << "the plain cleanup run is no guard run:\n" << md;
  EXPECT_NE(md.find("| 2023-11-15T08:27:40Z | " + evidence + " | process | 1003 |"), std::string::npos)
      << "it is listed among the cleanup actions:\n" << md;
  // Rules: 50 MiB + 1 MiB swap and 20 MiB freed by the first rule; nothing measured for the second.
  EXPECT_NE(md.find("| leaked mcp servers | 2 | 2 | exited 1, killed 1, protected 1 | 71.0 |\n"
                    "| stale test runners | 1 | 1 | gone 1 |  |\n"),
            std::string::npos)
      << md;
  // Targets with their evidence, newest first; the protected one was not acted on.
  EXPECT_NE(md.find("| 2023-11-15T07:27:40Z | leaked mcp servers | " + evidence + " | 1001 | `" + server +
                    "` | killed | 20.0 |\n| 2023-11-15T06:27:40Z | stale test runners | " + evidence + " | 1002 | `" +
                    server + "` | gone |  |\n| 2023-11-15T05:27:40Z | leaked mcp servers | " + evidence + " | 1000 | `" +
                    server + "` | exited | 51.0 |\n\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("| `/sbin/init` | protected"), std::string::npos) << md;
  // Freed per hour: 51.0, then 0, then 20.0 for the first rule; the second freed nothing it measured.
  EXPECT_NE(md.find("## Guard: memory freed over time"), std::string::npos) << md;
  EXPECT_NE(md.find("| leaked mcp servers | 51 | 20 |\n\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("| stale test runners | 0 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("No guard runs in this window"), std::string::npos);

  std::string html = render("html");
  const size_t freed = html.find("<h2>Guard: memory freed over time");
  ASSERT_NE(freed, std::string::npos) << html;
  EXPECT_NE(html.find("<svg", freed), std::string::npos) << "the section draws its chart";
  EXPECT_NE(html.find("<td>leaked mcp servers</td><td class=\"n\">2</td><td class=\"n\">2</td>"), std::string::npos) << html;
}

TEST_F(GuardReport, AHostileRuleNameAndArgvAreEscaped) {
  record_leaky_history_with_memory();
  const std::string rule = "`rm -rf` <script>alert(1)</script> | *x* \x1b[31mred";
  const std::string argv = "node ``evil`` <img src=x onerror=alert(1)> | \x1b]0;title\x07";
  guard_run(rule, kFirstRunUs, {{1000, 100, argv, "exited"}});

  std::string html = render("html");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("<td>`rm -rf` &lt;script&gt;alert(1)&lt;/script&gt; | *x* \x1b[31mred</td>"), std::string::npos)
      << html;
  const size_t svg = html.find("<svg", html.find("<h2>Guard: memory freed over time"));
  ASSERT_NE(svg, std::string::npos);
  const std::string chart = html.substr(svg, html.find("</svg>", svg) - svg);
  EXPECT_EQ(chart.find('\x1b'), std::string::npos) << "the chart's legend replaces control characters";
  EXPECT_EQ(chart.find("<script>"), std::string::npos);

  std::string md = render("md");
  // A pipe becomes \| (the table cell stays whole), then x-text escapes that backslash: \\| is still one cell in GFM.
  const std::string md_rule = "\\`rm -rf\\` \\<script\\>alert(1)\\</script\\> \\\\| \\*x\\* \x1b\\[31mred";
  EXPECT_NE(md.find("| " + md_rule + " | 1 | 1 | exited 1 | 51.0 |\n"), std::string::npos) << md;
  EXPECT_NE(md.find(" | " + md_rule + " | " + std::to_string(evidence_snapshot) +
                    " | 1000 | ```node ``evil`` <img src=x onerror=alert(1)> \\| \x1b]0;title\x07``` | exited | 51.0 |\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("| `node ``evil"), std::string::npos) << md;
}

}  // namespace
}  // namespace proctrail
