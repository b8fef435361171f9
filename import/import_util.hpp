#pragma once
// Small text helpers shared by the ps and lsof parsers (recorder/import_*.cpp).
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace proctrail::import_util {

// A whole decimal number (an optional leading '-'), nothing else.
inline std::optional<int64_t> parse_int(std::string_view text) {
  int64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// Lines without their '\n' (a trailing '\r' stays: the parsers treat it as a blank).
inline std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

struct Civil {
  int64_t year = 1970;
  unsigned month = 1;
  unsigned day = 1;
};

// The UTC date of a unix µs time (proleptic Gregorian; H. Hinnant's civil_from_days).
inline Civil civil_of(int64_t unix_us) {
  constexpr int64_t kDayUs = 86'400'000'000;
  int64_t days = unix_us >= 0 ? unix_us / kDayUs : -((-unix_us + kDayUs - 1) / kDayUs);
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const unsigned day = static_cast<unsigned>(day_of_year - (153 * mp + 2) / 5 + 1);
  const unsigned month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return Civil{year_of_era + era * 400 + (month <= 2), month, day};
}

}  // namespace proctrail::import_util
