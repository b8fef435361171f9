#pragma once
#include <chrono>
#include <string_view>

#include "proctrail/result.hpp"

namespace proctrail {

// "500ms", "10s", "5m", "2h", "7d", "1h30m"; a bare number is seconds. Positive, at most 100 years.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace proctrail
