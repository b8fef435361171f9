// The guard's policy file (include/proctrail/policy.hpp), read with toml++. Every key is checked
// against the keys this build knows, so a typo ("older-than", "verdicts") is refused with its line
// rather than silently ignored; nothing of a policy with a mistake is used.
#include "proctrail/policy.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

// Header-only and without exceptions (CMakeLists.txt says why): parse() returns a parse_result.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "common/pattern.hpp"
#include "proctrail/cleanup.hpp"
#include "proctrail/duration.hpp"

namespace proctrail {
namespace {

// Refusals name "FILE:LINE: KEY: what".
class Refusal {
 public:
  explicit Refusal(const std::filesystem::path& file) : file_(file.empty() ? std::string("policy") : file.string()) {}
  Error at(const toml::source_region& where, std::string_view key, const std::string& what) const {
    return Error{file_ + ":" + std::to_string(where.begin.line) + ": " + std::string(key) + ": " + what, ErrorKind::bad_input};
  }

 private:
  std::string file_;
};

const std::set<std::string, std::less<>> kRuleKeys = {
    "name", "match", "verdict", "older_than", "idle_for", "action", "grace", "keep_newest", "per", "max_per_run",
    "user", "containers", "container_label", "remove"};
const std::set<std::string, std::less<>> kTopKeys = {"rule", "allow"};
const std::set<std::string, std::less<>> kAllowKeys = {"match"};

Status known_keys(const toml::table& table, const std::set<std::string, std::less<>>& known, std::string_view where,
                  const Refusal& refuse) {
  for (auto&& [key, node] : table) {
    if (known.contains(key.str())) continue;
    std::string choices;
    for (const auto& k : known) choices += (choices.empty() ? "" : ", ") + k;
    return refuse.at(key.source(), key.str(), "unknown key in " + std::string(where) + " (known: " + choices + ")");
  }
  return ok_status();
}

Result<std::string> text_of(const toml::node& node, std::string_view key, const Refusal& refuse) {
  if (auto text = node.value<std::string>()) return *text;
  return refuse.at(node.source(), key, "must be a string");
}

Result<int64_t> seconds_of(const toml::node& node, std::string_view key, const Refusal& refuse) {
  auto text = text_of(node, key, refuse);
  if (!text) return text.error();
  auto duration = parse_duration(*text);
  if (!duration) return refuse.at(node.source(), key, duration.error().message);
  return std::chrono::duration_cast<std::chrono::seconds>(*duration).count();
}

Result<int64_t> positive_integer(const toml::node& node, std::string_view key, const Refusal& refuse) {
  auto number = node.value<int64_t>();
  if (!number || *number < 1) return refuse.at(node.source(), key, "must be a whole number of at least 1");
  return *number;
}

Status compiles(const toml::node& node, std::string_view key, const std::string& pattern, const Refusal& refuse) {
  if (auto compiled = Pattern::compile(pattern); !compiled) return refuse.at(node.source(), key, compiled.error().message);
  return ok_status();
}

Result<std::vector<std::string>> verdicts_of(const toml::node& node, const Refusal& refuse) {
  std::vector<std::string> verdicts;
  auto add = [&](const toml::node& item) -> Status {
    auto verdict = text_of(item, "verdict", refuse);
    if (!verdict) return verdict.error();
    const auto& known = CleanupSelectors::known_verdicts();
    if (std::find(known.begin(), known.end(), *verdict) == known.end()) {
      std::string choices;
      for (const auto& k : known) choices += (choices.empty() ? "" : ", ") + k;
      return refuse.at(item.source(), "verdict", "unknown verdict '" + *verdict + "' (known: " + choices + ")");
    }
    verdicts.push_back(*verdict);
    return ok_status();
  };
  if (const auto* list = node.as_array()) {
    for (const auto& item : *list) {
      if (auto added = add(item); !added) return added.error();
    }
  } else if (auto added = add(node); !added) {
    return added.error();
  }
  return verdicts;
}

// One key of a [[rule]] into `rule`.
Status read_rule_key(std::string_view key, const toml::node& node, GuardRule& rule, const Refusal& refuse) {
  if (key == "name") {
    auto name = text_of(node, key, refuse);
    if (!name) return name.error();
    if (name->empty()) return refuse.at(node.source(), key, "must not be empty");
    rule.name = *name;
  } else if (key == "match" || key == "container_label") {
    auto text = text_of(node, key, refuse);
    if (!text) return text.error();
    if (key == "match") {
      if (auto ok = compiles(node, key, *text, refuse); !ok) return ok;
      rule.match = *text;
    } else {
      if (text->find('=') == std::string::npos) return refuse.at(node.source(), key, "must be KEY=VALUE");
      rule.container_label = *text;
    }
  } else if (key == "verdict") {
    auto verdicts = verdicts_of(node, refuse);
    if (!verdicts) return verdicts.error();
    rule.verdicts = *verdicts;
  } else if (key == "older_than" || key == "idle_for") {
    auto seconds = seconds_of(node, key, refuse);
    if (!seconds) return seconds.error();
    (key == "older_than" ? rule.older_than_s : rule.idle_for_s) = *seconds;
  } else if (key == "grace") {
    auto text = text_of(node, key, refuse);
    if (!text) return text.error();
    auto grace = parse_duration(*text);
    if (!grace) return refuse.at(node.source(), key, grace.error().message);
    rule.grace = *grace;
  } else if (key == "action") {
    auto action = text_of(node, key, refuse);
    if (!action) return action.error();
    if (*action == "terminate") rule.action = RuleAction::terminate;
    else if (*action == "report") rule.action = RuleAction::report;
    else return refuse.at(node.source(), key, "unknown action '" + *action + "' (known: terminate, report)");
  } else if (key == "per") {
    auto per = text_of(node, key, refuse);
    if (!per) return per.error();
    if (*per == "parent") rule.per = RuleScope::parent;
    else if (*per == "session") rule.per = RuleScope::session;
    else if (*per == "user") rule.per = RuleScope::user;
    else return refuse.at(node.source(), key, "unknown scope '" + *per + "' (known: parent, session, user)");
  } else if (key == "keep_newest" || key == "max_per_run") {
    auto number = positive_integer(node, key, refuse);
    if (!number) return number.error();
    if (key == "keep_newest") rule.keep_newest = *number;
    else rule.max_per_run = *number;
  } else if (key == "user") {
    auto uid = node.value<int64_t>();
    if (!uid || *uid < 0) return refuse.at(node.source(), key, "must be a numeric uid");
    rule.user = static_cast<uid_t>(*uid);
  } else if (key == "containers" || key == "remove") {
    auto flag = node.value<bool>();
    if (!flag) return refuse.at(node.source(), key, "must be true or false");
    (key == "containers" ? rule.containers : rule.remove) = *flag;
  }
  return ok_status();
}

// What a rule must have once all its keys are read.
Status check_rule(const GuardRule& rule, const toml::table& table, const Refusal& refuse) {
  const auto& where = table.source();
  if (rule.name.empty()) return refuse.at(where, "name", "every [[rule]] needs a name");
  const bool narrows = rule.match || !rule.verdicts.empty() || rule.older_than_s || rule.user || rule.keep_newest ||
                       rule.container_label;
  if (!narrows) {
    return refuse.at(where, "rule " + rule.name,
                     "narrows nothing: give match, verdict, older_than, user, keep_newest or container_label");
  }
  if (!rule.containers && (rule.container_label || rule.remove)) {
    return refuse.at(where, "rule " + rule.name, "container_label and remove need containers = true");
  }
  if (rule.containers && (rule.keep_newest || !rule.verdicts.empty())) {
    return refuse.at(where, "rule " + rule.name, "a container rule takes neither keep_newest nor verdict");
  }
  if (rule.keep_newest && !rule.match) {
    return refuse.at(where, "rule " + rule.name, "keep_newest needs match: the command whose instances are counted");
  }
  return ok_status();
}

Result<GuardRule> read_rule(const toml::table& table, const Refusal& refuse) {
  if (auto known = known_keys(table, kRuleKeys, "[[rule]]", refuse); !known) return known.error();
  GuardRule rule;
  rule.line = static_cast<int>(table.source().begin.line);
  for (auto&& [key, node] : table) {
    if (auto read = read_rule_key(key.str(), node, rule, refuse); !read) return read.error();
  }
  if (auto checked = check_rule(rule, table, refuse); !checked) return checked.error();
  return rule;
}

Status read_allow(const toml::node& node, GuardPolicy& policy, const Refusal& refuse) {
  const auto* table = node.as_table();
  if (!table) return refuse.at(node.source(), "allow", "must be a table: [allow] with match = [...]");
  if (auto known = known_keys(*table, kAllowKeys, "[allow]", refuse); !known) return known;
  const auto* match = table->get("match");
  if (!match) return ok_status();
  auto add = [&](const toml::node& item) -> Status {
    auto text = text_of(item, "match", refuse);
    if (!text) return text.error();
    if (auto ok = compiles(item, "match", *text, refuse); !ok) return ok;
    policy.allow_match.push_back(*text);
    return ok_status();
  };
  if (const auto* list = match->as_array()) {
    for (const auto& item : *list) {
      if (auto added = add(item); !added) return added;
    }
    return ok_status();
  }
  return add(*match);
}

}  // namespace

Result<GuardPolicy> parse_policy(std::string_view text, const std::filesystem::path& file) {
  const Refusal refuse(file);
  toml::parse_result parsed = toml::parse(text, file.string());
  if (!parsed) return refuse.at(parsed.error().source(), "syntax", std::string(parsed.error().description()));
  const toml::table& root = parsed.table();
  if (auto known = known_keys(root, kTopKeys, "the policy", refuse); !known) return known.error();
  GuardPolicy policy;
  policy.file = file;
  if (const auto* allow = root.get("allow")) {
    if (auto read = read_allow(*allow, policy, refuse); !read) return read.error();
  }
  const auto* rules = root.get("rule");
  const auto* list = rules ? rules->as_array() : nullptr;
  if (rules && (!list || !list->is_array_of_tables())) {
    return refuse.at(rules->source(), "rule", "must be written as [[rule]] tables");
  }
  if (!list || list->empty()) {
    return Error{(file.empty() ? std::string("policy") : file.string()) + ": no [[rule]]: a policy needs at least one rule",
                 ErrorKind::bad_input};
  }
  std::set<std::string> names;
  for (const auto& node : *list) {
    auto rule = read_rule(*node.as_table(), refuse);
    if (!rule) return rule.error();
    if (!names.insert(rule->name).second) {
      return refuse.at(node.source(), "name", "a second rule named '" + rule->name + "'");
    }
    policy.rules.push_back(std::move(*rule));
  }
  return policy;
}

Result<GuardPolicy> load_policy(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int error = errno;
    return Error{"reading the policy " + file.string() + ": " + std::strerror(error) +
                     (error == ENOENT ? " (write one, or name it with --policy FILE)" : ""),
                 error == EACCES ? ErrorKind::permission : ErrorKind::not_found};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_policy(text.str(), file);
}

std::filesystem::path default_policy_path() {
  if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && *config) {
    return std::filesystem::path(config) / "proctrail" / "policy.toml";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".config" / "proctrail" / "policy.toml";
}

std::string_view action_name(RuleAction action) { return action == RuleAction::terminate ? "terminate" : "report"; }

std::string_view scope_name(RuleScope scope) {
  switch (scope) {
    case RuleScope::parent: return "parent";
    case RuleScope::session: return "session";
    case RuleScope::user: return "user";
  }
  return "parent";
}

}  // namespace proctrail
