// The hook's detached worker as a library call (include/proctrail/hook.hpp): a forked "hook caller"
// reads its payload and detaches; the caller's stdout reaches EOF while the worker still runs, and
// the worker carries the payload on in a session of its own, stdio on /dev/null, nothing else open.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "proctrail/hook.hpp"
#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

// Reads `fd` to EOF; false if EOF did not come within `limit`.
bool read_to_eof(int fd, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[256];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd poll_fd{fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return false;
    if (::read(fd, buffer, sizeof buffer) <= 0) return true;
  }
}

constexpr int kInherited = 77;  // a descriptor the hook caller holds beyond stdio

// What the worker found about itself, one "name value" per line.
void describe_worker(const std::filesystem::path& out, const std::optional<HookPayload>& payload) {
  struct stat null_info {}, stdout_info {};
  ::stat("/dev/null", &null_info);
  ::fstat(STDOUT_FILENO, &stdout_info);
  std::ofstream file(out.string() + ".tmp");
  file << "session_id " << (payload && payload->session_id ? *payload->session_id : "-") << "\n"
       << "pid " << ::getpid() << "\n"
       << "sid " << ::getsid(0) << "\n"
       << "stdout_is_null " << (stdout_info.st_rdev == null_info.st_rdev && S_ISCHR(stdout_info.st_mode)) << "\n"
       << "inherited_open " << (::fcntl(kInherited, F_GETFD) >= 0) << "\n"
       << "nice " << ::getpriority(PRIO_PROCESS, 0) << "\n";
  file.close();
  std::filesystem::rename(out.string() + ".tmp", out);
}

TEST(HookWorker, CallerReturnsAtOnceWhileTheDetachedWorkerCarriesThePayloadOn) {
  test::TempDir tmp;
  const auto gate = tmp / "gate";    // the worker waits here until the test has seen the caller's EOF
  const auto report = tmp / "worker.txt";
  ASSERT_EQ(::mkfifo(gate.c_str(), 0600), 0);
  int payload[2], caller_out[2];
  ASSERT_EQ(::pipe2(payload, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(caller_out, O_CLOEXEC), 0);
  const std::string json = R"({"hook_event_name":"Stop","session_id":"s-42"})";
  ASSERT_EQ(::write(payload[1], json.data(), json.size()), static_cast<ssize_t>(json.size()));
  ::close(payload[1]);

  const pid_t caller = ::fork();
  ASSERT_GE(caller, 0);
  if (caller == 0) {
    ::dup2(payload[0], STDIN_FILENO);
    ::dup2(caller_out[1], STDOUT_FILENO);
    ::dup2(STDIN_FILENO, kInherited);
    auto hook = read_hook_payload(STDIN_FILENO);
    if (detach_hook_worker() == HookRole::caller) ::_exit(hook && hook->event == "Stop" ? 0 : 1);
    const int wait = ::open(gate.c_str(), O_RDONLY);  // blocks until the test opens the other end
    char go = 0;
    if (wait >= 0 && ::read(wait, &go, 1) == 1) describe_worker(report, hook);
    ::_exit(0);
  }
  ::close(payload[0]);
  ::close(caller_out[1]);
  EXPECT_TRUE(read_to_eof(caller_out[0], std::chrono::seconds(10)))
      << "the caller's stdout stayed open: the worker still holds it";
  ::close(caller_out[0]);
  int status = -1;
  ASSERT_EQ(::waitpid(caller, &status, 0), caller);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

  int release = -1;  // the worker may not have opened the gate yet: ENXIO until it has
  ASSERT_TRUE(test::eventually([&] { return (release = ::open(gate.c_str(), O_WRONLY | O_NONBLOCK)) >= 0; },
                               std::chrono::seconds(10)));
  ASSERT_EQ(::write(release, "g", 1), 1);
  ::close(release);
  ASSERT_TRUE(test::eventually([&] { return std::filesystem::exists(report); }, std::chrono::seconds(10)));

  std::ifstream in(report);
  std::map<std::string, std::string> facts;
  for (std::string name, value; in >> name >> value;) facts[name] = value;
  EXPECT_EQ(facts["session_id"], "s-42");
  EXPECT_NE(facts["sid"], std::to_string(::getsid(0))) << "the worker is in a session of its own";
  EXPECT_EQ(facts["stdout_is_null"], "1");
  EXPECT_EQ(facts["inherited_open"], "0") << "the worker inherits no descriptor beyond stdio";
  EXPECT_EQ(facts["nice"], "19");
  const std::string worker = facts["pid"];
  ASSERT_FALSE(worker.empty());
  EXPECT_TRUE(test::eventually([&] { return !std::filesystem::exists("/proc/" + worker); }, std::chrono::seconds(10)))
      << "worker " << worker << " did not exit";
}

TEST(HookWorker, NoPayloadOnATerminalOrAnEmptyPipeAndAnErrorForOneThatIsNotJson) {
  int empty[2];
  ASSERT_EQ(::pipe2(empty, O_CLOEXEC), 0);
  ::close(empty[1]);
  EXPECT_FALSE(read_hook_payload(empty[0]));
  ::close(empty[0]);

  int garbage[2];
  ASSERT_EQ(::pipe2(garbage, O_CLOEXEC), 0);
  ASSERT_EQ(::write(garbage[1], "not json", 8), 8);
  ::close(garbage[1]);
  auto payload = read_hook_payload(garbage[0]);
  ::close(garbage[0]);
  ASSERT_TRUE(payload);
  EXPECT_TRUE(payload->error);
  EXPECT_FALSE(payload->session_id);

  int silent[2];  // a caller that keeps the pipe open without writing: the deadline lets us go
  ASSERT_EQ(::pipe2(silent, O_CLOEXEC), 0);
  const auto start = std::chrono::steady_clock::now();
  auto silence = read_hook_payload(silent[0], std::chrono::milliseconds(100));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_TRUE(silence) << "a payload that never ended is said, not dropped";
  EXPECT_EQ(silence->error, "hook payload did not end within 100 ms (0 bytes read)");
  EXPECT_FALSE(silence->session_id);
  ::close(silent[0]);
  ::close(silent[1]);
}

}  // namespace
}  // namespace proctrail
