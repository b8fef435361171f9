#pragma once
// How a question says the pid or inode it was asked about is not there: one wording for every
// question (peers, holders, timeline), with ErrorKind::not_found.
#include <cstdint>
#include <optional>
#include <string>

#include "proctrail/result.hpp"

namespace proctrail::detail {

// "pid 4242", or "pid 4242 (start_ticks 123)" when the instance was named.
inline std::string process_named(int64_t pid, std::optional<int64_t> start_ticks) {
  return "pid " + std::to_string(pid) + (start_ticks ? " (start_ticks " + std::to_string(*start_ticks) + ")" : "");
}

// "WHAT is not in WHERE" ("snapshot 7", "the trail").
inline Error not_found_in(const std::string& what, const std::string& where) {
  return Error{what + " is not in " + where, ErrorKind::not_found};
}

}  // namespace proctrail::detail
