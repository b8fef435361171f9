// The CLI, tested by parsing argument vectors.
#include <gtest/gtest.h>

#include <algorithm>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/unknown_command.hpp"

namespace proctrail::cli {
namespace {

// CLI11 takes the vector form in reverse order.
std::unique_ptr<Cli> parse(std::vector<std::string> args) {
  auto cli = make_cli();
  std::reverse(args.begin(), args.end());
  cli->app.parse(args);
  return cli;
}

TEST(CliArgs, SnapWithTagTriggerAndGlobalDbAfterTheSubcommand) {
  auto cli = parse({"snap", "--tag", "ci-42", "--trigger", "exec-before", "--db", "/tmp/x.db", "--format", "json"});
  EXPECT_TRUE(cli->command("snap")->parsed());
  EXPECT_EQ(cli->options<SnapOptions>().tag, "ci-42");
  EXPECT_EQ(cli->options<SnapOptions>().trigger, "exec-before");
  EXPECT_EQ(cli->options<SnapOptions>().format, "json");
  EXPECT_EQ(cli->global.db, "/tmp/x.db");
  EXPECT_FALSE(cli->options<SnapOptions>().hook);
}

TEST(CliArgs, HookFlagAndVerbosity) {
  auto cli = parse({"-vv", "--db", "a.db", "snap", "--hook"});
  EXPECT_TRUE(cli->options<SnapOptions>().hook);
  EXPECT_EQ(cli->global.verbosity, 2);
  EXPECT_EQ(cli->global.db, "a.db");
}

TEST(CliArgs, ExecTakesEverythingAfterTheDoubleDashAsTheCommand) {
  auto cli = parse({"exec", "--fail-on-leak", "--grace", "2s", "--tag", "ci", "--", "sh", "-c", "sleep 1 &", "--grace"});
  EXPECT_TRUE(cli->command("exec")->parsed());
  EXPECT_TRUE(cli->options<ExecOptions>().fail_on_leak);
  EXPECT_FALSE(cli->options<ExecOptions>().cleanup);
  EXPECT_EQ(cli->options<ExecOptions>().grace, "2s");
  EXPECT_EQ(cli->options<ExecOptions>().tag, "ci");
  EXPECT_EQ(cli->options<ExecOptions>().command, (std::vector<std::string>{"sh", "-c", "sleep 1 &", "--grace"}));
}

TEST(CliArgs, ExecWithoutACommandIsRefused) {
  EXPECT_THROW(parse({"exec", "--cleanup"}), CLI::RequiredError);
}

TEST(CliArgs, WatchEventsWithFlushIntervalAndBuffer) {
  auto cli = parse({"watch", "--events", "--flush-interval", "100ms", "--event-buffer", "65536"});
  EXPECT_TRUE(cli->options<WatchOptions>().events);
  EXPECT_EQ(cli->options<WatchOptions>().flush_interval, "100ms");
  EXPECT_EQ(cli->options<WatchOptions>().event_buffer, 65536);
  EXPECT_THROW(parse({"watch", "--event-buffer", "10"}), CLI::ValidationError);
}

TEST(CliArgs, WatchIntervalAndCount) {
  auto cli = parse({"watch", "--interval", "500ms", "--count", "3"});
  EXPECT_TRUE(cli->command("watch")->parsed());
  EXPECT_EQ(cli->options<WatchOptions>().interval, "500ms");
  EXPECT_EQ(cli->options<WatchOptions>().count, 3);
}

TEST(CliArgs, VerifyParses) {
  auto cli = parse({"verify"});
  EXPECT_TRUE(cli->command("verify")->parsed());
}

TEST(CliArgs, UnknownTriggerIsRejected) { EXPECT_THROW(parse({"snap", "--trigger", "whenever"}), CLI::ParseError); }
TEST(CliArgs, UnknownFormatIsRejected) { EXPECT_THROW(parse({"snap", "--format", "xml"}), CLI::ParseError); }
TEST(CliArgs, NegativeCountIsRejected) { EXPECT_THROW(parse({"watch", "--count", "-1"}), CLI::ParseError); }
TEST(CliArgs, ASubcommandIsRequired) { EXPECT_THROW(parse({}), CLI::ParseError); }
TEST(CliArgs, VersionFlagIsAnswered) { EXPECT_THROW(parse({"--version"}), CLI::CallForVersion); }
TEST(CliArgs, HelpOnEverySubcommand) {
  for (const char* sub : {"snap", "watch", "verify", "install-hooks", "uninstall-hooks", "install-timer",
                          "uninstall-timer"}) {
    EXPECT_THROW(parse({sub, "--help"}), CLI::CallForHelp) << sub;
  }
}

TEST(CliOutput, SummaryLineNamesEveryCount) {
  SnapshotSummary s{.snapshot_id = 7, .seen = 1043, .created = 3, .gone = 2, .changed = 5};
  EXPECT_EQ(summary_line(s, 41), "snapshot 7: 1043 processes, 3 new, 2 gone, 5 changes, 41 ms");
  s.coalesced_with = 6;
  EXPECT_NE(summary_line(s, 1).find("shares the collection of snapshot 6"), std::string::npos);
}

TEST(CliArgs, LeakHistoryQuestionsParseTheirOptions) {
  auto spawn = parse({"query", "spawn-rate", "--by", "argv", "--per", "day", "--since", "7d", "--match", "mcp"});
  EXPECT_TRUE(spawn->command("query")->got_subcommand("spawn-rate"));
  EXPECT_EQ(spawn->options<QueryOptions>("query").spawn_by, "argv");
  EXPECT_EQ(spawn->options<QueryOptions>("query").per, "day");
  EXPECT_EQ(spawn->options<QueryOptions>("query").since, "7d");
  auto diff = parse({"query", "diff", "before-tests", "last"});
  EXPECT_EQ(diff->options<QueryOptions>("query").diff_a, "before-tests");
  EXPECT_EQ(diff->options<QueryOptions>("query").diff_b, "last");
  auto memory = parse({"query", "memory", "--by", "group", "--format", "json"});
  EXPECT_EQ(memory->options<QueryOptions>("query").memory_by, "group");
  EXPECT_EQ(memory->options<QueryOptions>("query").format, "json");
  auto sql = parse({"sql", "SELECT 1", "--format", "csv"});
  EXPECT_TRUE(sql->command("sql")->parsed());
  EXPECT_EQ(sql->options<SqlOptions>("sql").statement, "SELECT 1");
  auto snapshots = parse({"snapshots", "--since", "2026-11-24T05:00"});
  EXPECT_TRUE(snapshots->command("snapshots")->parsed());
  EXPECT_EQ(snapshots->options<SnapshotsOptions>("snapshots").since, "2026-11-24T05:00");
}

TEST(CliArgs, BadQuestionOptionsAreParseErrors) {
  EXPECT_THROW(parse({"query", "spawn-rate", "--per", "week"}), CLI::ParseError);
  EXPECT_THROW(parse({"query", "groups"}), CLI::ParseError);  // --match is required
  EXPECT_THROW(parse({"query", "memory", "--by", "colour"}), CLI::ParseError);
  EXPECT_THROW(parse({"query", "diff", "1"}), CLI::ParseError);
  EXPECT_THROW(parse({"sql"}), CLI::ParseError);
}

TEST(CliArgs, InstallAndUninstallHooksForClaude) {
  auto install = parse({"install-hooks", "claude", "--settings", "/tmp/s.json", "--dry-run", "--db", "/t.db"});
  EXPECT_TRUE(install->command("install-hooks")->parsed());
  EXPECT_EQ(install->options<HooksOptions>("install-hooks").agent, "claude");
  EXPECT_EQ(install->options<HooksOptions>("install-hooks").settings, "/tmp/s.json");
  EXPECT_TRUE(install->options<HooksOptions>("install-hooks").dry_run);
  EXPECT_EQ(install->global.db, "/t.db");
  auto uninstall = parse({"uninstall-hooks", "claude", "--scope", "project"});
  EXPECT_TRUE(uninstall->command("uninstall-hooks")->parsed());
  EXPECT_EQ(uninstall->options<HooksOptions>("uninstall-hooks").scope, "project");
  EXPECT_FALSE(uninstall->options<HooksOptions>("uninstall-hooks").dry_run);
}

TEST(CliArgs, BadHookInstallArgumentsAreParseErrors) {
  EXPECT_THROW(parse({"install-hooks"}), CLI::ParseError);  // whose hooks is required
  EXPECT_THROW(parse({"install-hooks", "vim"}), CLI::ParseError);
  EXPECT_THROW(parse({"install-hooks", "claude", "--scope", "global"}), CLI::ParseError);
  EXPECT_THROW(parse({"uninstall-hooks", "claude", "--scope", "user", "--settings", "x.json"}), CLI::ParseError);
}

TEST(CliArgs, InstallHooksAndInstallTimerTakeGuard) {
  EXPECT_FALSE(parse({"install-hooks", "claude"})->options<HooksOptions>("install-hooks").guard);
  auto hooks = parse({"install-hooks", "claude", "--guard", "--scope", "project"});
  EXPECT_TRUE(hooks->options<HooksOptions>("install-hooks").guard);
  EXPECT_EQ(hooks->options<HooksOptions>("install-hooks").scope, "project");
  EXPECT_FALSE(parse({"install-timer"})->options<TimerOptions>("install-timer").guard);
  auto timer = parse({"install-timer", "--guard", "--cron", "--interval", "10m"});
  EXPECT_TRUE(timer->options<TimerOptions>("install-timer").guard);
  EXPECT_TRUE(timer->options<TimerOptions>("install-timer").cron);
  EXPECT_THROW(parse({"uninstall-hooks", "claude", "--guard"}), CLI::ParseError);  // uninstall removes all of ours
  EXPECT_THROW(parse({"uninstall-timer", "--guard"}), CLI::ParseError);
}

TEST(CliArgs, GuardOptions) {
  auto defaults = parse({"guard"});
  const auto& d = defaults->options<GuardOptions>("guard");
  EXPECT_FALSE(d.once);
  EXPECT_FALSE(d.dry_run);
  EXPECT_EQ(d.interval, "5m");
  EXPECT_EQ(d.format, "table");
  EXPECT_TRUE(d.policy.empty()) << "the default path is chosen when it runs";
  auto given = parse({"guard", "--once", "--dry-run", "--policy", "p.toml", "--interval", "10s", "--format", "json", "--all-users"});
  const auto& g = given->options<GuardOptions>("guard");
  EXPECT_TRUE(g.once);
  EXPECT_TRUE(g.dry_run);
  EXPECT_TRUE(g.all_users);
  EXPECT_EQ(g.policy, "p.toml");
  EXPECT_EQ(g.interval, "10s");
  EXPECT_EQ(g.format, "json");
  EXPECT_THROW(parse({"guard", "--format", "csv"}), CLI::ParseError);
}

TEST(CliArgs, InstallTimerOptions) {
  auto defaults = parse({"install-timer"});
  EXPECT_TRUE(defaults->command("install-timer")->parsed());
  EXPECT_EQ(defaults->options<TimerOptions>("install-timer").interval, "5m");
  EXPECT_FALSE(defaults->options<TimerOptions>("install-timer").system);
  auto cron = parse({"install-timer", "--interval", "15m", "--cron"});
  EXPECT_EQ(cron->options<TimerOptions>("install-timer").interval, "15m");
  EXPECT_TRUE(cron->options<TimerOptions>("install-timer").cron);
  auto system = parse({"install-timer", "--system", "--print"});
  EXPECT_TRUE(system->options<TimerOptions>("install-timer").system);
  EXPECT_TRUE(system->options<TimerOptions>("install-timer").print);
  EXPECT_TRUE(parse({"uninstall-timer", "--user"})->command("uninstall-timer")->parsed());
  EXPECT_THROW(parse({"install-timer", "--user", "--system"}), CLI::ParseError);
  EXPECT_THROW(parse({"install-timer", "--print", "--cron"}), CLI::ParseError);
}

TEST(CliArgs, SnapAcceptsTheClaudeHookTriggers) {
  for (const char* trigger : {"claude-session-start", "claude-session-end", "claude-stop"}) {
    EXPECT_EQ(parse({"snap", "--hook", "--trigger", trigger})->options<SnapOptions>("snap").trigger, trigger);
  }
}

}  // namespace
}  // namespace proctrail::cli

namespace proctrail::cli {
namespace {

std::unique_ptr<Cli> parse_import(std::vector<std::string> args) {
  auto cli = make_cli();
  std::reverse(args.begin(), args.end());
  cli->app.parse(args);
  return cli;
}

TEST(CliArgs, ImportPsTakesTheFileAndItsOptions) {
  auto cli = parse_import({"import", "ps", "evidence.txt", "--taken-at", "2026-11-24 09:12:01", "--host", "mac-1",
                           "--tag", "incident", "--format", "json", "--db", "x.db"});
  EXPECT_TRUE(cli->command("import")->parsed());
  EXPECT_EQ(cli->options<ImportOptions>().source, "ps");
  EXPECT_EQ(cli->options<ImportOptions>().file, "evidence.txt");
  EXPECT_EQ(cli->options<ImportOptions>().taken_at, "2026-11-24 09:12:01");
  EXPECT_EQ(cli->options<ImportOptions>().host, "mac-1");
  EXPECT_EQ(cli->options<ImportOptions>().tag, "incident");
  EXPECT_EQ(cli->options<ImportOptions>().format, "json");
  EXPECT_EQ(cli->global.db, "x.db");
  EXPECT_EQ(parse_import({"import", "lsof", "-"})->options<ImportOptions>().source, "lsof");
}

TEST(CliArgs, ImportNeedsAKnownSourceAFileAndAKnownFormat) {
  EXPECT_THROW(parse_import({"import", "ps"}), CLI::ParseError);
  EXPECT_THROW(parse_import({"import", "top", "x"}), CLI::ParseError);
  EXPECT_THROW(parse_import({"import", "ps", "x", "--format", "xml"}), CLI::ParseError);
}

TEST(CliArgs, ImportLineSaysWhatWasTakenAndSkipped) {
  ImportedTable table;
  table.format = "ps aux (macOS)";
  table.lines_read = 97;
  table.lines_taken = 95;
  ImportSummary summary{.snapshot_id = 12, .processes = 95};
  EXPECT_EQ(import_line(summary, table, "evidence.txt"),
            "imported 95 processes from evidence.txt (ps aux (macOS), 97 lines: 95 taken, 2 skipped) as snapshot 12");
  summary.fds = 8;
  summary.sockets = 4;
  EXPECT_EQ(import_line(summary, table, "l.txt"),
            "imported 95 processes from l.txt (ps aux (macOS), 97 lines: 95 taken, 2 skipped) with 8 descriptors and 4 sockets"
            " as snapshot 12");
  summary.sockets.reset();
  EXPECT_EQ(import_line(summary, table, "e.txt", 3600),
            "imported 95 processes from e.txt (ps aux (macOS), 97 lines: 95 taken, 2 skipped, local times read at"
            " UTC+01:00) as snapshot 12");
  EXPECT_EQ(import_line(summary, table, "e.txt", 0),
            "imported 95 processes from e.txt (ps aux (macOS), 97 lines: 95 taken, 2 skipped) as snapshot 12");
}

TEST(CliArgs, ImportPsTakesAUtcOffsetAndLsofHasNone) {
  EXPECT_EQ(parse_import({"import", "ps", "x", "--utc-offset", "+01:00"})->options<ImportOptions>().utc_offset, "+01:00");
  EXPECT_THROW(parse_import({"import", "lsof", "x", "--utc-offset", "+01:00"}), CLI::ParseError);
}

}  // namespace
}  // namespace proctrail::cli

namespace proctrail::cli {
namespace {

const std::vector<std::string> kNames = {"snap", "snapshots", "watch", "query", "sql", "cleanup", "exec", "verify"};

TEST(UnknownCommand, TheWordAfterTheGlobalOptionsIsCheckedAgainstTheNames) {
  EXPECT_EQ(unknown_command({"snpa"}, kNames), "snpa");
  EXPECT_EQ(unknown_command({"--db", "snap", "-vv", "qeury", "leaks"}, kNames), "qeury") << "--db takes a value";
  EXPECT_EQ(unknown_command({"--db=x.db", "query", "leaks"}, kNames), std::nullopt);
  EXPECT_EQ(unknown_command({"-v", "--help"}, kNames), std::nullopt);
  EXPECT_EQ(unknown_command({}, kNames), std::nullopt);
}

TEST(UnknownCommand, SuggestsTheNearestNameOrNone) {
  EXPECT_EQ(nearest_command("snpa", kNames), "snap");      // a swap of neighbours
  EXPECT_EQ(nearest_command("qeury", kNames), "query");
  EXPECT_EQ(nearest_command("clean", kNames), "cleanup");  // the only name it begins
  EXPECT_EQ(nearest_command("veriffy", kNames), "verify");
  EXPECT_EQ(nearest_command("frobnicate", kNames), std::nullopt);
  EXPECT_EQ(nearest_command("x", kNames), std::nullopt) << "one letter is close to everything short";
  EXPECT_EQ(unknown_command_message("snpa", kNames),
            "unknown command 'snpa'; did you mean 'snap'? (proctrail --help lists the commands)");
  EXPECT_EQ(unknown_command_message("frobnicate", kNames), "unknown command 'frobnicate' (proctrail --help lists the commands)");
}

}  // namespace
}  // namespace proctrail::cli
