#include <charconv>
#include <string>

#include "proctrail/duration.hpp"

namespace proctrail {
namespace {

// Milliseconds per unit, or 0 for an unknown unit.
int64_t unit_ms(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s" || unit.empty()) return 1000;
  if (unit == "m" || unit == "min") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  if (unit == "w") return 7 * 86'400'000LL;
  return 0;
}

Error bad(std::string_view text, const char* why) {
  return Error{"bad duration '" + std::string(text) + "': " + why + " (use e.g. 500ms, 10s, 5m, 2h, 7d)",
               ErrorKind::bad_input};
}

}  // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  constexpr int64_t kMaxMs = 100LL * 365 * 86'400'000;
  if (text.empty()) return bad(text, "empty");
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t number = 0;
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), number);
    if (ec != std::errc() || number < 0) return bad(text, "expected a number");
    pos = static_cast<size_t>(ptr - text.data());
    size_t unit_start = pos;
    while (pos < text.size() && text[pos] >= 'a' && text[pos] <= 'z') ++pos;
    int64_t per_unit = unit_ms(text.substr(unit_start, pos - unit_start));
    if (per_unit == 0) return bad(text, "unknown unit");
    if (number > kMaxMs / per_unit) return bad(text, "too long");
    total += number * per_unit;
    if (total > kMaxMs) return bad(text, "too long");
  }
  if (total == 0) return bad(text, "must be positive");
  return std::chrono::milliseconds(total);
}

int64_t unix_us_from_utc(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned minute, unsigned second) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const int64_t days = era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
  return (days * 86400 + hour * 3600 + minute * 60 + second) * 1'000'000;
}

Result<int64_t> parse_time_bound(std::string_view text, int64_t now_us) {
  if (auto back = parse_duration(text)) return now_us - back->count() * 1000;
  auto number = [&](size_t at, size_t length, auto& out) {
    if (text.size() < at + length) return false;
    auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + at + length, out);
    return ec == std::errc() && ptr == text.data() + at + length;
  };
  int64_t year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string_view rest = text;
  if (!rest.empty() && rest.back() == 'Z') rest.remove_suffix(1);
  bool ok = rest.size() >= 10 && rest[4] == '-' && rest[7] == '-' && number(0, 4, year) && number(5, 2, month) &&
            number(8, 2, day);
  if (ok && rest.size() > 10) {
    ok = (rest[10] == 'T' || rest[10] == ' ') && rest.size() >= 16 && rest[13] == ':' && number(11, 2, hour) &&
         number(14, 2, minute);
    if (ok && rest.size() > 16) ok = rest.size() == 19 && rest[16] == ':' && number(17, 2, second);
  }
  if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return Error{"bad time '" + std::string(text) + "': use a duration back from now (2h, 7d) or a UTC time (2026-11-24T05:00)",
                 ErrorKind::bad_input};
  }
  return unix_us_from_utc(year, month, day, hour, minute, second);
}

}  // namespace proctrail
