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

#include "proctrail/model.hpp"
#include "proctrail/process.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// ImportedTable and its rows: model.hpp.

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
