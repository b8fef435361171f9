#include "recorder/store/trail_error.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>

namespace proctrail::detail {
namespace {

// "no permission to WHAT FILE (owner uid U, mode M; WHO uid ME)": `who` is how the file stands to
// this process ("you are", or "read-only to" for a trail it may read but not write).
std::string described(const std::filesystem::path& file, const std::string& what, const std::string& who = "you are") {
  struct stat info {};
  std::string text = "no permission to " + what + " " + file.string();
  if (::stat(file.c_str(), &info) != 0) return text;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", info.st_mode & 07777);
  return text + " (owner uid " + std::to_string(info.st_uid) + ", mode " + mode + "; " + who + " uid " +
         std::to_string(::geteuid()) + ")";
}

// The first of the trail's files (or its folder) this process may not use as needed, described
// with its owner and mode; nullopt when access(2) finds nothing wrong.
std::optional<std::string> access_problem(const std::filesystem::path& trail, bool writing) {
  if (::access(trail.c_str(), R_OK) != 0 && errno == EACCES) return described(trail, "read");
  if (writing && ::access(trail.c_str(), W_OK) != 0 && errno == EACCES) return described(trail, "write", "read-only to");
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::filesystem::path companion = trail.string() + suffix;
    if (::access(companion.c_str(), F_OK) != 0) continue;
    // Even a reader needs the -shm writable to read a trail in WAL mode while it may change.
    if (::access(companion.c_str(), R_OK | W_OK) != 0 && errno == EACCES) return described(companion, "use");
  }
  const std::filesystem::path folder = trail.has_parent_path() ? trail.parent_path() : std::filesystem::path(".");
  if (::access(folder.c_str(), W_OK | X_OK) != 0 && errno == EACCES) {
    return described(folder, "create the trail's journal files in");
  }
  return std::nullopt;
}

// SQLite cannot open the trail and access(2) found no permission problem: not_found when the trail
// or its folder is missing (a reader never creates one), else a failure of some other cause.
ErrorKind cantopen_kind(const std::filesystem::path& trail) {
  const std::filesystem::path folder = trail.has_parent_path() ? trail.parent_path() : std::filesystem::path(".");
  std::error_code error;
  if (!std::filesystem::exists(folder, error) || !std::filesystem::exists(trail, error)) return ErrorKind::not_found;
  return ErrorKind::failed;
}

}  // namespace

ErrorKind sqlite_error_kind(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorKind::busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return ErrorKind::corrupt;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return ErrorKind::permission;
    case SQLITE_NOTFOUND: return ErrorKind::not_found;
    default: return ErrorKind::failed;  // SQLITE_FULL and SQLITE_IOERR among them
  }
}

Error trail_error(const std::string& doing, const std::filesystem::path& trail, const SQLite::Exception& e,
                  bool writing, std::chrono::milliseconds busy_timeout) {
  const int code = e.getErrorCode() & 0xff;
  if (code == SQLITE_CANTOPEN || code == SQLITE_READONLY || code == SQLITE_PERM) {
    if (auto problem = access_problem(trail, writing)) return Error{doing + ": " + *problem, ErrorKind::permission};
  }
  if (code == SQLITE_CANTOPEN) return Error{doing + ": " + e.what(), cantopen_kind(trail)};
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return Error{doing + ": database is busy (another writer held it longer than " + std::to_string(busy_timeout.count()) +
                 " ms)", ErrorKind::busy};
  }
  if (code == SQLITE_FULL) return Error{doing + ": disk full (" + e.what() + ")"};
  if (code == SQLITE_NOTADB) return Error{doing + ": not a SQLite database", ErrorKind::corrupt};
  if (code == SQLITE_CORRUPT) {
    return Error{doing + ": database file is corrupt or truncated (" + e.what() + ")", ErrorKind::corrupt};
  }
  if (code == SQLITE_READONLY) return Error{doing + ": database is read-only (" + e.what() + ")", ErrorKind::permission};
  return Error{doing + ": " + e.what(), sqlite_error_kind(e.getErrorCode())};
}

}  // namespace proctrail::detail
