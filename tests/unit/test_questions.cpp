// The leak-history questions on deterministic histories written through the store, with known answers.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "proctrail/duration.hpp"
#include "proctrail/query.hpp"
#include "tests/support/answers.hpp"
#include "tests/support/history.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::child_of;
using test::column;
using test::host;
using test::sample;
using test::table;

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class Questions : public test::StoreFixture {
 protected:
  int64_t record(ProcessTable t, SnapshotRequest request = {}) { return StoreFixture::record(std::move(t), request).snapshot_id; }
  TrailReader reader() {
    auto trail = TrailReader::open(db_path);
    EXPECT_TRUE(trail) << trail.error().message;
    return std::move(trail.value());
  }
};

TEST_F(Questions, ParentThatSpawnsTwentyServersInOneHourIsTheTopSpawnRateRow) {
  auto init = sample(1, 0, 0, "/sbin/init");
  auto client = child_of(init, sample(100, 50, 1, "node claude"));
  auto other = child_of(init, sample(200, 60, 1, "bash"));
  std::vector<ProcessSample> live = {init, client, other};
  for (int i = 0; i < 20; ++i) {  // 20 servers within the first hour after boot (ticks are 1/100 s)
    live.push_back(child_of(client, sample(1000 + i, 1000 + i * 10000, 100, "node mcp-server/dist/index.js")));
  }
  for (int i = 0; i < 3; ++i) live.push_back(child_of(other, sample(2000 + i, 2000 + i * 100, 200, "sleep 1")));
  record(table(live));
  auto trail = reader();
  auto answer = query_spawn_rate(trail, {.by = "parent", .per = "hour"});
  ASSERT_TRUE(answer) << answer.error().message;
  ASSERT_GE(answer->rows.size(), 2u);
  EXPECT_EQ(column(*answer, "parent_pid")[0], "100") << render_table(*answer);
  EXPECT_EQ(column(*answer, "spawned")[0], "20");
  EXPECT_EQ(column(*answer, "parent_argv")[0], "node claude");
  EXPECT_EQ(column(*answer, "bucket")[0], "2023-11-14T22:00Z");  // boot 1,700,000,000 = 22:13:20 UTC

  auto by_argv = query_spawn_rate(trail, {.by = "argv", .per = "day", .match = std::string("mcp-server")});
  ASSERT_TRUE(by_argv) << by_argv.error().message;
  ASSERT_EQ(by_argv->rows.size(), 1u) << render_table(*by_argv);
  EXPECT_EQ(column(*by_argv, "spawned")[0], "20");
  EXPECT_EQ(column(*by_argv, "parents")[0], "1");

  // A window that ends before the 11th server started counts the first 10 (server i starts at i*100 s + 10 s).
  auto early = query_spawn_rate(trail, {.by = "parent", .per = "hour",
                                        .window = {.until_us = test::at_ticks(1000 + 10 * 10000)}, .match = std::string("mcp")});
  ASSERT_TRUE(early);
  EXPECT_EQ(column(*early, "spawned"), std::vector<std::string>{"10"}) << render_table(*early);
  EXPECT_FALSE(query_spawn_rate(trail, {.per = "week"}));
}

TEST_F(Questions, OrphanReparentedToASubreaperIsListedWithItsOriginalParent) {
  auto init = sample(1, 0, 0, "/sbin/init");
  auto subreaper = child_of(init, sample(150, 10, 1, "systemd --user"));
  auto parent = child_of(subreaper, sample(200, 20, 150, "node claude"));
  auto server = child_of(parent, sample(201, 30, 200, "node mcp-server/dist/index.js", 250'000));
  auto kept = child_of(subreaper, sample(300, 40, 150, "bash"));
  record(table({init, subreaper, parent, server, kept}));
  auto reparented = server;
  reparented.ppid = 150;  // its client exited; the subreaper (not pid 1) adopted it
  int64_t s2 = record(table({init, subreaper, reparented, kept}));
  auto trail = reader();
  auto orphans = query_orphans(trail, s2, {}, std::nullopt);
  ASSERT_TRUE(orphans) << orphans.error().message;
  EXPECT_EQ(column(*orphans, "pid"), std::vector<std::string>{"201"}) << render_table(*orphans);
  EXPECT_EQ(column(*orphans, "original_parent_pid"), std::vector<std::string>{"200"});
  EXPECT_EQ(column(*orphans, "original_parent_argv"), std::vector<std::string>{"node claude"});
  EXPECT_EQ(column(*orphans, "ppid_now"), std::vector<std::string>{"150"});
  EXPECT_EQ(column(*orphans, "reachable"), std::vector<std::string>{"NULL"});  // no descriptors recorded here
}

TEST_F(Questions, GroupsAndMemoryMatchAHandCount) {
  auto init = sample(1, 0, 0, "/sbin/init");
  std::vector<ProcessSample> live = {init};
  // Two started in hour 22:00 (ticks < 4,680 s * 100), three in 23:00; RSS 100, 200, 300, 400, 500 MB.
  const uint64_t starts[] = {1000, 2000, 400000, 410000, 420000};
  for (int i = 0; i < 5; ++i) {
    live.push_back(child_of(init, sample(500 + i, starts[i], 1, "node mcp-server/dist/index.js", (i + 1) * 102'400)));
  }
  live.push_back(child_of(init, sample(600, 3000, 1, "bash", 4096)));
  int64_t s = record(table(live));
  auto trail = reader();
  auto groups = query_groups(trail, s, "mcp-server", "hour", {});
  ASSERT_TRUE(groups) << groups.error().message;
  EXPECT_EQ(column(*groups, "started"), (std::vector<std::string>{"2023-11-14T22:00Z", "2023-11-14T23:00Z"})) << render_table(*groups);
  EXPECT_EQ(column(*groups, "instances"), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(column(*groups, "rss_kb"), (std::vector<std::string>{"307200", "1228800"}));
  auto by_day = query_groups(trail, s, "mcp-server", "day", {});
  ASSERT_TRUE(by_day);
  EXPECT_EQ(column(*by_day, "instances"), std::vector<std::string>{"5"});
  auto memory = query_memory(trail, s, "argv", std::nullopt, {});
  ASSERT_TRUE(memory) << memory.error().message;
  EXPECT_EQ(column(*memory, "argv")[0], "node mcp-server/dist/index.js");
  EXPECT_EQ(column(*memory, "instances")[0], "5");
  EXPECT_EQ(column(*memory, "rss_kb")[0], "1536000");
  auto by_group = query_memory(trail, s, "group", std::string("mcp"), {});
  ASSERT_TRUE(by_group);
  EXPECT_EQ(column(*by_group, "rss_kb"), (std::vector<std::string>{"1228800", "307200"})) << render_table(*by_group);
  EXPECT_FALSE(query_memory(trail, s, "colour", std::nullopt, {}));
}

TEST_F(Questions, DiffListsExactlyWhatAppearedDisappearedAndSurvived) {
  auto init = sample(1, 0, 0, "/sbin/init");
  auto a = child_of(init, sample(10, 10, 1, "a"));
  auto b = child_of(init, sample(11, 11, 1, "b"));
  auto c = child_of(init, sample(12, 12, 1, "c"));
  int64_t s1 = record(table({init, a, b}), {.tag = "before"});
  record(table({init, b}));
  int64_t s3 = record(table({init, b, c}), {.tag = "after"});
  auto trail = reader();
  auto before = trail.resolve_snapshot("before");
  ASSERT_TRUE(before);
  EXPECT_EQ(*before, s1);
  auto diff = query_diff(trail, s1, s3);
  ASSERT_TRUE(diff) << diff.error().message;
  std::vector<std::string> lines;
  for (size_t i = 0; i < diff->rows.size(); ++i) {
    lines.push_back(column(*diff, "change")[i] + " " + column(*diff, "argv")[i]);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"appeared c", "disappeared a", "survived /sbin/init", "survived b"}))
      << render_table(*diff);
}

TEST_F(Questions, TimelineShowsEveryChangeInOrder) {
  auto init = sample(1, 0, 0, "/sbin/init");
  auto parent = child_of(init, sample(20, 5, 1, "bash"));
  auto p = child_of(parent, sample(21, 6, 20, "sh -c server"));
  record(table({init, parent, p}));
  auto exec = p;
  exec.argv = "node server.js";
  exec.comm = "node";
  record(table({init, parent, exec}));
  auto reparented = exec;
  reparented.ppid = 1;
  record(table({init, reparented}));
  record(table({init}));
  auto trail = reader();
  auto timeline = query_timeline(trail, 21, std::nullopt);
  ASSERT_TRUE(timeline) << timeline.error().message;
  auto events = column(*timeline, "event");
  EXPECT_EQ(std::vector<std::string>(events.begin(), events.begin() + 4),
            (std::vector<std::string>{"first seen", "exec", "ppid", "gone"}))
      << render_table(*timeline);
  EXPECT_EQ(column(*timeline, "detail")[1], "node server.js");
  EXPECT_EQ(column(*timeline, "detail")[2], "reparented to 1");
  EXPECT_FALSE(query_timeline(trail, 99999, std::nullopt));
}

TEST_F(Questions, OrphanWhoseRecordedParentExitedIsOrphanedNamingThatParent) {
  auto init = sample(1, 0, 0, "/sbin/init");
  auto client = child_of(init, sample(100, 10, 1, "node claude"));
  auto server = child_of(client, sample(101, 20, 100, "node mcp-server/dist/index.js", 300'000));
  auto calm = child_of(init, sample(200, 30, 1, "bash"));
  record(table({init, client, server, calm}));
  auto orphan = server;
  orphan.ppid = 1;
  ProcessTable later = table({init, orphan, calm});
  later.started_boottime_ns = 7200LL * 1'000'000'000;  // two hours after boot: the orphan is 2 h old
  int64_t s = record(later);
  auto trail = reader();
  auto leaks = query_leaks(trail, s, {});
  ASSERT_TRUE(leaks) << leaks.error().message;
  ASSERT_EQ(column(*leaks, "pid"), std::vector<std::string>{"101"}) << render_table(*leaks);
  EXPECT_EQ(column(*leaks, "verdict"), std::vector<std::string>{"orphaned"});
  EXPECT_NE(column(*leaks, "evidence")[0].find("original parent 100 node claude exited"), std::string::npos)
      << render_table(*leaks);
}

// Regression: std::regex recursed per character, so any --match or REGEXP over an argv of 30 KB or more
// (a Java classpath) crashed with SIGSEGV, and ^(a+)+$ ran for more than 20 s on 31 characters. RE2
// matches in linear time without recursion.
TEST_F(Questions, ATwoMegabyteArgvAndABacktrackingPatternNeitherCrashNorHang) {
  auto init = sample(1, 0, 0, "/sbin/init");
  auto java = child_of(init, sample(300, 10, 1, "java -cp " + std::string(2 << 20, 'a') + " Main"));
  auto shell = child_of(init, sample(301, 11, 1, std::string(31, 'a') + "!"));
  const int64_t s = record(table({init, java, shell}));
  auto trail = reader();
  auto sql = trail.run_sql("SELECT pid FROM snapshot_processes WHERE argv REGEXP 'Main$' ORDER BY pid");
  ASSERT_TRUE(sql) << sql.error().message;
  EXPECT_EQ(column(*sql, "pid"), std::vector<std::string>{"300"});
  auto groups = query_groups(trail, s, "^java -cp (a+)+ Main$", "hour", {});
  ASSERT_TRUE(groups) << groups.error().message;
  EXPECT_EQ(column(*groups, "instances"), std::vector<std::string>{"1"});
  auto catastrophic = trail.run_sql("SELECT count(*) AS n FROM snapshot_processes WHERE argv REGEXP '^(a+)+$'");
  ASSERT_TRUE(catastrophic) << catastrophic.error().message;
  EXPECT_EQ(column(*catastrophic, "n"), std::vector<std::string>{"0"});
  auto leaks = query_leaks(trail, s, {.match = std::string("(a|aa)*b")});
  ASSERT_TRUE(leaks) << leaks.error().message;
  auto bad = trail.run_sql("SELECT count(*) FROM snapshot_processes WHERE argv REGEXP '(unclosed'");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bad regular expression '(unclosed'"), std::string::npos) << bad.error().message;
}

TEST_F(Questions, SnapshotsListTimesTriggersAndTags) {
  auto init = sample(1, 0, 0, "/sbin/init");
  record(table({init}), {.trigger = "hook", .tag = "session-start"});
  record(table({init}), {.trigger = "timer"});
  auto trail = reader();
  auto list = query_snapshots(trail, {});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(column(*list, "trigger"), (std::vector<std::string>{"hook", "timer"}));
  EXPECT_EQ(column(*list, "tag"), (std::vector<std::string>{"session-start", "NULL"}));
  EXPECT_EQ(column(*list, "processes_seen"), (std::vector<std::string>{"1", "1"}));
}

TEST_F(Questions, SqlRefusesWritesAttachAndPragmasAndLeavesTheFileByteIdentical) {
  record(table({sample(1, 0, 0, "/sbin/init")}));
  store.reset();  // closed: trail.db is complete and will not be touched by a writer
  const std::string before = file_bytes(db_path);
  {
    auto trail = reader();
    // Issue 22: a DROP was refused as a "DELETE" (SQLite authorises it first as a delete from the schema table).
    const std::vector<std::pair<std::string, std::string>> statements = {
        {"DELETE FROM processes", "DELETE refused"},         {"DROP TABLE processes", "DROP refused"},
        {"DROP VIEW snapshot_processes", "DROP refused"},    {"ATTACH 'x.db' AS x", "ATTACH refused"},
        {"PRAGMA writable_schema = 1", "PRAGMA writable_schema refused"},
        {"INSERT INTO hosts (boot_id) VALUES ('x')", "INSERT refused"},
        {"UPDATE snapshots SET tag = 'x'", "UPDATE refused"}, {"CREATE TEMP TABLE t (x)", "CREATE refused"},
        {"CREATE TABLE t (x)", "CREATE refused"},            {"ALTER TABLE hosts ADD COLUMN x", "ALTER refused"}};
    for (const auto& [statement, named] : statements) {
      auto refused = trail.run_sql(statement);
      ASSERT_FALSE(refused) << statement;
      EXPECT_TRUE(refused.error().message.starts_with(named)) << statement << ": " << refused.error().message;
    }
    auto typo = trail.run_sql("SELECT pid FROM processes WHERE pid = = 1");
    ASSERT_FALSE(typo);
    EXPECT_NE(typo.error().message.find("offset"), std::string::npos) << typo.error().message;
    auto two = trail.run_sql("SELECT 1; DELETE FROM processes");
    ASSERT_FALSE(two);
    EXPECT_NE(two.error().message.find("one statement"), std::string::npos) << two.error().message;
    auto fine = trail.run_sql("WITH x AS (SELECT count(*) AS n FROM processes) SELECT n FROM x");
    ASSERT_TRUE(fine) << fine.error().message;
    EXPECT_EQ(column(*fine, "n"), std::vector<std::string>{"1"});
  }
  EXPECT_EQ(file_bytes(db_path), before);
}

// Regression: `sql` had no time or memory bound (a recursive CTE ran forever; one reached 4.8 GB in
// 34 s) and the authorizer allowed every function, fts3_tokenizer included.
TEST_F(Questions, SqlStopsARunawayStatementAndRefusesFunctionsOutsideTheBuiltIns) {
  record(table({sample(1, 0, 0, "/sbin/init")}));
  auto trail = reader();
  auto forever = trail.run_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
                               SqlLimits{.timeout = std::chrono::milliseconds(300)});
  ASSERT_FALSE(forever);
  EXPECT_EQ(forever.error().message, "stopped after 0.3 s: the statement ran longer than its time limit (sql --timeout)");
  EXPECT_EQ(forever.error().kind, ErrorKind::bad_input);
  auto hungry = trail.run_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)"
                              " SELECT length(group_concat(printf('%.1000c', 'x'))) FROM n",
                              SqlLimits{.timeout = std::chrono::seconds(20), .memory_bytes = 64 << 20});
  ASSERT_FALSE(hungry);
  EXPECT_EQ(hungry.error().message, "stopped: the statement needed more than 64 MiB of memory (its bound)");
  for (const std::string call : {"SELECT fts3_tokenizer('simple')", "SELECT load_extension('/tmp/x.so')"}) {
    auto refused = trail.run_sql(call);
    ASSERT_FALSE(refused) << call;
    EXPECT_NE(refused.error().message.find("() refused: only SQLite's built-in"), std::string::npos)
        << call << ": " << refused.error().message;
  }
  auto after = trail.run_sql("SELECT count(*) AS n FROM snapshots");
  ASSERT_TRUE(after) << "the bounds are lifted once a statement ends: " << after.error().message;
  EXPECT_EQ(column(*after, "n"), std::vector<std::string>{"1"});
}

// Every view a user may read through `sql` calls only functions the authorizer allows.
TEST_F(Questions, EveryViewIsReadableThroughSql) {
  record(table({sample(1, 0, 0, "/sbin/init")}));
  auto trail = reader();
  auto views = trail.run_sql("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name");
  ASSERT_TRUE(views) << views.error().message;
  ASSERT_GT(views->rows.size(), 20u);
  for (const auto& name : column(*views, "name")) {
    auto read = trail.run_sql("SELECT * FROM " + name + " LIMIT 1");
    EXPECT_TRUE(read) << name << ": " << (read ? "" : read.error().message);
  }
}

TEST(TimeBound, DurationsBackFromNowAndUtcTimes) {
  const int64_t now = 1'800'000'000'000'000;
  EXPECT_EQ(parse_time_bound("2h", now).value(), now - 7'200'000'000);
  EXPECT_EQ(parse_time_bound("2026-11-24", now).value(), 1'795'478'400'000'000);
  EXPECT_EQ(parse_time_bound("2026-11-24T05:46:59Z", now).value(), 1'795'499'219'000'000);
  EXPECT_EQ(parse_time_bound("2026-11-24 05:46", now).value(), 1'795'499'160'000'000);
  EXPECT_FALSE(parse_time_bound("yesterday", now));
  EXPECT_FALSE(parse_time_bound("2026-13-01", now));
}

}  // namespace
}  // namespace proctrail
