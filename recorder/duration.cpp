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
  return Error{"bad duration '" + std::string(text) + "': " + why + " (use e.g. 500ms, 10s, 5m, 2h, 7d)"};
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

}  // namespace proctrail
