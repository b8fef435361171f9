// A GoogleTest program using proctrail::testing::add_leak_check, run by the integration tests in a
// subprocess: Leaky.* must fail (and have its leaks ended), Clean.* must pass. Not a test of its own.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "proctrail/testing.hpp"

namespace {

pid_t spawn(const char* shell_command) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", shell_command, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Leaves a child running, never waited for, and a double-forked daemon in a new session (which the
// marker finds: it is no descendant of this process any more).
TEST(Leaky, LeavesAChildAndADaemonBehind) {
  pid_t child = spawn("exec sleep 300");
  std::printf("leaky child pid %d\n", child);
  pid_t launcher = spawn("setsid sh -c 'exec sleep 301' </dev/null >/dev/null 2>&1 &");
  ::waitpid(launcher, nullptr, 0);
  ::usleep(200'000);  // let the daemon exec
  SUCCEED();
}

TEST(Clean, WaitsForWhatItStarts) {
  pid_t child = spawn("sleep 0.1");
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  proctrail::testing::add_leak_check({.settle = std::chrono::milliseconds(300)});
  return RUN_ALL_TESTS();
}
