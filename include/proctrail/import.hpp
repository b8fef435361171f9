#pragma once
// `proctrail import`: a saved `ps` (procps and macOS/BSD) or `lsof -F` output, read and parsed into
// plain structs; the store writes a table as one snapshot (Store::record_import). A field the source
// does not print stays nullopt: nothing is guessed. The parsers themselves are import/parse.hpp.
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

// The offsets a clock can be from UTC: -18:00 to +18:00 (ISO 8601's range).
inline constexpr int64_t kMaxUtcOffsetS = 18 * 3600;

// "+01:00", "-05:30", "+0100", "+01", "Z", "UTC": seconds east of UTC. Errors: anything else, or
// beyond ±18:00.
Result<int64_t> parse_utc_offset(std::string_view text);

// "+01:00", "-05:30", "+00:00": the form parse_utc_offset reads.
std::string format_utc_offset(int64_t utc_offset_s);

enum class ImportFormat { ps, lsof };

// A saved ps or lsof output, read whole.
struct ImportFile {
  std::string path;                 // as given; "-" for stdin
  std::string bytes;
  std::optional<int64_t> mtime_us;  // when it was last written; nullopt for stdin
  std::string sha256_hex;           // of bytes: the import's identity in the trail (ImportSource::file_sha256)
};

// Reads `path` ("-": stdin) whole. Errors start with the path: "x.txt: No such file or directory",
// "dir: is a directory", "x.txt: read error".
Result<ImportFile> read_import_file(const std::string& path);

// The table `file` holds, read as `format`. ps: `taken_at_us` is when ps ran (ETIME and the coarse
// START/STIME forms such as "14:03" or "Nov20" are relative to it) and its times are local times
// `utc_offset_s` seconds east of UTC, returned in UTC; lsof prints no times and ignores both. A line
// that cannot be read is skipped and listed, never guessed at. Errors start with the path: no header
// with a PID column (ps), no process set at all (lsof).
Result<ImportedTable> parse_import_file(const ImportFile& file, ImportFormat format, int64_t taken_at_us,
                                        int64_t utc_offset_s = 0);

}  // namespace proctrail
