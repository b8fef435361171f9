// install-hooks / uninstall-hooks / install-timer / uninstall-timer, run as the built binary against
// a temporary HOME, --settings file and XDG_CONFIG_HOME.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>

#include "tests/support/child.hpp"
#include "tests/support/hook_worker.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;

const std::string kBinary = PROCTRAIL_BIN;

using RunResult = test::Ran;

RunResult run(std::vector<std::string> args, std::vector<std::string> env = {}) {
  return test::run_captured(args, "", std::move(env));
}

struct stat stat_of(const std::filesystem::path& file) {
  struct stat info {};
  EXPECT_EQ(::stat(file.c_str(), &info), 0) << file;
  return info;
}

const std::string kUserSettings = R"({
  "model": "opus",
  "hooks": {
    "Stop": [{ "hooks": [{ "type": "command", "command": "notify-send done" }] }]
  },
  "env": {"EDITOR": "vi"}
}
)";

class InstallCli : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::filesystem::path home = tmp / "home";
  std::filesystem::path settings = tmp / "settings.json";
  std::filesystem::path backup = tmp / "settings.json.proctrail-backup";
  // The binary as /proc/self/exe names it.
  std::string binary = std::filesystem::canonical(kBinary).string();

  RunResult proctrail(std::vector<std::string> args) {
    args.insert(args.begin(), kBinary);
    return run(args, {"HOME=" + home.string(), "CLAUDE_CONFIG_DIR=", "XDG_CONFIG_HOME=", "PROCTRAIL_DB=" + proctrail_db});
  }
  std::string proctrail_db;  // $PROCTRAIL_DB of the commands run (empty: unset)
  RunResult hooks(const std::string& subcommand, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {subcommand, "claude", "--settings", settings.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return proctrail(args);
  }
};

TEST_F(InstallCli, InstallHooksCreatesTheMissingUserSettingsAndFolder) {
  RunResult r = proctrail({"install-hooks", "claude"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto file = home / ".claude/settings.json";
  EXPECT_EQ(r.out, "created " + file.string() + " with proctrail snap hooks for SessionStart, SessionEnd, Stop\n");
  auto written = nlohmann::json::parse(test::read_all(file));
  EXPECT_EQ(written["hooks"]["SessionStart"][0]["hooks"][0]["command"],
            binary + " snap --hook --trigger claude-session-start");
  EXPECT_EQ(written["hooks"]["Stop"][0]["hooks"][0]["type"], "command");
  EXPECT_EQ(stat_of(file).st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".proctrail-backup"));
}

TEST_F(InstallCli, InstallHooksKeepsTheUsersBytesAndModeAndSavesABackup) {
  test::write_all(settings, kUserSettings);
  ASSERT_EQ(::chmod(settings.c_str(), 0640), 0);
  RunResult r = hooks("install-hooks");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("the version from before proctrail first changed it is in " + backup.string()), std::string::npos)
      << r.out;
  EXPECT_EQ(test::read_all(backup), kUserSettings);
  EXPECT_EQ(stat_of(settings).st_mode & 0777, 0640u);
  std::string installed = test::read_all(settings);
  EXPECT_TRUE(installed.starts_with("{\n  \"model\": \"opus\",\n  \"hooks\": {\n    \"Stop\": [{ \"hooks\": [{ \"type\": "
                                    "\"command\", \"command\": \"notify-send done\" }] }, {\"hooks\": [{\"type\": "
                                    "\"command\", \"command\": \"" + binary + " snap --hook --trigger claude-stop\"}]}],\n"))
      << installed;
  EXPECT_TRUE(installed.ends_with("  },\n  \"env\": {\"EDITOR\": \"vi\"}\n}\n")) << installed;
}

TEST_F(InstallCli, ASecondInstallDoesNotRewriteTheFile) {
  test::write_all(settings, kUserSettings);
  ASSERT_EQ(hooks("install-hooks").code, 0);
  struct stat before = stat_of(settings);
  std::string text = test::read_all(settings);
  RunResult r = hooks("install-hooks");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "proctrail's Claude Code hooks are already in " + settings.string() + "; left it unchanged\n");
  struct stat after = stat_of(settings);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  EXPECT_EQ(test::read_all(settings), text);
}

TEST_F(InstallCli, UninstallGivesBackTheOriginalBytes) {
  for (const std::string& original : {kUserSettings, std::string(), std::string("{\"hooks\": {\"Stop\": []}}")}) {
    test::write_all(settings, original);
    ASSERT_EQ(hooks("install-hooks").code, 0);
    ASSERT_NE(test::read_all(settings), original);
    RunResult r = hooks("uninstall-hooks");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "removed proctrail's hooks from " + settings.string() +
                         "; the version from before proctrail first changed it is in " + backup.string() + "\n");
    std::filesystem::remove(backup);
    EXPECT_EQ(test::read_all(settings), original);
    EXPECT_EQ(hooks("uninstall-hooks").out, "no proctrail hooks in " + settings.string() + "; left it unchanged\n");
  }
}

// Issue 22: with PROCTRAIL_DB set and no --db, the hooks recorded to the default trail instead.
TEST_F(InstallCli, HooksRecordToTheTrailProctrailDbNames) {
  proctrail_db = (tmp / "team" / "trail.db").string();
  ASSERT_EQ(hooks("install-hooks").code, 0);
  auto written = nlohmann::json::parse(test::read_all(settings));
  const std::string command = written["hooks"]["Stop"][0]["hooks"][0]["command"];
  EXPECT_EQ(command, binary + " --db " + proctrail_db + " snap --hook --trigger claude-stop");
  ASSERT_EQ(hooks("uninstall-hooks").code, 0);
  EXPECT_EQ(test::read_all(settings).find("proctrail"), std::string::npos) << "uninstall finds the hooks it wrote";
}

// Issue 22: every install and uninstall overwrote the backup, so a second install saved proctrail's own
// text over the user's.
TEST_F(InstallCli, TheBackupIsTheUsersFirstTextNotTheLastOne) {
  test::write_all(settings, kUserSettings);
  ASSERT_EQ(hooks("install-hooks").code, 0);
  ASSERT_EQ(hooks("install-hooks", {"--guard"}).code, 0);
  ASSERT_EQ(hooks("uninstall-hooks").code, 0);
  test::write_all(settings, "{\"model\": \"sonnet\"}\n");
  RunResult again = hooks("install-hooks");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("first changed it is in " + backup.string()), std::string::npos) << again.out;
  EXPECT_EQ(test::read_all(backup), kUserSettings);
}

TEST_F(InstallCli, UninstallKeepsWhatTheUserAddedSinceTheInstall) {
  test::write_all(settings, kUserSettings);
  ASSERT_EQ(hooks("install-hooks").code, 0);
  std::string installed = test::read_all(settings);
  installed.replace(installed.find("\"opus\""), 6, "\"sonnet\"");
  test::write_all(settings, installed);
  ASSERT_EQ(hooks("uninstall-hooks").code, 0);
  std::string expected = kUserSettings;
  expected.replace(expected.find("\"opus\""), 6, "\"sonnet\"");
  EXPECT_EQ(test::read_all(settings), expected);
}

TEST_F(InstallCli, ASymlinkedSettingsFileStaysALinkAndItsTargetIsEdited) {
  auto target = tmp / "dotfiles/claude-settings.json";
  test::write_all(target, kUserSettings);
  std::filesystem::create_symlink(target, settings);
  RunResult r = hooks("install-hooks");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::is_symlink(settings));
  EXPECT_NE(test::read_all(target).find("claude-session-start"), std::string::npos);
  EXPECT_EQ(test::read_all(target.string() + ".proctrail-backup"), kUserSettings);
}

TEST_F(InstallCli, InvalidJsonIsRefusedUntouchedWithOneLineNamingTheFile) {
  test::write_all(settings, "{\"model\": opus}\n");
  for (const char* subcommand : {"install-hooks", "uninstall-hooks"}) {
    RunResult r = hooks(subcommand);
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(r.err.starts_with("proctrail: " + std::string(subcommand) + ": refusing " + settings.string() +
                                  ": not valid JSON ("))
        << r.err;
    EXPECT_TRUE(r.err.ends_with("; left it untouched\n")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(test::read_all(settings), "{\"model\": opus}\n");
  EXPECT_FALSE(std::filesystem::exists(backup));
}

TEST_F(InstallCli, HooksThatAreNotAnObjectAreRefused) {
  test::write_all(settings, "{\"hooks\": [\"x\"]}");
  RunResult r = hooks("install-hooks");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("its \"hooks\" is not an object"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_all(settings), "{\"hooks\": [\"x\"]}");
}

TEST_F(InstallCli, DryRunPrintsTheResultAndWritesNothing) {
  RunResult r = hooks("install-hooks", {"--dry-run"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto printed = nlohmann::json::parse(r.out);
  EXPECT_EQ(printed["hooks"].size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(settings));
  test::write_all(settings, kUserSettings);
  ASSERT_EQ(hooks("install-hooks").code, 0);
  std::string installed = test::read_all(settings);
  RunResult dry = hooks("uninstall-hooks", {"--dry-run"});
  EXPECT_EQ(dry.out, kUserSettings);
  EXPECT_EQ(test::read_all(settings), installed);
}

TEST_F(InstallCli, ProjectScopeWritesDotClaudeInTheCurrentFolder) {
  std::filesystem::create_directories(tmp / "project");
  RunResult r = run({"sh", "-c", "cd \"$1\" && exec \"$2\" install-hooks claude --scope project", "sh",
                     (tmp / "project").string(), kBinary},
                    {"HOME=" + home.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(tmp / "project/.claude/settings.json")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(home / ".claude"));
}

TEST_F(InstallCli, TheInstalledHookCommandRecordsASnapshotWithItsTrigger) {
  auto db = tmp / "trail.db";
  ASSERT_EQ(proctrail({"--db", db.string(), "install-hooks", "claude", "--settings", settings.string()}).code, 0);
  auto written = nlohmann::json::parse(test::read_all(settings));
  std::string command = written["hooks"]["Stop"][0]["hooks"][0]["command"];
  EXPECT_EQ(command, binary + " --db " + db.string() + " snap --hook --trigger claude-stop");
  RunResult r = run({"sh", "-c", command});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_NE(test::wait_for_hook_worker(db, "trigger = 'claude-stop'"), "") << "the hook's detached worker did not record";
  SQLite::Database database(db.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(database.execAndGet("SELECT group_concat(trigger) FROM snapshots").getString(), "claude-stop");
}

TEST_F(InstallCli, TheGuardIsInstalledOnceAndUninstalledWithTheHooks) {
  test::write_all(settings, kUserSettings);
  RunResult r = hooks("install-hooks", {"--guard"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("added proctrail snap hooks for SessionStart, SessionEnd, Stop (SessionStart also "
                                "starts proctrail guard --once, detached) to " + settings.string()))
      << r.out;
  std::string installed = test::read_all(settings);
  auto written = nlohmann::json::parse(installed);
  ASSERT_EQ(written["hooks"]["SessionStart"].size(), 1u);
  EXPECT_EQ(written["hooks"]["SessionStart"][0]["hooks"][0]["command"],
            binary + " snap --hook --trigger claude-session-start; setsid " + binary +
                " guard --once </dev/null >/dev/null 2>&1 &");
  EXPECT_EQ(written["hooks"]["Stop"][1]["hooks"][0]["command"], binary + " snap --hook --trigger claude-stop");
  RunResult again = hooks("install-hooks", {"--guard"});
  EXPECT_EQ(again.out, "proctrail's Claude Code hooks are already in " + settings.string() + "; left it unchanged\n");
  EXPECT_EQ(test::read_all(settings), installed);
  ASSERT_EQ(hooks("uninstall-hooks").code, 0);
  EXPECT_EQ(test::read_all(settings), kUserSettings);
}

TEST_F(InstallCli, UninstallAfterTheGuardWasAddedToAnEarlierInstallKeepsOnlyTheUsersHooks) {
  test::write_all(settings, kUserSettings);
  ASSERT_EQ(hooks("install-hooks").code, 0);
  ASSERT_EQ(hooks("install-hooks", {"--guard"}).code, 0);
  ASSERT_NE(test::read_all(settings).find("guard --once"), std::string::npos);
  ASSERT_EQ(hooks("uninstall-hooks").code, 0);
  auto left = nlohmann::json::parse(test::read_all(settings));
  EXPECT_EQ(left, nlohmann::json::parse(kUserSettings));
}

// The SessionStart command as written, run by /bin/sh as Claude Code runs it, with a stand-in for the
// binary whose guard sleeps: the shell returns (and lets go of its stdout and stderr) at once, and the
// guard runs on in a session of its own.
TEST_F(InstallCli, TheSessionStartGuardNeverDelaysTheClient) {
  auto db = tmp / "trail.db";
  ASSERT_EQ(proctrail({"--db", db.string(), "install-hooks", "claude", "--guard", "--settings", settings.string()}).code,
            0);
  std::string command = nlohmann::json::parse(test::read_all(settings))["hooks"]["SessionStart"][0]["hooks"][0]["command"];
  const auto stand_in = tmp / "stand-in";
  const auto guard_pid_file = tmp / "guard.pid";
  test::write_all(stand_in, "#!/bin/sh\n"
                            "for word; do [ \"$word\" = guard ] && { echo $$ > '" + guard_pid_file.string() +
                                "'; exec sleep 30; }; done\n"
                                "cat >/dev/null\n");
  ASSERT_EQ(::chmod(stand_in.c_str(), 0700), 0);
  for (size_t at = command.find(binary); at != std::string::npos; at = command.find(binary, at)) {
    command.replace(at, binary.size(), stand_in.string());
  }
  ASSERT_NE(command.find(stand_in.string() + " --db " + db.string() + " guard --once"), std::string::npos) << command;
  const auto started = std::chrono::steady_clock::now();
  RunResult r = run({"sh", "-c", command});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_LT(took, std::chrono::seconds(10));
  ASSERT_TRUE(test::eventually([&] { return test::read_all(guard_pid_file).ends_with('\n'); }, std::chrono::seconds(10)))
      << "the guard did not start";
  const pid_t guard = std::stoi(test::read_all(guard_pid_file));
  EXPECT_EQ(::getsid(guard), guard) << "the guard leads a session of its own";
  EXPECT_NE(::getsid(guard), ::getsid(0));
  ::kill(guard, SIGKILL);
}

// ---- the timer ----

class TimerCli : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::filesystem::path units = tmp / "config/systemd/user";
  std::string binary = std::filesystem::canonical(kBinary).string();
  std::string proctrail_db;  // $PROCTRAIL_DB of the commands run (empty: unset)

  RunResult proctrail(std::vector<std::string> args) {
    args.insert(args.begin(), kBinary);
    return run(args, {"HOME=" + (tmp / "home").string(), "XDG_CONFIG_HOME=" + (tmp / "config").string(),
                      "PROCTRAIL_DB=" + proctrail_db});
  }
};

// Issue 22: with PROCTRAIL_DB set and no --db, the timer recorded to the default trail instead.
TEST_F(TimerCli, TheTimerRecordsToTheTrailProctrailDbNames) {
  proctrail_db = (tmp / "team" / "trail.db").string();
  ASSERT_EQ(proctrail({"install-timer", "--interval", "2m"}).code, 0);
  const std::string service = test::read_all(units / "proctrail-snap.service");
  EXPECT_NE(service.find("ExecStart=" + binary + " --db " + proctrail_db + " snap --trigger timer\n"), std::string::npos)
      << service;
  RunResult cron = proctrail({"install-timer", "--cron", "--interval", "5m"});
  EXPECT_NE(cron.out.find(binary + " --db " + proctrail_db + " snap --trigger timer"), std::string::npos) << cron.out;
}

TEST_F(TimerCli, InstallWritesBothUserUnitsOnceAndSaysHowToEnableThem) {
  RunResult r = proctrail({"install-timer", "--interval", "2m"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("enable it with: systemctl --user daemon-reload && systemctl --user enable --now "
                       "proctrail-snap.timer\n"),
            std::string::npos)
      << r.out;
  std::string service = test::read_all(units / "proctrail-snap.service");
  EXPECT_NE(service.find("ExecStart=" + binary + " snap --trigger timer\n"), std::string::npos) << service;
  EXPECT_NE(test::read_all(units / "proctrail-snap.timer").find("OnUnitActiveSec=2min\n"), std::string::npos);
  RunResult again = proctrail({"install-timer", "--interval", "2m"});
  EXPECT_TRUE(again.out.starts_with("already up to date: ")) << again.out;
}

TEST_F(TimerCli, WithTheGuardTheServiceRunsItAfterTheSnapshotAndUninstallRemovesIt) {
  auto db = tmp / "trail.db";
  RunResult r = proctrail({"--db", db.string(), "install-timer", "--guard", "--interval", "10m"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("(" + binary + " --db " + db.string() + " snap --trigger timer, then " + binary + " --db " +
                       db.string() + " guard --once, every 10min)"),
            std::string::npos)
      << r.out;
  std::string service = test::read_all(units / "proctrail-snap.service");
  EXPECT_TRUE(service.ends_with("ExecStart=" + binary + " --db " + db.string() + " snap --trigger timer\n"
                                "ExecStart=" + binary + " --db " + db.string() + " guard --once\n"))
      << service;
  RunResult again = proctrail({"--db", db.string(), "install-timer", "--guard", "--interval", "10m"});
  EXPECT_TRUE(again.out.starts_with("already up to date: ")) << again.out;
  EXPECT_EQ(test::read_all(units / "proctrail-snap.service"), service);
  ASSERT_EQ(proctrail({"uninstall-timer"}).code, 0);
  EXPECT_FALSE(std::filesystem::exists(units / "proctrail-snap.service"));
  EXPECT_FALSE(std::filesystem::exists(units / "proctrail-snap.timer"));
}

TEST_F(TimerCli, WithTheGuardCronRunsItAfterTheSnapshot) {
  RunResult r = proctrail({"install-timer", "--cron", "--guard", "--interval", "15m"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "*/15 * * * * " + binary + " snap --trigger timer && " + binary + " guard --once\n");
  RunResult system = proctrail({"install-timer", "--cron", "--guard", "--system"});
  EXPECT_EQ(system.out, "*/5 * * * * " + binary + " --db /var/lib/proctrail/trail.db snap --trigger timer && " + binary +
                            " --db /var/lib/proctrail/trail.db guard --once\n");
}

TEST_F(TimerCli, UnitsPassSystemdAnalyzeVerify) {
  if (std::system("command -v systemd-analyze >/dev/null 2>&1") != 0) GTEST_SKIP() << "no systemd-analyze";
  ASSERT_EQ(proctrail({"--db", (tmp / "trail.db").string(), "install-timer"}).code, 0);
  RunResult r = run({"systemd-analyze", "verify", (units / "proctrail-snap.service").string(),
                     (units / "proctrail-snap.timer").string()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(TimerCli, UninstallRemovesOnlyOurUnits) {
  ASSERT_EQ(proctrail({"install-timer"}).code, 0);
  RunResult r = proctrail({"uninstall-timer"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(units / "proctrail-snap.service"));
  EXPECT_FALSE(std::filesystem::exists(units / "proctrail-snap.timer"));
  EXPECT_NE(r.out.find("systemctl --user stop proctrail-snap.timer"), std::string::npos) << r.out;
  test::write_all(units / "proctrail-snap.timer", "[Timer]\nOnCalendar=daily\n");
  for (const char* subcommand : {"install-timer", "uninstall-timer"}) {
    RunResult refused = proctrail({subcommand});
    EXPECT_EQ(refused.code, 1) << subcommand;
    EXPECT_NE(refused.err.find("was not written by proctrail install-timer; left it untouched"), std::string::npos)
        << refused.err;
  }
  EXPECT_EQ(test::read_all(units / "proctrail-snap.timer"), "[Timer]\nOnCalendar=daily\n");
}

TEST_F(TimerCli, PrintWritesNothingAndASystemUnitRecordsUnderVarLib) {
  RunResult r = proctrail({"install-timer", "--system", "--print"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("### /etc/systemd/system/proctrail-snap.service\n")) << r.out;
  EXPECT_NE(r.out.find("ExecStart=" + binary + " --db /var/lib/proctrail/trail.db snap --trigger timer\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("### /etc/systemd/system/proctrail-snap.timer\n"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp / "config"));
}

TEST_F(TimerCli, CronPrintsALineOrRefusesAnUnevenInterval) {
  RunResult r = proctrail({"install-timer", "--cron", "--interval", "5m"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "*/5 * * * * " + binary + " snap --trigger timer\n");
  RunResult uneven = proctrail({"install-timer", "--cron", "--interval", "7m"});
  EXPECT_EQ(uneven.code, 2);
  EXPECT_TRUE(uneven.err.starts_with("proctrail: install-timer: cron cannot run a snapshot every 7min: ")) << uneven.err;
  EXPECT_EQ(proctrail({"install-timer", "--interval", "soon"}).code, 2);
  EXPECT_FALSE(std::filesystem::exists(tmp / "config"));
}

}  // namespace
}  // namespace proctrail
