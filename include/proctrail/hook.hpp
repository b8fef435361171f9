#pragma once
// Hook payloads: the JSON a hook caller (Claude Code and the like) writes to our stdin.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace proctrail {

inline constexpr size_t kMaxHookPayloadBytes = 8u << 20;

struct HookPayload {
  std::optional<std::string> event;            // hook_event_name
  std::optional<std::string> session_id;       // session_id
  std::optional<std::string> cwd;              // cwd
  std::optional<std::string> transcript_path;  // transcript_path
  std::optional<std::string> error;            // why the payload could not be used; nullopt if fine
};

// Parses a payload. Never throws: text that is not a JSON object yields `error` set and no fields;
// fields that are absent or not strings are nullopt.
HookPayload parse_hook_payload(std::string_view text);

}  // namespace proctrail
