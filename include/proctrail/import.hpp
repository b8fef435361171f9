#pragma once
// `proctrail import`: the text of `ps` (procps and macOS/BSD) and `lsof -F` output, parsed into
// plain structs. Parsing is pure (text in, table out); the store writes a table as one snapshot
// (Store::record_import). A field the source does not print stays nullopt: nothing is guessed.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proctrail/process.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// One process as ps or lsof printed it.
struct ImportedProcess {
  pid_t pid = 0;
  std::optional<pid_t> ppid;
  std::optional<pid_t> pgid;
  std::optional<pid_t> sid;
  std::optional<uid_t> uid;               // a numeric UID column (or lsof's u)
  std::optional<std::string> user;        // a user name as printed (USER, or a UID column printing names)
  std::optional<std::string> state;       // first letter of STAT/S (R S D Z T I U ...)
  std::optional<std::string> comm;        // COMM/UCOMM column, or lsof's c
  std::optional<std::string> command;     // COMMAND/ARGS/CMD text verbatim (argument boundaries are lost)
  std::optional<int64_t> threads;         // NLWP/THCNT
  std::optional<int64_t> rss_kb;          // RSS, KiB
  std::optional<int64_t> vsz_kb;          // VSZ, KiB
  std::optional<int64_t> cpu_ticks;       // TIME: user + system CPU, 1/100 s
  std::optional<int64_t> start_time_us;   // start, or the start of the interval it lies in (unix µs, UTC)
  std::optional<int64_t> start_precision_s;  // width of that interval: 1 (lstart, etime), 60, 3600, 86400, a year
  std::optional<std::string> cwd;         // lsof's cwd
  std::vector<FdSample> fds;              // lsof's numbered descriptors
};

// A line that was not taken, and why.
struct SkippedLine {
  int64_t line_number = 0;  // 1-based line of the source file
  std::string reason;
  std::string text;         // the line, truncated to kSkippedTextMax bytes
};
inline constexpr size_t kSkippedTextMax = 200;

struct ImportedTable {
  std::string format;                      // "ps aux (procps)", "ps aux (macOS)", "ps -ef", "ps -eo pid,…", "lsof -F"
  std::vector<ImportedProcess> processes;  // in source order, one per pid
  std::vector<SkippedLine> skipped;
  int64_t lines_read = 0;                  // non-blank lines after the header (ps) or field lines (lsof)
  int64_t lines_taken = 0;                 // lines_read minus the skipped ones
  std::vector<SocketSample> sockets;       // lsof: sockets with a known inode, one per inode
  int64_t fds_not_numbered = 0;            // lsof: txt, mem, rtd, ... entries (cwd goes to the process)
};

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
