// Durations, hook payloads, default paths.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

#include "integrations/hook_payload.hpp"
#include "proctrail/query.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/hook.hpp"
#include "proctrail/paths.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsUnitsAndSums) {
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("10s"), milliseconds(10'000));
  EXPECT_EQ(*parse_duration("5m"), milliseconds(300'000));
  EXPECT_EQ(*parse_duration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(*parse_duration("7d"), milliseconds(7 * 86'400'000LL));
  EXPECT_EQ(*parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*parse_duration("15"), milliseconds(15'000));
}

TEST(ParseDuration, RejectsNonsenseWithAClearMessage) {
  for (const char* text : {"", "0s", "-5s", "ten", "5x", "s", "5 s", "99999999999999999999d", "1000000d"}) {
    auto parsed = parse_duration(text);
    EXPECT_FALSE(parsed) << text;
    if (!parsed) { EXPECT_NE(parsed.error().message.find("bad duration"), std::string::npos); }
  }
}

TEST(HookPayload, ReadsClaudeCodeFields) {
  auto payload = parse_hook_payload(
      R"({"session_id":"abc-123","transcript_path":"/home/u/.claude/projects/x.jsonl","cwd":"/work",)"
      R"("hook_event_name":"SessionStart","source":"startup"})");
  EXPECT_FALSE(payload.error);
  EXPECT_EQ(payload.session_id, "abc-123");
  EXPECT_EQ(payload.event, "SessionStart");
  EXPECT_EQ(payload.cwd, "/work");
  EXPECT_EQ(payload.transcript_path, "/home/u/.claude/projects/x.jsonl");
}

TEST(HookPayload, NotJsonIsAnErrorNotAThrow) {
  auto payload = parse_hook_payload("this is not json {");
  ASSERT_TRUE(payload.error);
  EXPECT_NE(payload.error->find("not JSON"), std::string::npos);
  EXPECT_FALSE(payload.session_id);
}

TEST(HookPayload, WrongTypesAreIgnored) {
  auto payload = parse_hook_payload(R"({"session_id": 42, "hook_event_name": ["x"], "cwd": null})");
  EXPECT_FALSE(payload.error);
  EXPECT_FALSE(payload.session_id);
  EXPECT_FALSE(payload.event);
  EXPECT_FALSE(payload.cwd);
  EXPECT_TRUE(parse_hook_payload("[1,2]").error);
  EXPECT_TRUE(parse_hook_payload("\"text\"").error);
}

TEST(HookPayload, OversizedIsRefused) {
  std::string big(kMaxHookPayloadBytes + 1, ' ');
  auto payload = parse_hook_payload(big);
  ASSERT_TRUE(payload.error);
  EXPECT_NE(payload.error->find("larger than"), std::string::npos);
}

TEST(DefaultDbPath, FollowsThePrecedence) {
  std::map<std::string, std::string> env;
  auto lookup = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_FALSE(default_db_path(lookup));
  env["HOME"] = "/home/u";
  EXPECT_EQ(*default_db_path(lookup), "/home/u/.local/state/proctrail/trail.db");
  env["XDG_STATE_HOME"] = "/state";
  EXPECT_EQ(*default_db_path(lookup), "/state/proctrail/trail.db");
  env["PROCTRAIL_DB"] = "/x/y.db";
  EXPECT_EQ(*default_db_path(lookup), "/x/y.db");
  env["PROCTRAIL_DB"] = "";  // empty counts as unset
  EXPECT_EQ(*default_db_path(lookup), "/state/proctrail/trail.db");
}

TEST(EnsurePrivateDir, CreatesFoldersWithMode0700) {
  test::TempDir tmp;
  auto dir = tmp / "a/b/c";
  ASSERT_TRUE(ensure_private_dir(dir));
  struct stat info {};
  ASSERT_EQ(::stat(dir.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_TRUE(ensure_private_dir(dir));  // again: fine
  test::write_all(tmp / "file", "x");
  EXPECT_FALSE(ensure_private_dir(tmp / "file" / "sub"));
}

}  // namespace
}  // namespace proctrail

namespace proctrail {
namespace {

// Regression: exec's leak lines and import's skipped-line messages printed raw escape sequences from
// argv. Everything a terminal would act on is shown escaped instead.
TEST(Printable, TerminalControlsBidiOverridesAndStrayBytesAreShownEscaped) {
  using namespace std::string_literals;
  EXPECT_EQ(printable("sleep 100"), "sleep 100");
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1b[2Jb") << "C0: ESC";
  EXPECT_EQ(printable("line\nnext\ttab\x7f"), "line\\nnext\\ttab\\x7f");
  EXPECT_EQ(printable("csi \xc2\x9b" "31m"), "csi \\u{009B}31m") << "C1 as UTF-8";
  EXPECT_EQ(printable("stray \x9b" "31m"), "stray \\x9b31m") << "a lone C1 byte, not UTF-8";
  EXPECT_EQ(printable("safe \xe2\x80\xae" "txt.exe"), "safe \\u{202E}txt.exe") << "right-to-left override";
  EXPECT_EQ(printable("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u{2066}x\\u{2069}") << "isolates";
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93") << "printable UTF-8 stays";
  EXPECT_EQ(printable("nul\0end"s), "nul\\x00end");
  EXPECT_EQ(printable("\xc0\x80"), "\\xc0\\x80") << "an overlong encoding is two stray bytes";
}

}  // namespace
}  // namespace proctrail
