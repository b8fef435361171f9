#pragma once
#include <filesystem>
#include <functional>
#include <string_view>

#include "proctrail/result.hpp"

namespace proctrail {

using EnvLookup = std::function<const char*(const char*)>;

// $PROCTRAIL_DB, else $XDG_STATE_HOME/proctrail/trail.db, else $HOME/.local/state/proctrail/trail.db.
Result<std::filesystem::path> default_db_path(const EnvLookup& env);

// Creates `dir` and its parents; a folder this creates gets mode 0700.
Status ensure_private_dir(const std::filesystem::path& dir);

// Writes `content` to `path` as a file only its owner may read: created 0600, an existing file's mode
// tightened to 0600, never through a symbolic link (O_NOFOLLOW: another user's planted link is
// refused, not followed) and never anything but a regular file. For what carries argv history: the
// report, --evidence-out, exec --json.
Status write_private_file(const std::filesystem::path& path, std::string_view content);

// Opens `path` for appending the same way (a log): the descriptor, or why not.
Result<int> open_private_append(const std::filesystem::path& path);

// The log file that sits beside a database (hook errors go there).
std::filesystem::path log_path_for(const std::filesystem::path& db_path);

}  // namespace proctrail
