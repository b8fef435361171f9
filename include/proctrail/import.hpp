#pragma once
// `proctrail import`: the text of `ps` (procps and macOS/BSD) and `lsof -F` output, parsed into
// plain structs. Parsing is pure (text in, table out); the store writes a table as one snapshot
// (Store::record_import). A field the source does not print stays nullopt: nothing is guessed.
// ImportedTable and its rows: model.hpp.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proctrail/model.hpp"
#include "proctrail/process.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// ps output with its header line. `taken_at_us` is when ps ran: ETIME and the coarse START/STIME
// forms ("14:03", "Nov20", "2:03PM", "Thu02PM") are relative to it. ps prints the capturing
// machine's wall clock: its times are read as local times `utc_offset_s` seconds east of UTC (one
// offset for the whole file; a daylight-saving change inside it shifts the earlier side by the
// step) and every start_time_us is returned in UTC. ETIME starts do not depend on the offset.
// Errors: no header with a PID column.
Result<ImportedTable> parse_ps(std::string_view text, int64_t taken_at_us, int64_t utc_offset_s = 0);

// The offsets a clock can be from UTC: -18:00 to +18:00 (ISO 8601's range).
inline constexpr int64_t kMaxUtcOffsetS = 18 * 3600;

// "+01:00", "-05:30", "+0100", "+01", "Z", "UTC": seconds east of UTC. Errors: anything else, or
// beyond ±18:00.
Result<int64_t> parse_utc_offset(std::string_view text);

// "+01:00", "-05:30", "+00:00": the form parse_utc_offset reads.
std::string format_utc_offset(int64_t utc_offset_s);

// `lsof -F` field output, newline- or NUL-separated (-F0). Errors: no process set at all.
Result<ImportedTable> parse_lsof(std::string_view text);

}  // namespace proctrail
