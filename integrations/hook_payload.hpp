#pragma once
// The hook payload parser (pure: text in, fields out), behind read_hook_payload.
#include <string_view>

#include "proctrail/hook.hpp"

namespace proctrail {

// Parses a payload. Never throws: text that is not a JSON object (or larger than
// kMaxHookPayloadBytes) yields `error` set and no fields; fields that are absent or not strings are
// nullopt.
HookPayload parse_hook_payload(std::string_view text);

}  // namespace proctrail
