#pragma once
// Hook payloads: the JSON a hook caller (Claude Code and the like) writes to our stdin.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "proctrail/model.hpp"

namespace proctrail {

inline constexpr size_t kMaxHookPayloadBytes = 8u << 20;

// Parses a payload (HookPayload: model.hpp). Never throws: text that is not a JSON object yields
// `error` set and no fields; fields that are absent or not strings are nullopt.
HookPayload parse_hook_payload(std::string_view text);

}  // namespace proctrail
