// parse_ps: `ps aux`, `ps -ef` and `ps -eo …` output with a header line, from Linux procps and from
// macOS/BSD ps. The header decides the layout: every column is one blank-separated token except the
// start column (lstart spans 5 tokens, procps `start` "Nov 20" spans 2) and the command, which is
// the rest of the line when it is the last column.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>
#include <unordered_set>

#include "proctrail/duration.hpp"
#include "import/parse.hpp"
#include "import/import_util.hpp"
#include "common/text_util.hpp"

namespace proctrail {
namespace {

using import_util::Civil;
using import_util::civil_of;
using import_util::parse_int;

enum class Field {
  pid, ppid, pgid, sid, user, uid, state, comm, command, threads, rss, vsz, cpu, start, etime, ignored, unknown
};

struct Column {
  Field field = Field::unknown;
  std::string name;  // as in the header
};

Field field_of(std::string_view name) {
  static const std::array<std::pair<std::string_view, Field>, 36> kNames = {{
      {"PID", Field::pid},         {"PPID", Field::ppid},       {"PGID", Field::pgid},     {"PGRP", Field::pgid},
      {"SID", Field::sid},         {"SESS", Field::sid},        {"USER", Field::user},     {"RUSER", Field::user},
      {"EUSER", Field::user},      {"UID", Field::uid},         {"RUID", Field::uid},      {"STAT", Field::state},
      {"S", Field::state},         {"STATE", Field::state},     {"COMM", Field::comm},     {"UCOMM", Field::comm},
      {"COMMAND", Field::command}, {"CMD", Field::command},     {"ARGS", Field::command},  {"NLWP", Field::threads},
      {"THCNT", Field::threads},   {"RSS", Field::rss},         {"RSZ", Field::rss},       {"VSZ", Field::vsz},
      {"VSIZE", Field::vsz},       {"TIME", Field::cpu},        {"CPUTIME", Field::cpu},   {"START", Field::start},
      {"STIME", Field::start},     {"STARTED", Field::start},   {"LSTART", Field::start},  {"ELAPSED", Field::etime},
      {"ETIME", Field::etime},     {"%CPU", Field::ignored},    {"%MEM", Field::ignored},  {"C", Field::ignored},
  }};
  static const std::unordered_set<std::string_view> kIgnored = {"TT", "TTY", "TNAME", "F", "PRI", "NI", "WCHAN", "ADDR", "SZ", "PSR"};
  for (const auto& [known, field] : kNames) {
    if (known == name) return field;
  }
  return kIgnored.contains(name) ? Field::ignored : Field::unknown;
}

// ---- tokens ------------------------------------------------------------------------------------

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Walks one line token by token; rest() is the remainder with its blanks intact.
class Tokens {
 public:
  explicit Tokens(std::string_view line) : line_(line) {}
  std::optional<std::string_view> next() {
    skip_blanks();
    if (at_ >= line_.size()) return std::nullopt;
    size_t start = at_;
    while (at_ < line_.size() && !is_blank(line_[at_])) ++at_;
    return line_.substr(start, at_ - start);
  }
  std::optional<std::string_view> peek(int ahead = 0) {
    Tokens copy = *this;
    std::optional<std::string_view> token;
    for (int i = 0; i <= ahead; ++i) token = copy.next();
    return token;
  }
  std::string_view rest() {
    skip_blanks();
    std::string_view text = line_.substr(at_);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    at_ = line_.size();
    return text;
  }

 private:
  void skip_blanks() {
    while (at_ < line_.size() && is_blank(line_[at_])) ++at_;
  }
  std::string_view line_;
  size_t at_ = 0;
};

std::vector<std::string_view> split_blanks(std::string_view line) {
  std::vector<std::string_view> out;
  Tokens tokens(line);
  while (auto token = tokens.next()) out.push_back(*token);
  return out;
}

// ---- times -------------------------------------------------------------------------------------

constexpr int64_t kUs = 1'000'000;
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

std::optional<unsigned> month_of(std::string_view name) {
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == name) return static_cast<unsigned>(i + 1);
  }
  return std::nullopt;
}

std::optional<int> weekday_of(std::string_view name) {
  for (size_t i = 0; i < kWeekdays.size(); ++i) {
    if (kWeekdays[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

struct Start {
  int64_t time_us = 0;
  int64_t precision_s = 1;
};

int64_t day_start_us(int64_t unix_us) {
  const int64_t day = 86400 * kUs;
  return unix_us >= 0 ? unix_us - unix_us % day : unix_us - ((unix_us % day) + day) % day;
}

// Bounds that keep a clock's arithmetic (and the µs computed from it) far from overflow: ps prints
// nothing near either.
constexpr int64_t kMaxClockDays = 10'000'000;
constexpr int64_t kMaxClockPart = 1'000'000'000;

// "[dd-][hh:]mm:ss[.cc]" → centiseconds; a bare number is seconds.
std::optional<int64_t> clock_centiseconds(std::string_view text) {
  int64_t days = 0;
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    auto parsed = parse_int(text.substr(0, dash));
    if (!parsed || *parsed < 0 || *parsed > kMaxClockDays) return std::nullopt;
    days = *parsed;
    text.remove_prefix(dash + 1);
  }
  int64_t fraction = 0;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    std::string_view digits = text.substr(dot + 1);
    auto parsed = parse_int(digits);
    if (!parsed || *parsed < 0 || digits.size() > 2) return std::nullopt;
    fraction = digits.size() == 1 ? *parsed * 10 : *parsed;
    text = text.substr(0, dot);
  }
  int64_t seconds = 0;
  int parts = 0;
  while (!text.empty()) {
    const size_t colon = text.find(':');
    auto parsed = parse_int(text.substr(0, colon));
    if (!parsed || *parsed < 0 || *parsed > kMaxClockPart || ++parts > 3) return std::nullopt;
    seconds = seconds * 60 + *parsed;
    text = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  }
  if (parts == 0) return std::nullopt;
  return ((days * 86400) + seconds) * 100 + fraction;
}

// "HH:MM", "HH:MM:SS" (procps) or "h:MMAM"/"h:MMPM" (macOS): the latest such time at or before taken_at.
std::optional<Start> clock_today(std::string_view text, int64_t taken_at_us) {
  int pm = -1;
  if (text.size() > 2 && (text.ends_with("AM") || text.ends_with("PM"))) {
    pm = text.ends_with("PM") ? 1 : 0;
    text.remove_suffix(2);
  }
  auto centiseconds = clock_centiseconds(text);
  if (!centiseconds || text.find('-') != std::string_view::npos || text.find('.') != std::string_view::npos) {
    return std::nullopt;
  }
  const bool with_seconds = std::count(text.begin(), text.end(), ':') == 2;
  if (pm >= 0 && with_seconds) return std::nullopt;
  // "14:03" parsed as minutes:seconds; as a clock it is hours:minutes.
  int64_t seconds = with_seconds ? *centiseconds / 100 : *centiseconds / 100 * 60;
  if (pm >= 0) {
    const int64_t hour = seconds / 3600;
    if (hour < 1 || hour > 12) return std::nullopt;
    seconds = (hour % 12 + 12 * pm) * 3600 + seconds % 3600;
  }
  if (seconds >= 86400) return std::nullopt;
  int64_t start = day_start_us(taken_at_us) + seconds * kUs;
  if (start > taken_at_us) start -= 86400 * kUs;
  return Start{start, with_seconds ? 1 : 60};
}

// "Thu02PM" (macOS, within the last week): that weekday and hour, at or before taken_at.
std::optional<Start> weekday_hour(std::string_view text, int64_t taken_at_us) {
  if (text.size() != 7) return std::nullopt;
  auto weekday = weekday_of(text.substr(0, 3));
  auto hour = parse_int(text.substr(3, 2));
  std::string_view half = text.substr(5);
  if (!weekday || !hour || *hour < 1 || *hour > 12 || (half != "AM" && half != "PM")) return std::nullopt;
  const int64_t hour24 = *hour % 12 + (half == "PM" ? 12 : 0);
  const int64_t today = day_start_us(taken_at_us);
  const int64_t today_weekday = ((today / (86400 * kUs)) % 7 + 7 + 4) % 7;  // 1970-01-01 was a Thursday
  const int64_t back_days = (today_weekday - *weekday + 7) % 7;
  int64_t start = today - back_days * 86400 * kUs + hour24 * 3600 * kUs;
  if (start > taken_at_us) start -= 7 * 86400 * kUs;
  return Start{start, 3600};
}

// A date without a year (procps "Nov20", "Nov 20"): the latest such day at or before taken_at.
std::optional<Start> month_day(unsigned month, int64_t day, int64_t taken_at_us) {
  if (day < 1 || day > 31) return std::nullopt;
  const Civil now = civil_of(taken_at_us);
  int64_t start = unix_us_from_utc(now.year, month, static_cast<unsigned>(day), 0, 0, 0);
  if (start > taken_at_us) start = unix_us_from_utc(now.year - 1, month, static_cast<unsigned>(day), 0, 0, 0);
  return Start{start, 86400};
}

// "20Nov25", "2Nov25", "20Nov2025" (macOS: day, month, year).
std::optional<Start> day_month_year(std::string_view text) {
  const size_t letters = text.find_first_not_of("0123456789");
  if (letters == std::string_view::npos || letters == 0 || letters > 2 || text.size() < letters + 5) return std::nullopt;
  auto day = parse_int(text.substr(0, letters));
  auto month = month_of(text.substr(letters, 3));
  std::string_view year_text = text.substr(letters + 3);
  auto year = parse_int(year_text);
  if (!day || !month || !year || *day < 1 || *day > 31 || (year_text.size() != 2 && year_text.size() != 4)) {
    return std::nullopt;
  }
  const int64_t full_year = year_text.size() == 2 ? 2000 + *year : *year;
  return Start{unix_us_from_utc(full_year, *month, static_cast<unsigned>(*day), 0, 0, 0), 86400};
}

// One-token START/STIME/STARTED forms of procps and macOS.
std::optional<Start> coarse_start(std::string_view text, int64_t taken_at_us) {
  if (text.find(':') != std::string_view::npos) return clock_today(text, taken_at_us);
  if (text.size() == 4 && text.find_first_not_of("0123456789") == std::string_view::npos) {
    const int64_t year = *parse_int(text);
    const int64_t begin = unix_us_from_utc(year, 1, 1, 0, 0, 0);
    return Start{begin, (unix_us_from_utc(year + 1, 1, 1, 0, 0, 0) - begin) / kUs};
  }
  if (text.size() == 5) {  // procps "Nov20"
    auto month = month_of(text.substr(0, 3));
    auto day = parse_int(text.substr(3));
    if (month && day) return month_day(*month, *day, taken_at_us);
  }
  if (auto start = weekday_hour(text, taken_at_us)) return start;
  return day_month_year(text);
}

// A start year outside these is not a time ps printed (and a far one would overflow unix µs).
constexpr int64_t kFirstYear = 1970;
constexpr int64_t kLastYear = 9999;

// lstart: "Tue Nov 24 09:12:01 2026".
std::optional<Start> long_start(const std::array<std::string_view, 5>& parts) {
  auto month = month_of(parts[1]);
  auto day = parse_int(parts[2]);
  auto year = parse_int(parts[4]);
  std::string_view clock = parts[3];
  if (!weekday_of(parts[0]) || !month || !day || !year || clock.size() != 8 || clock[2] != ':' || clock[5] != ':') {
    return std::nullopt;
  }
  auto hour = parse_int(clock.substr(0, 2));
  auto minute = parse_int(clock.substr(3, 2));
  auto second = parse_int(clock.substr(6, 2));
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 60 || *day < 1 || *day > 31 ||
      *year < kFirstYear || *year > kLastYear) {
    return std::nullopt;
  }
  return Start{unix_us_from_utc(*year, *month, static_cast<unsigned>(*day), static_cast<unsigned>(*hour),
                                static_cast<unsigned>(*minute), static_cast<unsigned>(*second)),
               1};
}

// ---- lines -------------------------------------------------------------------------------------

struct Layout {
  std::vector<Column> columns;
  std::string format;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string describe(const std::vector<Column>& columns) {
  std::string header, names, unknown;
  for (const auto& column : columns) {
    text::append_item(header, " ", column.name);
    text::append_item(names, ",", lower(column.name));
    if (column.field == Field::unknown) text::append_item(unknown, ", ", column.name);
  }
  if (header == "USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND") return "ps aux (procps)";
  if (header == "USER PID %CPU %MEM VSZ RSS TT STAT STARTED TIME COMMAND") return "ps aux (macOS)";
  if (header == "UID PID PPID C STIME TTY TIME CMD") return "ps -ef";
  std::string format = "ps -eo " + names;
  if (!unknown.empty()) format += " (ignored: " + unknown + ")";
  return format;
}

// Reads the value of one column into the process; an error message when the value is malformed.
class LineParser {
 public:
  LineParser(const Layout& layout, int64_t taken_at_us) : layout_(layout), taken_at_us_(taken_at_us) {}

  Result<ImportedProcess> parse(std::string_view line) const {
    Tokens tokens(line);
    ImportedProcess process;
    bool has_pid = false;
    for (size_t i = 0; i < layout_.columns.size(); ++i) {
      const Column& column = layout_.columns[i];
      const bool last = i + 1 == layout_.columns.size();
      if (column.field == Field::command && last) {
        std::string_view rest = tokens.rest();
        if (rest.empty()) return Error{"too few fields (no " + column.name + ")"};
        process.command = std::string(rest);
        continue;
      }
      if (column.field == Field::start) {
        if (auto error = read_start(tokens, column, process)) return Error{*error};
        continue;
      }
      auto token = tokens.next();
      if (!token) return Error{"too few fields (no " + column.name + ")"};
      if (auto error = read_value(column, *token, process)) return Error{*error};
      has_pid = has_pid || column.field == Field::pid;
    }
    if (!has_pid) return Error{"no PID"};
    return process;
  }

 private:
  static std::string bad(const Column& column, std::string_view value) {
    return column.name + " is not a " + (column.field == Field::pid ? "number" : "valid value") + ": '" +
           std::string(value.substr(0, 40)) + "'";
  }

  std::optional<std::string> read_start(Tokens& tokens, const Column& column, ImportedProcess& process) const {
    auto first = tokens.peek();
    if (!first) return "too few fields (no " + column.name + ")";
    std::optional<Start> start;
    if (weekday_of(*first)) {  // lstart: 5 tokens
      std::array<std::string_view, 5> parts;
      for (auto& part : parts) {
        auto token = tokens.next();
        if (!token) return "too few fields (" + column.name + " needs 5)";
        part = *token;
      }
      start = long_start(parts);
      if (!start) return bad(column, std::string(parts[0]) + " " + std::string(parts[1]) + " " + std::string(parts[2]));
    } else if (auto month = month_of(*first); month && first->size() == 3) {  // procps start: "Nov 20"
      tokens.next();
      auto day = tokens.next();
      if (!day) return "too few fields (no " + column.name + " day)";
      auto day_number = parse_int(*day);
      if (day_number) start = month_day(*month, *day_number, taken_at_us_);
      if (!start) return bad(column, *day);
    } else {
      tokens.next();
      start = coarse_start(*first, taken_at_us_);
      if (!start && *first != "-") return bad(column, *first);
    }
    // An exact ETIME (read before or after this column) wins over a coarse start.
    if (start && (!process.start_precision_s || *process.start_precision_s > start->precision_s)) {
      process.start_time_us = start->time_us;
      process.start_precision_s = start->precision_s;
    }
    return std::nullopt;
  }

  std::optional<std::string> read_value(const Column& column, std::string_view token, ImportedProcess& process) const {
    auto number = [&](auto& out) -> bool {
      auto parsed = parse_int(token);
      if (!parsed || *parsed < 0) return false;
      out = static_cast<std::remove_reference_t<decltype(*out)>>(*parsed);
      return true;
    };
    switch (column.field) {
      case Field::pid: {
        auto pid = parse_int(token);
        if (!pid || *pid <= 0 || *pid > std::numeric_limits<pid_t>::max()) return bad(column, token);
        process.pid = static_cast<pid_t>(*pid);
        return std::nullopt;
      }
      case Field::ppid:
        return number(process.ppid) ? std::nullopt : std::optional(bad(column, token));
      case Field::pgid:
        return number(process.pgid) ? std::nullopt : std::optional(bad(column, token));
      case Field::sid:
        return number(process.sid) ? std::nullopt : std::optional(bad(column, token));
      case Field::threads:
        return number(process.threads) ? std::nullopt : std::optional(bad(column, token));
      case Field::rss:
        return number(process.rss_kb) ? std::nullopt : std::optional(bad(column, token));
      case Field::vsz:
        return number(process.vsz_kb) ? std::nullopt : std::optional(bad(column, token));
      case Field::uid:
        if (!number(process.uid)) process.user = std::string(token);  // procps -ef prints names under UID
        return std::nullopt;
      case Field::user:
        process.user = std::string(token);
        return std::nullopt;
      case Field::state:
        if (!std::isalpha(static_cast<unsigned char>(token.front()))) return bad(column, token);
        process.state = std::string(1, token.front());
        return std::nullopt;
      case Field::comm:
        process.comm = std::string(token);
        return std::nullopt;
      case Field::command:  // not the last column: one token
        process.command = std::string(token);
        return std::nullopt;
      case Field::cpu:
        process.cpu_ticks = clock_centiseconds(token);
        return process.cpu_ticks ? std::nullopt : std::optional(bad(column, token));
      case Field::etime:
        return read_elapsed(column, token, process);
      case Field::start:
      case Field::ignored:
      case Field::unknown:
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<std::string> read_elapsed(const Column& column, std::string_view token, ImportedProcess& process) const {
    auto centiseconds = clock_centiseconds(token);
    if (!centiseconds || token.find('.') != std::string_view::npos) return bad(column, token);
    const int64_t taken_at_s = taken_at_us_ / kUs;
    process.start_time_us = (taken_at_s - *centiseconds / 100) * kUs;
    process.start_precision_s = 1;
    return std::nullopt;
  }

  const Layout& layout_;
  int64_t taken_at_us_;
};

std::string truncated(std::string_view line) { return std::string(line.substr(0, kSkippedTextMax)); }

// parse_ps in the capturing machine's own clock: `taken_at_us` is its local wall time as if UTC.
Result<ImportedTable> parse_ps_local(std::string_view text, int64_t taken_at_us) {
  auto lines = import_util::split_lines(text);
  size_t header_at = 0;
  while (header_at < lines.size() && split_blanks(lines[header_at]).empty()) ++header_at;
  if (header_at == lines.size()) return Error{"not ps output (empty)", ErrorKind::corrupt};
  Layout layout;
  for (auto name : split_blanks(lines[header_at])) layout.columns.push_back(Column{field_of(name), std::string(name)});
  if (std::none_of(layout.columns.begin(), layout.columns.end(), [](const Column& c) { return c.field == Field::pid; })) {
    return Error{"not ps output (no PID column in the header line)", ErrorKind::corrupt};
  }
  layout.format = describe(layout.columns);

  ImportedTable table;
  table.format = layout.format;
  LineParser parser(layout, taken_at_us);
  std::unordered_set<pid_t> seen;
  for (size_t i = header_at + 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (split_blanks(line).empty()) continue;
    ++table.lines_read;
    const int64_t line_number = static_cast<int64_t>(i) + 1;
    auto process = parser.parse(line);
    if (!process) {
      table.skipped.push_back(SkippedLine{line_number, process.error().message, truncated(line)});
      continue;
    }
    if (!seen.insert(process->pid).second) {
      table.skipped.push_back(SkippedLine{line_number, "pid " + std::to_string(process->pid) + " listed twice", truncated(line)});
      continue;
    }
    table.processes.push_back(std::move(*process));
  }
  table.lines_taken = table.lines_read - static_cast<int64_t>(table.skipped.size());
  return table;
}

}  // namespace

Result<ImportedTable> parse_ps(std::string_view text, int64_t taken_at_us, int64_t utc_offset_s) {
  if (utc_offset_s < -kMaxUtcOffsetS || utc_offset_s > kMaxUtcOffsetS) {
    return Error{"UTC offset " + std::to_string(utc_offset_s) + " s is beyond ±18:00", ErrorKind::bad_input};
  }
  const int64_t offset_us = utc_offset_s * kUs;
  auto table = parse_ps_local(text, taken_at_us + offset_us);
  if (!table) return table;
  for (auto& process : table->processes) {
    if (process.start_time_us) *process.start_time_us -= offset_us;
  }
  return table;
}

Result<int64_t> parse_utc_offset(std::string_view text) {
  const std::string shown(text);
  if (text == "Z" || text == "UTC") return int64_t{0};
  auto bad = [&shown] {
    return Error{"not a UTC offset: \"" + shown + "\" (use +01:00, -05:30, +0100 or Z)", ErrorKind::bad_input};
  };
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return bad();
  std::string_view digits = text.substr(1);
  std::string_view hours_text = digits.substr(0, 2);
  std::string_view minutes_text;
  if (digits.size() == 5 && digits[2] == ':') minutes_text = digits.substr(3);
  else if (digits.size() == 4) minutes_text = digits.substr(2);
  else if (digits.size() != 2) return bad();
  auto all_digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(hours_text) || !all_digits(minutes_text)) return bad();
  const int64_t hours = (hours_text[0] - '0') * 10 + (hours_text[1] - '0');
  const int64_t minutes = minutes_text.empty() ? 0 : (minutes_text[0] - '0') * 10 + (minutes_text[1] - '0');
  if (minutes > 59) return bad();
  const int64_t seconds = (hours * 60 + minutes) * 60;
  if (seconds > kMaxUtcOffsetS) return Error{"UTC offset \"" + shown + "\" is beyond ±18:00", ErrorKind::bad_input};
  return text[0] == '-' ? -seconds : seconds;
}

std::string format_utc_offset(int64_t utc_offset_s) {
  const uint64_t magnitude = utc_offset_s < 0 ? 0 - static_cast<uint64_t>(utc_offset_s) : static_cast<uint64_t>(utc_offset_s);
  char text[48];
  std::snprintf(text, sizeof text, "%c%02llu:%02llu", utc_offset_s < 0 ? '-' : '+',
                static_cast<unsigned long long>(magnitude / 3600), static_cast<unsigned long long>(magnitude / 60 % 60));
  return text;
}

}  // namespace proctrail
