// The guard's policy file: a good policy read whole, and each kind of mistake refused with the file,
// line and key (nothing of a policy with a mistake is used).
#include <gtest/gtest.h>

#include <fstream>

#include "proctrail/policy.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

constexpr std::string_view kGood = R"toml(
[[rule]]
name = "leaked mcp servers"
match = "mcp-server|server-memory"
verdict = ["orphaned", "abandoned", "outlived-session"]
older_than = "30m"
idle_for = "10m"
action = "terminate"
grace = "5s"

[[rule]]
name = "one memory server per client"
match = "server-memory"
keep_newest = 1
per = "session"
action = "report"
max_per_run = 5

[[rule]]
name = "test containers"
containers = true
container_label = "ci.job=7"
remove = true

[allow]
match = ["shared-mcp-proxy"]
)toml";

TEST(Policy, AGoodPolicyIsReadWhole) {
  auto policy = parse_policy(kGood, "policy.toml");
  ASSERT_TRUE(policy) << policy.error().message;
  ASSERT_EQ(policy->rules.size(), 3u);
  const auto& leaked = policy->rules[0];
  EXPECT_EQ(leaked.name, "leaked mcp servers");
  EXPECT_EQ(leaked.match, "mcp-server|server-memory");
  EXPECT_EQ(leaked.verdicts, (std::vector<std::string>{"orphaned", "abandoned", "outlived-session"}));
  EXPECT_EQ(leaked.older_than_s, 1800);
  EXPECT_EQ(leaked.idle_for_s, 600);
  EXPECT_EQ(leaked.action, RuleAction::terminate);
  EXPECT_EQ(leaked.grace, std::chrono::milliseconds(5000));
  EXPECT_EQ(leaked.max_per_run, 20) << "the default ceiling";
  EXPECT_EQ(leaked.line, 2);
  const auto& singleton = policy->rules[1];
  EXPECT_EQ(singleton.keep_newest, 1);
  EXPECT_EQ(singleton.per, RuleScope::session);
  EXPECT_EQ(singleton.action, RuleAction::report);
  EXPECT_EQ(singleton.max_per_run, 5);
  EXPECT_TRUE(policy->rules[2].containers);
  EXPECT_EQ(policy->rules[2].container_label, "ci.job=7");
  EXPECT_TRUE(policy->rules[2].remove);
  EXPECT_EQ(policy->allow_match, std::vector<std::string>{"shared-mcp-proxy"});
}

struct Mistake {
  const char* what;
  std::string text;
  std::string message;  // the whole one-line refusal
};

TEST(Policy, EachKindOfMistakeIsRefusedWithFileLineAndKey) {
  const std::string rule = "[[rule]]\nname = \"r\"\n";
  const std::vector<Mistake> mistakes = {
      {"syntax", rule + "match = \"unterminated\n", "p.toml:3: syntax:"},
      {"unknown key", rule + "match = \"x\"\nolder-than = \"1h\"\n", "p.toml:4: older-than: unknown key in [[rule]]"},
      {"unknown top-level table", rule + "match = \"x\"\n[rules]\n", "p.toml:4: rules: unknown key in the policy"},
      {"unknown verdict", rule + "verdict = [\"orphaned\", \"leaked\"]\n", "p.toml:3: verdict: unknown verdict 'leaked'"},
      {"unknown action", rule + "match = \"x\"\naction = \"kill\"\n", "p.toml:4: action: unknown action 'kill'"},
      {"unknown scope", rule + "match = \"x\"\nkeep_newest = 1\nper = \"host\"\n", "p.toml:5: per: unknown scope 'host'"},
      {"bad duration", rule + "match = \"x\"\nolder_than = \"30 minutes\"\n", "p.toml:4: older_than: "},
      {"bad regex", rule + "match = \"(unclosed\"\n", "p.toml:3: match: "},
      {"zero keep_newest", rule + "match = \"x\"\nkeep_newest = 0\n", "p.toml:4: keep_newest: must be a whole number of at least 1"},
      {"wrong type", rule + "match = \"x\"\nmax_per_run = \"20\"\n", "p.toml:4: max_per_run: must be a whole number"},
      {"no name", "[[rule]]\nmatch = \"x\"\n", "p.toml:1: name: every [[rule]] needs a name"},
      {"duplicate name", rule + "match = \"x\"\n" + rule + "match = \"y\"\n", "p.toml:4: name: a second rule named 'r'"},
      {"narrows nothing", rule + "action = \"report\"\n", "p.toml:1: rule r: narrows nothing"},
      {"container key on a process rule", rule + "match = \"x\"\nremove = true\n", "p.toml:1: rule r: container_label and remove need containers = true"},
      {"no rule", "[allow]\nmatch = [\"x\"]\n", "p.toml: no [[rule]]"},
      {"bad allow regex", rule + "match = \"x\"\n[allow]\nmatch = [\"ok\", \"[\"]\n", "p.toml:5: match: "},
  };
  for (const auto& mistake : mistakes) {
    SCOPED_TRACE(mistake.what);
    auto policy = parse_policy(mistake.text, "p.toml");
    ASSERT_FALSE(policy);
    EXPECT_EQ(policy.error().kind, ErrorKind::bad_input);
    EXPECT_TRUE(policy.error().message.starts_with(mistake.message)) << policy.error().message;
    EXPECT_EQ(policy.error().message.find('\n'), std::string::npos) << "one line";
  }
}

TEST(Policy, AMissingFileSaysWhereItLookedAndHowToNameAnother) {
  test::TempDir tmp;
  auto policy = load_policy(tmp / "absent.toml");
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error().kind, ErrorKind::not_found);
  EXPECT_NE(policy.error().message.find((tmp / "absent.toml").string()), std::string::npos);
  EXPECT_NE(policy.error().message.find("--policy FILE"), std::string::npos);
  std::ofstream(tmp / "p.toml") << kGood;
  auto read = load_policy(tmp / "p.toml");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->file, tmp / "p.toml");
}

}  // namespace
}  // namespace proctrail
