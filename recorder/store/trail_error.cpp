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

}  // namespace

Error trail_error(const std::string& doing, const std::filesystem::path& trail, const SQLite::Exception& e,
                  bool writing, std::chrono::milliseconds busy_timeout) {
  const int code = e.getErrorCode() & 0xff;
  if (code == SQLITE_CANTOPEN || code == SQLITE_READONLY || code == SQLITE_PERM) {
    if (auto problem = access_problem(trail, writing)) return Error{doing + ": " + *problem};
  }
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return Error{doing + ": database is busy (another writer held it longer than " + std::to_string(busy_timeout.count()) +
                 " ms)"};
  }
  if (code == SQLITE_FULL) return Error{doing + ": disk full (" + e.what() + ")"};
  if (code == SQLITE_NOTADB) return Error{doing + ": not a SQLite database"};
  if (code == SQLITE_CORRUPT) return Error{doing + ": database file is corrupt or truncated (" + e.what() + ")"};
  if (code == SQLITE_READONLY) return Error{doing + ": database is read-only (" + e.what() + ")"};
  return Error{doing + ": " + e.what()};
}

}  // namespace proctrail::detail
