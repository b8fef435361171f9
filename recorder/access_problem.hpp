#pragma once
// Why SQLite could not open a trail, in words a user can act on: SQLite says only "unable to open
// database file" or "attempt to write a readonly database", whichever of the file, its -wal and
// -shm companions or its folder was the obstacle.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace proctrail {

// The first of the trail's files (or its folder) this process may not use as needed, described
// with its owner and mode; nullopt when access(2) finds nothing wrong.
inline std::optional<std::string> access_problem(const std::filesystem::path& db, bool write) {
  auto describe = [](const std::filesystem::path& file, const char* verb) {
    struct stat info {};
    std::string text = "no permission to " + std::string(verb) + " " + file.string();
    if (::stat(file.c_str(), &info) != 0) return text;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", info.st_mode & 07777);
    return text + " (owner uid " + std::to_string(info.st_uid) + ", mode " + mode + "; you are uid " +
           std::to_string(::geteuid()) + ")";
  };
  const int need = write ? (R_OK | W_OK) : R_OK;
  if (::access(db.c_str(), need) != 0 && errno == EACCES) return describe(db, write ? "write" : "read");
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::filesystem::path companion = db.string() + suffix;
    if (::access(companion.c_str(), F_OK) != 0) continue;
    // Even a reader needs the -shm writable to read a trail in WAL mode while it may change.
    if (::access(companion.c_str(), R_OK | W_OK) != 0 && errno == EACCES) return describe(companion, "use");
  }
  const std::filesystem::path folder = db.has_parent_path() ? db.parent_path() : std::filesystem::path(".");
  if (::access(folder.c_str(), W_OK | X_OK) != 0 && errno == EACCES) {
    return describe(folder, "create the trail's journal files in");
  }
  return std::nullopt;
}

}  // namespace proctrail
