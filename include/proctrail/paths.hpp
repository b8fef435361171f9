#pragma once
#include <filesystem>
#include <functional>

#include "proctrail/result.hpp"

namespace proctrail {

using EnvLookup = std::function<const char*(const char*)>;

// $PROCTRAIL_DB, else $XDG_STATE_HOME/proctrail/trail.db, else $HOME/.local/state/proctrail/trail.db.
Result<std::filesystem::path> default_db_path(const EnvLookup& env);

// Creates `dir` and its parents; a folder this creates gets mode 0700.
Status ensure_private_dir(const std::filesystem::path& dir);

// The log file that sits beside a database (hook errors go there).
std::filesystem::path log_path_for(const std::filesystem::path& db_path);

}  // namespace proctrail
