// Hardening (issue 20): each test is the reproduction of a bug an adversarial review found, run
// against the real binary and real processes. Every process is started here and stopped by its pid.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;
using test::Ran;

const std::string kBinary = PROCTRAIL_BIN;

class Hardening : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string db = (tmp / "trail.db").string();

  Ran proctrail(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), {kBinary, "--db", db});
    return test::run_captured(args, stdin_text);
  }
};

// Regression: any --match (query, report, cleanup, even a dry run) crashed with SIGSEGV on an argv of
// 30 KB or more, because std::regex recursed per character. A real process with a 1 MB argv (eight
// arguments at the kernel's 128 KB limit each) goes through every --match path.
TEST_F(Hardening, MatchOverAOneMegabyteArgvDoesNotCrashAnyCommand) {
  std::vector<std::string> argv = {"sh", "-c", "read line", "classpath"};  // a shell builtin: no child to leave behind
  for (int i = 0; i < 8; ++i) argv.push_back(std::string(120 * 1024, static_cast<char>('a' + i)));
  Child java(argv, {.pipe_stdin = true});
  ASSERT_TRUE(test::eventually([&] { return test::read_all("/proc/" + std::to_string(java.pid()) + "/cmdline").size() > 900'000; }))
      << "the long argv is in place before the snapshot";
  ASSERT_EQ(proctrail({"snap"}).code, 0);
  for (std::vector<std::string> command : {std::vector<std::string>{"query", "leaks", "--match", "h+$"},
                                           {"query", "groups", "--match", "^sh -c (.+)+ classpath"},
                                           {"query", "memory", "--match", "(a|aa)*b"},
                                           {"report", "--format", "md", "--match", "hhhh", "--output", (tmp / "r.md").string()},
                                           {"cleanup", "--match", "^(a+)+$"},
                                           {"sql", "SELECT count(*) FROM snapshot_processes WHERE argv REGEXP '(h+)+$'"}}) {
    const Ran ran = proctrail(command);
    EXPECT_EQ(ran.code, 0) << command[0] << " " << command[1] << ": " << ran.err;
  }
  const Ran bad = proctrail({"query", "leaks", "--match", "(unclosed"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("bad regular expression '(unclosed'"), std::string::npos) << bad.err;
  java.kill_and_wait();
}

// Regression: `exec` printed the argv of what a command left behind raw, so an argv carrying escape
// sequences could clear the screen or recolour the terminal that reads the leak report.
TEST_F(Hardening, ExecLeakLinesShowEscapeSequencesInArgvEscaped) {
  const std::string hostile = "\x1b[2J\x1b]0;owned\x07";
  const Ran ran = proctrail({"exec", "--cleanup", "--grace", "1s", "--", "bash", "-c",
                             "(exec -a \"leaked " + hostile + "\" sleep 608) </dev/null >/dev/null 2>&1 &"});
  EXPECT_EQ(ran.err.find('\x1b'), std::string::npos) << "raw ESC reached the terminal";
  EXPECT_NE(ran.err.find("leaked \\x1b[2J\\x1b]0;owned\\x07"), std::string::npos) << ran.err;
  EXPECT_NE(ran.err.find("TERM → exited"), std::string::npos) << "exec --cleanup ended what it left: " << ran.err;
}

}  // namespace
}  // namespace proctrail
