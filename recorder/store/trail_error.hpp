#pragma once
// One line for a SQLite failure on a trail, shared by the store (which writes) and the trail reader
// (which only asks). SQLite's own words for a permission problem ("unable to open database file",
// "attempt to write a readonly database") do not say which file stood in the way; these do.
#include <chrono>
#include <filesystem>
#include <string>

#include <SQLiteCpp/Exception.h>

#include "proctrail/result.hpp"

namespace proctrail::detail {

// The kind of a failure with this SQLite result code (primary or extended); for a permission problem
// trail_error looks closer, at the files themselves.
ErrorKind sqlite_error_kind(int code);

// `doing` names the action and the trail ("opening /x/trail.db"); `writing` says whether the trail
// was to be written; `busy_timeout` is how long the connection waited for another's lock.
Error trail_error(const std::string& doing, const std::filesystem::path& trail, const SQLite::Exception& e,
                  bool writing, std::chrono::milliseconds busy_timeout);

}  // namespace proctrail::detail
