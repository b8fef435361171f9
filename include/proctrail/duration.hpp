#pragma once
#include <chrono>
#include <cstdint>
#include <string_view>

#include "proctrail/result.hpp"

namespace proctrail {

// "500ms", "10s", "5m", "2h", "7d", "1h30m"; a bare number is seconds. Positive, at most 100 years.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// Unix µs of a UTC civil time (proleptic Gregorian).
int64_t unix_us_from_utc(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned minute, unsigned second);

// A --since/--until bound: a duration back from `now_us` ("2h", "7d"), or a UTC timestamp
// ("2026-11-24", "2026-11-24T05:00", "2026-11-24 05:00:00", optional trailing Z) → unix µs.
Result<int64_t> parse_time_bound(std::string_view text, int64_t now_us);

}  // namespace proctrail
