#pragma once
// The ps and lsof parsers (pure: text in, table out), behind parse_import_file.
#include <cstdint>
#include <string_view>

#include "proctrail/import.hpp"

namespace proctrail {

// ps output with its header line. `taken_at_us` is when ps ran: ETIME and the coarse START/STIME
// forms ("14:03", "Nov20", "2:03PM", "Thu02PM") are relative to it. ps prints the capturing
// machine's wall clock: its times are read as local times `utc_offset_s` seconds east of UTC (one
// offset for the whole file; a daylight-saving change inside it shifts the earlier side by the
// step) and every start_time_us is returned in UTC. ETIME starts do not depend on the offset.
// Errors: no header with a PID column.
Result<ImportedTable> parse_ps(std::string_view text, int64_t taken_at_us, int64_t utc_offset_s = 0);

// `lsof -F` field output, newline- or NUL-separated (-F0). Errors: no process set at all.
Result<ImportedTable> parse_lsof(std::string_view text);

}  // namespace proctrail
