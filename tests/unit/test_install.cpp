// The installers' pure parts: Claude Code settings edited as text, the timer units and the cron line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "proctrail/install.hpp"

namespace proctrail {
namespace {

using std::chrono::milliseconds;

const HookCommands kCommands = claude_hook_commands("/opt/pt/proctrail", "");

std::string added(std::string_view text, const HookCommands& commands = kCommands) {
  auto result = add_claude_hooks(text, commands);
  EXPECT_TRUE(result) << result.error().message;
  return result ? *result : std::string();
}

std::string removed(std::string_view text) {
  auto result = remove_claude_hooks(text);
  EXPECT_TRUE(result) << result.error().message;
  return result ? *result : std::string();
}

// Every command of `event`'s hooks, in order.
std::vector<std::string> commands_of(const std::string& text, const std::string& event) {
  std::vector<std::string> commands;
  const auto settings = nlohmann::json::parse(text);
  for (const auto& group : settings["hooks"][event]) {
    for (const auto& hook : group["hooks"]) commands.push_back(hook["command"]);
  }
  return commands;
}

// A settings file as Claude Code writes it, with the user's own hooks and keys.
const std::string kUserSettings = R"json({
  "model": "opus",
  "permissions": {
    "allow": ["Bash(ls:*)", "Read(~/notes/**)"]
  },
  "hooks": {
    "Stop": [
      {
        "matcher": "",
        "hooks": [
          {
            "type": "command",
            "command": "notify-send 'done {]\"'",
            "timeout": 10
          }
        ]
      }
    ],
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [{ "type": "command", "command": "audit-bash" }]
      }
    ]
  },
  "env": {"EDITOR": "vi"}
}
)json";

const std::string kUserSettingsWithOurHooks = R"json({
  "model": "opus",
  "permissions": {
    "allow": ["Bash(ls:*)", "Read(~/notes/**)"]
  },
  "hooks": {
    "Stop": [
      {
        "matcher": "",
        "hooks": [
          {
            "type": "command",
            "command": "notify-send 'done {]\"'",
            "timeout": 10
          }
        ]
      },
      {
        "hooks": [
          {
            "type": "command",
            "command": "/opt/pt/proctrail snap --hook --trigger claude-stop"
          }
        ]
      }
    ],
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [{ "type": "command", "command": "audit-bash" }]
      }
    ],
    "SessionStart": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/opt/pt/proctrail snap --hook --trigger claude-session-start"
          }
        ]
      }
    ],
    "SessionEnd": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/opt/pt/proctrail snap --hook --trigger claude-session-end"
          }
        ]
      }
    ]
  },
  "env": {"EDITOR": "vi"}
}
)json";

TEST(ClaudeHookCommands, OneSnapPerEventWithItsTriggerAndTheDbWhenGiven) {
  ASSERT_EQ(kCommands.size(), 3u);
  EXPECT_EQ(kCommands[0].event, "SessionStart");
  EXPECT_EQ(kCommands[0].command, "/opt/pt/proctrail snap --hook --trigger claude-session-start");
  EXPECT_EQ(kCommands[1].event, "SessionEnd");
  EXPECT_EQ(kCommands[1].command, "/opt/pt/proctrail snap --hook --trigger claude-session-end");
  EXPECT_EQ(kCommands[2].event, "Stop");
  EXPECT_EQ(kCommands[2].command, "/opt/pt/proctrail snap --hook --trigger claude-stop");
  auto with_db = claude_hook_commands("/opt/my tools/proctrail", "/var/trails/it's.db");
  EXPECT_EQ(with_db[2].command,
            "'/opt/my tools/proctrail' --db '/var/trails/it'\\''s.db' snap --hook --trigger claude-stop");
  for (const auto& hook : with_db) EXPECT_NE(hook.command.find(kClaudeHookMarker), std::string::npos);
}

const HookCommands kGuardCommands = claude_hook_commands("/opt/pt/proctrail", "", GuardAtSessionStart::yes);

TEST(ClaudeHookCommands, WithTheGuardSessionStartStartsItDetachedAfterTheSnapshot) {
  ASSERT_EQ(kGuardCommands.size(), 3u);
  EXPECT_EQ(kGuardCommands[0].event, "SessionStart");
  EXPECT_EQ(kGuardCommands[0].command,
            "/opt/pt/proctrail snap --hook --trigger claude-session-start; "
            "setsid /opt/pt/proctrail guard --once </dev/null >/dev/null 2>&1 &");
  EXPECT_EQ(kGuardCommands[1].command, kCommands[1].command);
  EXPECT_EQ(kGuardCommands[2].command, kCommands[2].command);
  auto with_db = claude_hook_commands("/opt/my tools/proctrail", "/var/trails/it's.db", GuardAtSessionStart::yes);
  EXPECT_EQ(with_db[0].command,
            "'/opt/my tools/proctrail' --db '/var/trails/it'\\''s.db' snap --hook --trigger claude-session-start; "
            "setsid '/opt/my tools/proctrail' --db '/var/trails/it'\\''s.db' guard --once </dev/null >/dev/null 2>&1 &");
  EXPECT_NE(with_db[0].command.find(kClaudeHookMarker), std::string::npos);
}

TEST(ClaudeSettings, TheGuardIsAddedOnceAndRemovedWithTheOtherHooks) {
  const std::string once = added(kUserSettings, kGuardCommands);
  EXPECT_EQ(added(once, kGuardCommands), once);
  EXPECT_EQ(commands_of(once, "SessionStart"), std::vector<std::string>{kGuardCommands[0].command});
  EXPECT_EQ(commands_of(once, "Stop"), (std::vector<std::string>{"notify-send 'done {]\"'", kCommands[2].command}));
  EXPECT_EQ(removed(once), kUserSettings);
}

TEST(ClaudeSettings, InstallingWithoutTheGuardAfterItTakesTheGuardOut) {
  const std::string with_guard = added(kUserSettings, kGuardCommands);
  const std::string without = added(with_guard);
  EXPECT_EQ(commands_of(without, "SessionStart"), std::vector<std::string>{kCommands[0].command});
  EXPECT_EQ(without.find("guard --once"), std::string::npos) << without;
  EXPECT_EQ(added(without, kGuardCommands), with_guard);
}

TEST(ClaudeSettings, AnEmptyObjectGetsTheThreeHooksPrettyPrinted) {
  EXPECT_EQ(added("{}\n"), R"({
  "hooks": {
    "SessionStart": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/opt/pt/proctrail snap --hook --trigger claude-session-start"
          }
        ]
      }
    ],
    "SessionEnd": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/opt/pt/proctrail snap --hook --trigger claude-session-end"
          }
        ]
      }
    ],
    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/opt/pt/proctrail snap --hook --trigger claude-stop"
          }
        ]
      }
    ]
  }
}
)");
}

TEST(ClaudeSettings, AnEmptyOrBlankFileIsReadAsAnEmptyObject) {
  EXPECT_EQ(added(""), added("{}\n"));
  EXPECT_EQ(added(" \n\n"), added("{}\n"));
}

TEST(ClaudeSettings, OtherHooksAndKeysKeepEveryByte) {
  EXPECT_EQ(added(kUserSettings), kUserSettingsWithOurHooks);
  EXPECT_EQ(removed(kUserSettingsWithOurHooks), kUserSettings);
}

TEST(ClaudeSettings, ASecondInstallChangesNothing) {
  for (const std::string& original : {std::string("{}\n"), kUserSettings, std::string(R"({"a":[1,2]})")}) {
    std::string once = added(original);
    EXPECT_EQ(added(once), once) << original;
  }
}

TEST(ClaudeSettings, UninstallGivesBackTheOriginalBytes) {
  for (const std::string& original :
       {std::string("{}\n"), std::string("{}"), kUserSettings, std::string(R"({"a":[1,2],"hooks":{"Notification":[]}})"),
        std::string("{\r\n\t\"a\": true\r\n}\r\n"), std::string(R"({ "hooks": { "Stop": [ { "hooks": [] } ] } })")}) {
    EXPECT_EQ(removed(added(original)), original) << original;
  }
}

// The text alone cannot tell an array we created from one that was empty before: both go. The CLI
// gives back the original bytes from its backup in that case.
TEST(ClaudeSettings, AnEventArrayEmptiedByTheUninstallGoesEvenIfItWasThereBefore) {
  EXPECT_EQ(removed(added(R"({"a":[1,2],"hooks":{"Stop":[]}})")), R"({"a":[1,2]})");
}

TEST(ClaudeSettings, UninstallWithoutOurHooksReturnsTheTextUnchanged) {
  EXPECT_EQ(removed(kUserSettings), kUserSettings);
  EXPECT_EQ(removed(""), "");
  EXPECT_EQ(removed("{\"hooks\": {}}"), "{\"hooks\": {}}");
}

TEST(ClaudeSettings, UninstallKeepsAUserGroupThatAlsoRunsOurCommand) {
  const std::string mixed = R"({"hooks": {"Stop": [{"hooks": [
    {"type": "command", "command": "/opt/pt/proctrail snap --hook --trigger claude-stop"},
    {"type": "command", "command": "notify-send done"}]}]}})";
  EXPECT_EQ(removed(mixed), mixed);
}

TEST(ClaudeSettings, FollowsFourSpaceIndentation) {
  const std::string four = "{\n    \"model\": \"opus\"\n}";
  std::string result = added(four, {kCommands[2]});
  EXPECT_EQ(result, "{\n    \"model\": \"opus\",\n    \"hooks\": {\n        \"Stop\": [\n            {\n"
                    "                \"hooks\": [\n                    {\n"
                    "                        \"type\": \"command\",\n"
                    "                        \"command\": \"/opt/pt/proctrail snap --hook --trigger claude-stop\"\n"
                    "                    }\n                ]\n            }\n        ]\n    }\n}");
}

TEST(ClaudeSettings, FollowsTabsAndCrLf) {
  std::string result = added("{\r\n\t\"a\": true\r\n}\r\n");
  EXPECT_TRUE(result.starts_with("{\r\n\t\"a\": true,\r\n\t\"hooks\": {\r\n\t\t\"SessionStart\": [\r\n\t\t\t{")) << result;
  for (size_t i = 0; i < result.size(); ++i) {
    if (result[i] == '\n') {
      ASSERT_EQ(result[i - 1], '\r') << "bare newline at byte " << i;
    }
  }
}

TEST(ClaudeSettings, AOneLineFileStaysOnOneLine) {
  std::string result = added(R"({"a":[1,2]})", {kCommands[2]});
  EXPECT_EQ(result,
            R"({"a":[1,2],"hooks":{"Stop":[{"hooks":[{"type":"command","command":"/opt/pt/proctrail snap --hook --trigger claude-stop"}]}]}})");
}

TEST(ClaudeSettings, AppendsToAnEmptyEventArray) {
  std::string result = added("{\n  \"hooks\": {\n    \"Stop\": []\n  }\n}\n", {kCommands[2]});
  EXPECT_EQ(result, "{\n  \"hooks\": {\n    \"Stop\": [\n      {\n        \"hooks\": [\n          {\n"
                    "            \"type\": \"command\",\n"
                    "            \"command\": \"/opt/pt/proctrail snap --hook --trigger claude-stop\"\n"
                    "          }\n        ]\n      }\n    ]\n  }\n}\n");
}

TEST(ClaudeSettings, AnOlderCommandOfOursIsReplacedNotDoubled) {
  std::string old_install = added(kUserSettings, claude_hook_commands("/old/proctrail", ""));
  std::string new_install = added(old_install, claude_hook_commands("/new/proctrail", "/t.db"));
  EXPECT_EQ(commands_of(new_install, "Stop"), (std::vector<std::string>{
                                                  "notify-send 'done {]\"'",
                                                  "/new/proctrail --db /t.db snap --hook --trigger claude-stop"}));
  EXPECT_EQ(commands_of(new_install, "SessionStart"),
            std::vector<std::string>{"/new/proctrail --db /t.db snap --hook --trigger claude-session-start"});
  EXPECT_EQ(removed(new_install), kUserSettings);
}

TEST(ClaudeSettings, FindsKeysWrittenWithEscapesAndSkipsBracketsInStrings) {
  const std::string tricky = R"({"note": "}]{[\"", "hook\u0073": {"Stop": [{"hooks": [{"type": "command", "command": "x"}]}]}})";
  std::string result = added(tricky);
  auto settings = nlohmann::json::parse(result);
  EXPECT_EQ(settings.size(), 2u) << result;
  EXPECT_EQ(settings["note"], "}]{[\"");
  EXPECT_EQ(commands_of(result, "Stop"),
            (std::vector<std::string>{"x", "/opt/pt/proctrail snap --hook --trigger claude-stop"}));
  EXPECT_EQ(removed(result), tricky);
}

TEST(ClaudeSettings, KeepsAByteOrderMark) {
  const std::string bom = "\xEF\xBB\xBF{}\n";
  std::string result = added(bom);
  EXPECT_TRUE(result.starts_with("\xEF\xBB\xBF{\n  \"hooks\"")) << result;
  EXPECT_EQ(removed(result), bom);
}

TEST(ClaudeSettings, InvalidJsonIsRefusedWithOneLine) {
  for (const char* text : {"{", "{\"a\": 1,}", "// comment\n{}", "{\"a\": 1} trailing", "nul"}) {
    auto result = add_claude_hooks(text, kCommands);
    ASSERT_FALSE(result) << text;
    EXPECT_TRUE(result.error().message.starts_with("not valid JSON (")) << result.error().message;
    EXPECT_EQ(result.error().message.find('\n'), std::string::npos) << result.error().message;
    EXPECT_FALSE(remove_claude_hooks(text)) << text;
  }
}

TEST(ClaudeSettings, WrongTypesAreRefused) {
  auto top = add_claude_hooks("[1, 2]", kCommands);
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error().message, "its top level is not a JSON object");
  auto hooks = add_claude_hooks(R"({"hooks": []})", kCommands);
  ASSERT_FALSE(hooks);
  EXPECT_EQ(hooks.error().message, "its \"hooks\" is not an object");
  EXPECT_FALSE(remove_claude_hooks(R"({"hooks": "none"})"));
  auto event = add_claude_hooks(R"({"hooks": {"Stop": {"hooks": []}}})", kCommands);
  ASSERT_FALSE(event);
  EXPECT_EQ(event.error().message, "its \"hooks\".\"Stop\" is not an array");
}

TEST(ClaudeTrigger, EventNameLowercasedWithDashes) {
  EXPECT_EQ(claude_trigger("SessionStart"), "claude-session-start");
  EXPECT_EQ(claude_trigger("Stop"), "claude-stop");
}

// ---- the timer ----

const std::vector<std::string> kTimerCommand = {"/opt/pt/proctrail", "snap", "--trigger", "timer"};

TEST(SnapTimer, SystemdTimespans) {
  EXPECT_EQ(systemd_timespan(milliseconds(300'000)), "5min");
  EXPECT_EQ(systemd_timespan(milliseconds(90'000)), "1min 30s");
  EXPECT_EQ(systemd_timespan(milliseconds(1'500)), "1s 500ms");
  EXPECT_EQ(systemd_timespan(milliseconds(86'400'000 + 3'600'000)), "1d 1h");
}

TEST(SnapTimer, UnitsAsWritten) {
  TimerUnits units = snap_timer_units(kTimerCommand, milliseconds(300'000));
  EXPECT_EQ(units.service,
            "# Written by proctrail install-timer.\n"
            "[Unit]\n"
            "Description=proctrail: one snapshot of the running processes\n"
            "\n"
            "[Service]\n"
            "Type=oneshot\n"
            "ExecStart=/opt/pt/proctrail snap --trigger timer\n");
  EXPECT_EQ(units.timer,
            "# Written by proctrail install-timer.\n"
            "[Unit]\n"
            "Description=proctrail: a snapshot every 5min\n"
            "\n"
            "[Timer]\n"
            "OnBootSec=1min\n"
            "OnUnitActiveSec=5min\n"
            "AccuracySec=1s\n"
            "Unit=proctrail-snap.service\n"
            "\n"
            "[Install]\n"
            "WantedBy=timers.target\n");
}

TEST(SnapTimer, ExecStartQuotesSpacesAndEscapesSpecifiers) {
  TimerUnits units = snap_timer_units({"/opt/my tools/proctrail", "--db", "/t/50%$x.db", "snap"}, milliseconds(60'000));
  EXPECT_NE(units.service.find("ExecStart=\"/opt/my tools/proctrail\" --db \"/t/50%%$$x.db\" snap\n"),
            std::string::npos)
      << units.service;
}

const std::vector<std::string> kGuardCommand = {"/opt/pt/proctrail", "guard", "--once"};

TEST(SnapTimer, WithTheGuardTheServiceRunsItAfterTheSnapshot) {
  TimerUnits units = snap_timer_units(kTimerCommand, milliseconds(300'000), kGuardCommand);
  EXPECT_EQ(units.service,
            "# Written by proctrail install-timer.\n"
            "[Unit]\n"
            "Description=proctrail: one snapshot of the running processes, then the guard\n"
            "\n"
            "[Service]\n"
            "Type=oneshot\n"
            "ExecStart=/opt/pt/proctrail snap --trigger timer\n"
            "ExecStart=/opt/pt/proctrail guard --once\n");
  EXPECT_TRUE(units.timer.starts_with("# Written by proctrail install-timer.\n"
                                      "[Unit]\n"
                                      "Description=proctrail: a snapshot and the guard every 5min\n"))
      << units.timer;
  EXPECT_NE(units.timer.find("Unit=proctrail-snap.service\n"), std::string::npos);
}

TEST(SnapCron, WithTheGuardTheLineRunsItAfterASnapshotThatSucceeded) {
  auto line = snap_cron_line(kTimerCommand, milliseconds(600'000), kGuardCommand);
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(*line, "*/10 * * * * /opt/pt/proctrail snap --trigger timer && /opt/pt/proctrail guard --once");
  auto escaped = snap_cron_line({"/opt/50%/proctrail", "snap"}, milliseconds(60'000), {"/opt/50%/proctrail", "guard"});
  ASSERT_TRUE(escaped);
  EXPECT_EQ(*escaped, "* * * * * /opt/50\\%/proctrail snap && /opt/50\\%/proctrail guard");
}

TEST(SnapCron, EvenIntervalsBecomeCrontabLines) {
  auto line = [](int64_t ms) {
    auto result = snap_cron_line(kTimerCommand, milliseconds(ms));
    return result ? *result : "error: " + result.error().message;
  };
  EXPECT_EQ(line(300'000), "*/5 * * * * /opt/pt/proctrail snap --trigger timer");
  EXPECT_EQ(line(60'000), "* * * * * /opt/pt/proctrail snap --trigger timer");
  EXPECT_EQ(line(3'600'000), "0 * * * * /opt/pt/proctrail snap --trigger timer");
  EXPECT_EQ(line(6 * 3'600'000), "0 */6 * * * /opt/pt/proctrail snap --trigger timer");
  EXPECT_EQ(line(86'400'000), "0 0 * * * /opt/pt/proctrail snap --trigger timer");
  auto escaped = snap_cron_line({"/opt/50%/proctrail", "snap"}, milliseconds(60'000));
  ASSERT_TRUE(escaped);
  EXPECT_EQ(*escaped, "* * * * * /opt/50\\%/proctrail snap");
}

TEST(SnapCron, UnevenIntervalsAreAClearError) {
  for (int64_t ms : {90'000LL, 7 * 60'000LL, 5 * 3'600'000LL, 2 * 86'400'000LL, 500LL}) {
    auto line = snap_cron_line(kTimerCommand, milliseconds(ms));
    ASSERT_FALSE(line) << ms;
    EXPECT_TRUE(line.error().message.starts_with("cron cannot run a snapshot every ")) << line.error().message;
  }
}

}  // namespace
}  // namespace proctrail
