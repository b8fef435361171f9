#pragma once
// Installers: proctrail's hooks in Claude Code's settings.json, and a systemd timer (or a cron line)
// that takes a snapshot at a fixed interval. The text is generated and edited by pure functions;
// write_file_atomically puts it in place.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proctrail/result.hpp"

namespace proctrail {

// ---- Claude Code hooks ----

// Every command install-hooks adds contains this, and nothing else is removed by uninstall-hooks.
inline constexpr std::string_view kClaudeHookMarker = "snap --hook --trigger claude-";

struct HookCommand {
  std::string event;    // Claude Code's hook event: SessionStart, SessionEnd, Stop
  std::string command;  // the shell command it runs
};
using HookCommands = std::vector<HookCommand>;

// "SessionStart" → "claude-session-start".
std::string claude_trigger(std::string_view event);

// The triggers of every hook install-hooks writes, for snap's --trigger check.
std::vector<std::string> claude_triggers();

// Whether SessionStart also starts `proctrail guard --once`, so each new session reaps what earlier
// sessions left.
enum class GuardAtSessionStart { no, yes };

// `<binary> [--db DB] snap --hook --trigger claude-<event>` for SessionStart, SessionEnd and Stop,
// each word shell-quoted as needed; no --db when `db` is empty. With the guard, SessionStart's command
// goes on with claude_guard_command, so it still contains kClaudeHookMarker (uninstall-hooks finds it).
HookCommands claude_hook_commands(const std::string& binary, const std::string& db,
                                  GuardAtSessionStart guard = GuardAtSessionStart::no);

// `; setsid <binary> [--db DB] guard --once </dev/null >/dev/null 2>&1 &`: started after the snapshot,
// in its own session with no descriptor of the hook's, so the client never waits for it (its stdout
// would otherwise become the session's context) and a cancelled hook's group signal never reaches it.
std::string claude_guard_command(const std::string& binary, const std::string& db);

// settings.json with one matcher group {"hooks":[{"type":"command","command":C}]} appended to each
// event's array for every command not already there (an older group of ours for that event, with a
// different command, is replaced). Every byte outside the added text is kept; the added text follows
// the file's indentation. Empty text is read as {}. An error (one line, no file name) when the text
// is not JSON, or its top level, "hooks" or one of the events has the wrong type.
Result<std::string> add_claude_hooks(std::string_view settings_text, const HookCommands& commands);

// settings.json without the matcher groups whose every hook's command contains kClaudeHookMarker; an
// event array or "hooks" object that this empties goes too. Unchanged text when there is none.
Result<std::string> remove_claude_hooks(std::string_view settings_text);

// ---- the snapshot timer ----

struct TimerUnits {
  std::string service;  // proctrail-snap.service
  std::string timer;    // proctrail-snap.timer
};

inline constexpr std::string_view kTimerServiceName = "proctrail-snap.service";
inline constexpr std::string_view kTimerName = "proctrail-snap.timer";
// The first line of both units; uninstall-timer removes only files that start with it.
inline constexpr std::string_view kTimerUnitHeader = "# Written by proctrail install-timer.";

// 90s → "1min 30s", 5m → "5min", 1500ms → "1s 500ms": a systemd time span.
std::string systemd_timespan(std::chrono::milliseconds span);

// The service runs `command` once (Type=oneshot), then `guard_command` when it is not empty and the
// snapshot succeeded; the timer starts it a minute after boot and then `interval` after each run.
TimerUnits snap_timer_units(const std::vector<std::string>& command, std::chrono::milliseconds interval,
                            const std::vector<std::string>& guard_command = {});

// A crontab line that runs `command` every `interval` (then `&& guard_command` when it is not empty);
// an error when cron cannot run it at that even interval (not whole minutes, or minutes that do not
// divide an hour, hours that do not divide a day).
Result<std::string> snap_cron_line(const std::vector<std::string>& command, std::chrono::milliseconds interval,
                                   const std::vector<std::string>& guard_command = {});

// ---- files ----

// The whole file; nullopt when it does not exist.
Result<std::optional<std::string>> read_file_if_exists(const std::filesystem::path& file);

// Replaces `file` with `text`: a temporary file in the same folder, fsync, rename, fsync of the folder.
// The new file keeps the mode of the one it replaces, else gets `new_file_mode`. The folder must exist.
Status write_file_atomically(const std::filesystem::path& file, std::string_view text, mode_t new_file_mode);

}  // namespace proctrail
