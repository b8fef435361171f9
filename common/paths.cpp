#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "proctrail/paths.hpp"
#include "common/errno_kind.hpp"

namespace proctrail {

Result<std::filesystem::path> default_db_path(const EnvLookup& env) {
  auto non_empty = [&](const char* name) -> const char* {
    const char* value = env(name);
    return (value != nullptr && *value != '\0') ? value : nullptr;
  };
  if (const char* db = non_empty("PROCTRAIL_DB")) return std::filesystem::path(db);
  if (const char* state = non_empty("XDG_STATE_HOME")) {
    return std::filesystem::path(state) / "proctrail" / "trail.db";
  }
  if (const char* home = non_empty("HOME")) {
    return std::filesystem::path(home) / ".local" / "state" / "proctrail" / "trail.db";
  }
  return Error{"choosing a database: none of --db, PROCTRAIL_DB, XDG_STATE_HOME or HOME is set", ErrorKind::not_found};
}

Status ensure_private_dir(const std::filesystem::path& dir) {
  if (dir.empty()) return ok_status();
  std::filesystem::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0 || errno == EEXIST) continue;
    const int error = errno;
    return Error{"creating " + partial.string() + ": " + std::strerror(error), detail::errno_kind(error)};
  }
  if (!std::filesystem::is_directory(dir)) return Error{"creating " + dir.string() + ": not a directory"};
  return ok_status();
}

std::filesystem::path log_path_for(const std::filesystem::path& db_path) {
  return db_path.parent_path() / "proctrail.log";
}

}  // namespace proctrail
