// Claude Code's settings.json, edited as text: nlohmann-json validates and inspects the document, a
// small scanner finds the byte spans of the members and elements to change, and only the text of the
// hooks we add or remove changes, so every other byte of the user's file stays as it was.
#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "proctrail/install.hpp"
#include "proctrail/procfs.hpp"

namespace proctrail {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr std::string_view kEmptySettings = "{}\n";
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::array<std::string_view, 3> kClaudeEvents = {"SessionStart", "SessionEnd", "Stop"};

// Thrown by the scanner on text it cannot follow; the text was validated first, so this is a bug.
struct ScanFailure {};

struct Span {
  size_t begin = 0;
  size_t end = 0;  // one past the last byte
};

// One member of an object or element of an array.
struct Item {
  std::string key;     // objects: the decoded key
  size_t begin = 0;    // the key's first byte (objects) or the value's (arrays)
  size_t key_end = 0;  // objects: one past the key's closing quote
  Span value;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_blank(std::string_view text) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  for (char c : text) {
    if (!is_space(c)) return false;
  }
  return true;
}

size_t skip_space(std::string_view text, size_t pos) {
  while (pos < text.size() && is_space(text[pos])) ++pos;
  if (pos >= text.size()) throw ScanFailure{};
  return pos;
}

// One past the closing quote of the string starting at `pos`.
size_t string_end(std::string_view text, size_t pos) {
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  throw ScanFailure{};
}

// One past the last byte of the value starting at `pos`.
size_t value_end(std::string_view text, size_t pos) {
  if (pos >= text.size()) throw ScanFailure{};
  if (text[pos] == '"') return string_end(text, pos);
  if (text[pos] != '{' && text[pos] != '[') {
    while (pos < text.size() && !is_space(text[pos]) && text[pos] != ',' && text[pos] != ']' && text[pos] != '}') ++pos;
    return pos;
  }
  int depth = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      i = string_end(text, i) - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  throw ScanFailure{};
}

Span root_span(std::string_view text) {
  size_t begin = skip_space(text, text.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0);
  return {begin, value_end(text, begin)};
}

// The members (an object) or elements (an array) of the container spanning `container`.
std::vector<Item> items_of(std::string_view text, Span container) {
  const bool object = text[container.begin] == '{';
  std::vector<Item> items;
  size_t pos = skip_space(text, container.begin + 1);
  while (pos < container.end - 1) {
    Item item;
    item.begin = pos;
    if (object) {
      item.key_end = string_end(text, pos);
      item.key = json::parse(text.substr(pos, item.key_end - pos)).get<std::string>();
      pos = skip_space(text, item.key_end);
      if (text[pos] != ':') throw ScanFailure{};
      pos = skip_space(text, pos + 1);
    }
    item.value = {pos, value_end(text, pos)};
    items.push_back(std::move(item));
    pos = skip_space(text, items.back().value.end);
    if (text[pos] == ',') pos = skip_space(text, pos + 1);
  }
  return items;
}

// The spaces and tabs at `line_start`.
std::string indent_at(std::string_view text, size_t line_start) {
  size_t end = line_start;
  while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
  return std::string(text.substr(line_start, end - line_start));
}

// The spaces and tabs that start the line holding `pos`.
std::string line_indent(std::string_view text, size_t pos) {
  size_t newline = text.rfind('\n', pos);
  return indent_at(text, newline == std::string_view::npos ? 0 : newline + 1);
}

// How the file is laid out, so that what we add looks like the rest of it.
struct Style {
  std::string newline = "\n";
  std::string unit = "  ";    // one level of indentation
  std::string colon = ": ";   // between a key and its value
  bool multiline = true;      // pretty-printed (else all on one line)
};

// The shortest indentation of any line inside the document: one level.
std::string indent_unit(std::string_view text, Span root) {
  std::string unit;
  for (size_t pos = text.find('\n', root.begin); pos < root.end; pos = text.find('\n', pos + 1)) {
    std::string indent = indent_at(text, pos + 1);
    size_t after = pos + 1 + indent.size();
    bool blank_line = after >= text.size() || text[after] == '\n' || text[after] == '\r';
    if (!indent.empty() && !blank_line && (unit.empty() || indent.size() < unit.size())) unit = indent;
  }
  return unit.empty() ? "  " : unit;
}

Style style_of(std::string_view text, Span root, const std::vector<Item>& top) {
  Style style;
  if (text.find("\r\n") != std::string_view::npos) style.newline = "\r\n";
  style.multiline = top.empty() || text.substr(root.begin, root.end - root.begin).find('\n') != std::string_view::npos;
  style.unit = indent_unit(text, root);
  if (!top.empty()) {
    std::string_view colon = text.substr(top.front().key_end, top.front().value.begin - top.front().key_end);
    if (colon.find('\n') == std::string_view::npos) style.colon = std::string(colon);
  }
  return style;
}

// `value` as JSON text laid out in `style`; `indent` is the indentation of the line it starts on.
void render(const ordered_json& value, const Style& style, const std::string& indent, std::string& out) {
  if (!value.is_structured() || value.empty()) {
    out += value.dump();
    return;
  }
  const bool object = value.is_object();
  const std::string inner = indent + style.unit;
  const std::string comma = style.colon.ends_with(' ') ? ", " : ",";
  out += object ? '{' : '[';
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!first) out += style.multiline ? "," : comma;
    first = false;
    if (style.multiline) out += style.newline + inner;
    if (object) out += json(it.key()).dump() + style.colon;
    render(it.value(), style, inner, out);
  }
  if (style.multiline) out += style.newline + indent;
  out += object ? '}' : ']';
}

// Where and how an appended item goes: text[at, at + erase) becomes lead + item + tail, the item laid
// out for a line indented by `indent`.
struct Placement {
  size_t at = 0;
  size_t erase = 0;
  std::string lead, tail, indent;
  bool multiline = true;
};

// Into an empty container: on its own line one level in when the file is pretty-printed.
Placement into_empty(std::string_view text, Span container, const Style& style) {
  Placement place{.at = container.begin + 1, .erase = container.end - 1 - (container.begin + 1)};
  const std::string container_indent = line_indent(text, container.begin);
  place.indent = container_indent + style.unit;
  place.multiline = style.multiline;
  if (style.multiline) {
    place.lead = style.newline + place.indent;
    place.tail = style.newline + container_indent;
  }
  return place;
}

// After the last item, separated from it as it is from the item before it.
Placement after_last(std::string_view text, Span container, const std::vector<Item>& items, const Style& style) {
  const Item& last = items.back();
  size_t space_begin = items.size() == 1 ? container.begin + 1 : text.find(',', items[items.size() - 2].value.end) + 1;
  std::string_view space = text.substr(space_begin, last.begin - space_begin);
  Placement place{.at = last.value.end, .indent = line_indent(text, last.begin)};
  place.multiline = space.find('\n') != std::string_view::npos;
  if (place.multiline) {
    place.lead = "," + style.newline + place.indent;
  } else if (items.size() == 1) {
    place.lead = style.colon.ends_with(' ') ? ", " : ",";  // no comma to copy the spacing of
  } else {
    place.lead = "," + std::string(space);
  }
  return place;
}

// `item` (a member "key": value when `key` is set, else an array element) appended to the container.
std::string append_item(std::string_view text, Span container, const std::vector<Item>& items, const Style& file_style,
                        const std::optional<std::string>& key, const ordered_json& item) {
  const Placement place = items.empty() ? into_empty(text, container, file_style)
                                        : after_last(text, container, items, file_style);
  Style style = file_style;
  style.multiline = place.multiline;
  std::string added = place.lead;
  if (key) added += json(*key).dump() + style.colon;
  render(item, style, place.indent, added);
  added += place.tail;
  std::string out(text);
  out.replace(place.at, place.erase, added);
  return out;
}

// The text without items[index], and without the comma and space that separated it.
std::string remove_item(std::string_view text, Span container, const std::vector<Item>& items, size_t index) {
  Span cut;
  if (items.size() == 1) {
    cut = {container.begin + 1, container.end - 1};
  } else if (index > 0) {
    cut = {items[index - 1].value.end, items[index].value.end};
  } else {
    cut = {items[0].begin, items[1].begin};
  }
  std::string out(text);
  out.erase(cut.begin, cut.end - cut.begin);
  return out;
}

// Where the hooks are in the current text: indices into `top` and `events`.
struct Located {
  Span root;
  std::vector<Item> top;         // the top-level members
  std::optional<size_t> hooks;   // "hooks" among them, when it is an object
  std::vector<Item> events;      // the members of "hooks"
  std::optional<size_t> event;   // the event asked for among them, when it is an array
  Span hooks_value() const { return top[*hooks].value; }
  Span event_value() const { return events[*event].value; }
};

// The index of the last member named `key` (JSON.parse keeps the last of duplicates, and so does
// nlohmann-json).
std::optional<size_t> find_member(const std::vector<Item>& members, std::string_view key) {
  std::optional<size_t> found;
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].key == key) found = i;
  }
  return found;
}

Located locate(std::string_view text, std::string_view event) {
  Located found;
  found.root = root_span(text);
  found.top = items_of(text, found.root);
  found.hooks = find_member(found.top, "hooks");
  if (found.hooks && text[found.hooks_value().begin] != '{') found.hooks.reset();
  if (!found.hooks) return found;
  found.events = items_of(text, found.hooks_value());
  found.event = find_member(found.events, event);
  if (found.event && text[found.event_value().begin] != '[') found.event.reset();
  return found;
}

Result<json> parse_settings(std::string_view text) {
  json settings;
  try {
    settings = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    size_t bracket = what.find("] ");
    return Error{"not valid JSON (" + (bracket == std::string::npos ? what : what.substr(bracket + 2)) + ")",
                 ErrorKind::corrupt};
  }
  if (!settings.is_object()) return Error{"its top level is not a JSON object", ErrorKind::corrupt};
  if (settings.contains("hooks") && !settings["hooks"].is_object()) {
    return Error{"its \"hooks\" is not an object", ErrorKind::corrupt};
  }
  return settings;
}

bool is_our_group(const json& group) {
  if (!group.is_object() || !group.contains("hooks") || !group["hooks"].is_array() || group["hooks"].empty()) {
    return false;
  }
  for (const auto& hook : group["hooks"]) {
    if (!hook.is_object() || !hook.contains("command") || !hook["command"].is_string()) return false;
    if (hook["command"].get<std::string>().find(kClaudeHookMarker) == std::string::npos) return false;
  }
  return true;
}

bool has_command(const json& settings, const HookCommand& wanted) {
  if (!settings.contains("hooks") || !settings["hooks"].contains(wanted.event)) return false;
  for (const auto& group : settings["hooks"][wanted.event]) {
    if (!group.is_object() || !group.contains("hooks") || !group["hooks"].is_array()) continue;
    for (const auto& hook : group["hooks"]) {
      if (hook.is_object() && hook.value("command", json()) == wanted.command) return true;
    }
  }
  return false;
}

// The text without our groups in `event`'s array; with `drop_emptied`, an array that this empties is
// removed, and then "hooks" too if that empties it.
std::string remove_our_groups(std::string text, std::string_view event, bool drop_emptied) {
  bool removed = false;
  while (true) {
    Located at = locate(text, event);
    if (!at.event) break;
    std::vector<Item> groups = items_of(text, at.event_value());
    auto ours = std::find_if(groups.begin(), groups.end(), [&](const Item& group) {
      return is_our_group(json::parse(text.substr(group.value.begin, group.value.end - group.value.begin)));
    });
    if (ours == groups.end()) break;
    text = remove_item(text, at.event_value(), groups, static_cast<size_t>(ours - groups.begin()));
    removed = true;
  }
  if (!removed || !drop_emptied) return text;
  Located at = locate(text, event);
  if (!at.event || !items_of(text, at.event_value()).empty()) return text;
  text = remove_item(text, at.hooks_value(), at.events, *at.event);
  at = locate(text, event);
  if (!at.events.empty()) return text;
  return remove_item(text, at.root, at.top, *at.hooks);
}

ordered_json group_for(const std::string& command) {
  return ordered_json{{"hooks", ordered_json::array({ordered_json{{"type", "command"}, {"command", command}}})}};
}

std::string add_hook(std::string text, const HookCommand& hook) {
  if (has_command(json::parse(text), hook)) return text;
  text = remove_our_groups(std::move(text), hook.event, false);
  Located at = locate(text, hook.event);
  Style style = style_of(text, at.root, at.top);
  ordered_json group = group_for(hook.command);
  if (!at.hooks) {
    return append_item(text, at.root, at.top, style, "hooks", ordered_json{{hook.event, ordered_json::array({group})}});
  }
  if (!at.event) {
    return append_item(text, at.hooks_value(), at.events, style, hook.event, ordered_json::array({group}));
  }
  return append_item(text, at.event_value(), items_of(text, at.event_value()), style, std::nullopt, group);
}

Error scan_failure() { return Error{"could not follow the JSON structure (a proctrail bug: please report it)"}; }

}  // namespace

std::string claude_trigger(std::string_view event) {
  std::string trigger = "claude";
  for (char c : event) {
    if (c >= 'A' && c <= 'Z') {
      trigger += '-';
      trigger += static_cast<char>(c - 'A' + 'a');
    } else {
      trigger += c;
    }
  }
  return trigger;
}

std::vector<std::string> claude_triggers() {
  std::vector<std::string> triggers;
  for (auto event : kClaudeEvents) triggers.push_back(claude_trigger(event));
  return triggers;
}

HookCommands claude_hook_commands(const std::string& binary, const std::string& db, GuardAtSessionStart guard) {
  HookCommands commands;
  for (std::string_view event : kClaudeEvents) {
    std::vector<std::string> argv = {binary};
    if (!db.empty()) argv.insert(argv.end(), {"--db", db});
    argv.insert(argv.end(), {"snap", "--hook", "--trigger", claude_trigger(event)});
    std::string command = quote_argv(argv);
    if (guard == GuardAtSessionStart::yes && event == "SessionStart") {
      command += claude_guard_command(binary, db);
    }
    commands.push_back({std::string(event), std::move(command)});
  }
  return commands;
}

std::string claude_guard_command(const std::string& binary, const std::string& db) {
  std::vector<std::string> argv = {"setsid", binary};
  if (!db.empty()) argv.insert(argv.end(), {"--db", db});
  argv.insert(argv.end(), {"guard", "--once"});
  return "; " + quote_argv(argv) + " </dev/null >/dev/null 2>&1 &";
}

Result<std::string> add_claude_hooks(std::string_view settings_text, const HookCommands& commands) {
  std::string text(is_blank(settings_text) ? kEmptySettings : settings_text);
  auto settings = parse_settings(text);
  if (!settings) return settings.error();
  for (const auto& hook : commands) {
    if (settings->contains("hooks") && (*settings)["hooks"].contains(hook.event) &&
        !(*settings)["hooks"][hook.event].is_array()) {
      return Error{"its \"hooks\".\"" + hook.event + "\" is not an array", ErrorKind::corrupt};
    }
  }
  try {
    for (const auto& hook : commands) text = add_hook(std::move(text), hook);
  } catch (const ScanFailure&) {
    return scan_failure();
  } catch (const json::exception& e) {
    return Error{std::string("could not write the hooks: ") + e.what()};
  }
  return text;
}

Result<std::string> remove_claude_hooks(std::string_view settings_text) {
  std::string text(settings_text);
  if (is_blank(text)) return text;
  auto settings = parse_settings(text);
  if (!settings) return settings.error();
  if (!settings->contains("hooks")) return text;
  try {
    for (const auto& [event, groups] : (*settings)["hooks"].items()) {
      if (groups.is_array()) text = remove_our_groups(std::move(text), event, true);
    }
  } catch (const ScanFailure&) {
    return scan_failure();
  }
  return text;
}

}  // namespace proctrail
