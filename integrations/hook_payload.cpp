#include <nlohmann/json.hpp>

#include "integrations/hook_payload.hpp"

namespace proctrail {
namespace {

std::optional<std::string> string_field(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

HookPayload parse_hook_payload(std::string_view text) {
  HookPayload payload;
  if (text.size() > kMaxHookPayloadBytes) {
    payload.error = "hook payload larger than " + std::to_string(kMaxHookPayloadBytes) + " bytes";
    return payload;
  }
  auto json = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    payload.error = "hook payload is not JSON (" + std::to_string(text.size()) + " bytes)";
    return payload;
  }
  if (!json.is_object()) {
    payload.error = "hook payload is JSON but not an object";
    return payload;
  }
  payload.event = string_field(json, "hook_event_name");
  payload.session_id = string_field(json, "session_id");
  payload.cwd = string_field(json, "cwd");
  payload.transcript_path = string_field(json, "transcript_path");
  payload.reason = payload.event == "SessionStart" ? string_field(json, "source") : string_field(json, "reason");
  return payload;
}

}  // namespace proctrail
