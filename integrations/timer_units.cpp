// The snapshot timer (and, with --guard, the guard after each snapshot): a systemd service + timer
// pair, or a crontab line.
#include <array>
#include <cstdint>
#include <string>

#include "proctrail/install.hpp"
#include "proctrail/procfs.hpp"
#include "common/text_util.hpp"

namespace proctrail {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;

bool is_systemd_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("/._-+=:,@").find(c) != std::string_view::npos;
}

// One word of an ExecStart= line: double-quoted when needed, with % and $ escaped (systemd expands
// specifiers and variables there).
std::string systemd_word(const std::string& word) {
  bool safe = !word.empty();
  for (char c : word) safe = safe && is_systemd_safe(c);
  if (safe) return word;
  std::string out = "\"";
  for (char c : word) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '%' || c == '$') out += c;
    out += c;
  }
  return out + "\"";
}

std::string systemd_command(const std::vector<std::string>& command) {
  std::string line;
  for (const auto& word : command) text::append_item(line, " ", systemd_word(word));
  return line;
}

// crontab(5) turns an unescaped % into a newline.
std::string cron_command(const std::vector<std::string>& command) {
  std::string line;
  for (char c : quote_argv(command)) {
    if (c == '%') line += '\\';
    line += c;
  }
  return line;
}

Error cron_cannot(std::chrono::milliseconds interval, const char* why) {
  return Error{"cron cannot run a snapshot every " + systemd_timespan(interval) + ": " + why +
               " (use minutes that divide an hour, hours that divide a day, 1d or 1w; or the systemd timer)",
               ErrorKind::bad_input};
}

}  // namespace

std::string systemd_timespan(std::chrono::milliseconds span) {
  static constexpr std::array<std::pair<int64_t, const char*>, 6> kUnits = {{
      {7 * kDayMs, "w"}, {kDayMs, "d"}, {kHourMs, "h"}, {kMinuteMs, "min"}, {1000, "s"}, {1, "ms"}}};
  int64_t left = span.count();
  std::string text;
  for (const auto& [unit_ms, name] : kUnits) {
    if (left < unit_ms) continue;
    text::append_item(text, " ", std::to_string(left / unit_ms) + name);
    left %= unit_ms;
  }
  return text.empty() ? "0" : text;
}

TimerUnits snap_timer_units(const std::vector<std::string>& command, std::chrono::milliseconds interval,
                            const std::vector<std::string>& guard_command) {
  const std::string header(kTimerUnitHeader);
  const bool guard = !guard_command.empty();
  TimerUnits units;
  units.service = header + "\n"
                  "[Unit]\n"
                  "Description=proctrail: one snapshot of the running processes" +
                  (guard ? ", then the guard" : "") + "\n"
                  "\n"
                  "[Service]\n"
                  "Type=oneshot\n"
                  "ExecStart=" + systemd_command(command) + "\n";
  if (guard) units.service += "ExecStart=" + systemd_command(guard_command) + "\n";
  units.timer = header + "\n"
                "[Unit]\n"
                "Description=proctrail: a snapshot" + (guard ? " and the guard" : "") + " every " +
                systemd_timespan(interval) + "\n"
                "\n"
                "[Timer]\n"
                "OnBootSec=1min\n"
                "OnUnitActiveSec=" + systemd_timespan(interval) + "\n"
                "AccuracySec=1s\n"
                "Unit=" + std::string(kTimerServiceName) + "\n"
                "\n"
                "[Install]\n"
                "WantedBy=timers.target\n";
  return units;
}

Result<std::string> snap_cron_line(const std::vector<std::string>& command, std::chrono::milliseconds interval,
                                   const std::vector<std::string>& guard_command) {
  const int64_t ms = interval.count();
  std::string schedule;
  if (ms % kMinuteMs != 0) return cron_cannot(interval, "cron counts whole minutes");
  if (ms < kHourMs) {
    const int64_t minutes = ms / kMinuteMs;
    if (60 % minutes != 0) return cron_cannot(interval, "the minutes do not divide an hour");
    schedule = minutes == 1 ? "* * * * *" : "*/" + std::to_string(minutes) + " * * * *";
  } else if (ms < kDayMs) {
    if (ms % kHourMs != 0) return cron_cannot(interval, "not whole hours");
    const int64_t hours = ms / kHourMs;
    if (24 % hours != 0) return cron_cannot(interval, "the hours do not divide a day");
    schedule = hours == 1 ? "0 * * * *" : "0 */" + std::to_string(hours) + " * * *";
  } else if (ms == kDayMs) {
    schedule = "0 0 * * *";
  } else if (ms == 7 * kDayMs) {
    schedule = "0 0 * * 0";
  } else {
    return cron_cannot(interval, "only 1d and 1w are even beyond a day");
  }
  std::string line = schedule + " " + cron_command(command);
  if (!guard_command.empty()) line += " && " + cron_command(guard_command);
  return line;
}

}  // namespace proctrail
