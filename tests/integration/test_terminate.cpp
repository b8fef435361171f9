// The termination engine (cleanup/terminate.hpp) against real children forked here; each is stopped
// by its pid (test::Child) if the engine did not end it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "cleanup/terminate.hpp"
#include "proctrail/leak_guard.hpp"
#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using detail::Termination;
using detail::TargetOutcome;
using test::Child;
using test::eventually;

std::string unique_tag() { return std::to_string(::getpid()) + "-" + std::to_string(::time(nullptr)); }

// The child's identity, once its cmdline starts with `argv0` (it has exec'd).
ProcessKey identity_of(const Child& child, const std::string& argv0 = "") {
  EXPECT_TRUE(eventually([&] {
    std::ifstream in("/proc/" + std::to_string(child.pid()) + "/cmdline");
    return std::string(std::istreambuf_iterator<char>(in), {}).starts_with(argv0);
  }));
  auto stat = detail::current_stat(child.pid());
  EXPECT_TRUE(stat);
  return ProcessKey{child.pid(), stat ? stat->starttime : 0};
}

bool running(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == 0; }

class Terminate : public ::testing::Test {
 protected:
  const std::string tag = unique_tag();
  std::vector<TargetOutcome> outcomes;

  detail::OnTermination collect() {
    return [this](const TargetOutcome& outcome) {
      outcomes.push_back(outcome);
      return ok_status();
    };
  }
  Status run(std::vector<ProcessKey> targets, std::chrono::milliseconds grace, std::filesystem::path proc_root = "/proc") {
    return detail::terminate(targets, detail::TerminateOptions{.grace = grace, .proc_root = std::move(proc_root)}, collect());
  }
  // Children that ignore SIGTERM (bash's `trap ''` survives the exec).
  Child stubborn() { return Child({"bash", "-c", "trap '' TERM; exec -a proctrail-test-stubborn-" + tag + " sleep 1000"}); }
  Child sleeper() { return Child({"bash", "-c", "exec -a proctrail-test-sleeper-" + tag + " sleep 1000"}); }
};

TEST_F(Terminate, ProcessThatExitsOnTermIsReportedExited) {
  Child child = sleeper();
  const ProcessKey key = identity_of(child, "proctrail-test-sleeper");
  ASSERT_TRUE(run({key}, std::chrono::milliseconds(5000)));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].index, 0u);
  EXPECT_EQ(outcomes[0].key, key);
  EXPECT_EQ(outcomes[0].signal, "TERM");
  EXPECT_EQ(outcomes[0].outcome, Termination::exited);
  EXPECT_EQ(outcomes[0].detail, "");
  EXPECT_EQ(child.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
}

TEST_F(Terminate, ProcessThatIgnoresTermIsKilledAfterTheGrace) {
  Child child = stubborn();
  const ProcessKey key = identity_of(child, "proctrail-test-stubborn");
  const auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(run({key}, std::chrono::milliseconds(300)));
  EXPECT_GE(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(300));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].signal, "TERM+KILL");
  EXPECT_EQ(outcomes[0].outcome, Termination::killed);
  EXPECT_EQ(outcomes[0].detail, "ignored SIGTERM for the grace period");
  EXPECT_EQ(child.wait_for(std::chrono::seconds(5)), 128 + SIGKILL);
}

TEST_F(Terminate, PidWhoseStartTimeDiffersIsNotSignalled) {
  Child child = sleeper();
  ProcessKey key = identity_of(child, "proctrail-test-sleeper");
  const uint64_t actual = key.start_ticks;
  key.start_ticks += 1;  // the process the caller means started a tick later: not this one
  ASSERT_TRUE(run({key}, std::chrono::milliseconds(200)));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].signal, "none");
  EXPECT_EQ(outcomes[0].outcome, Termination::identity_mismatch);
  EXPECT_EQ(outcomes[0].detail, "pid " + std::to_string(key.pid) + " now belongs to a process started at tick " +
                                    std::to_string(actual) + "; it was not touched");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(running(child.pid()));
}

TEST_F(Terminate, ZombieIsReportedWithItsParentAndNotSignalled) {
  Child child({"true"});
  ASSERT_TRUE(eventually([&] {
    auto stat = detail::current_stat(child.pid());
    return stat && stat->state == 'Z';
  }));
  const ProcessKey key{child.pid(), detail::current_stat(child.pid())->starttime};
  ASSERT_TRUE(run({key}, std::chrono::milliseconds(200)));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].signal, "none");
  EXPECT_EQ(outcomes[0].outcome, Termination::zombie);
  EXPECT_EQ(outcomes[0].detail, "already exited; its parent " + std::to_string(::getpid()) + " (" +
                                    detail::current_stat(::getpid())->comm + ") has not reaped it");
  EXPECT_EQ(child.wait(), 0);  // still ours to reap: it exited on its own
}

TEST_F(Terminate, ProcessThatIsGoneIsReportedGone) {
  Child child({"true"});
  const pid_t pid = child.pid();
  child.wait();
  ASSERT_TRUE(run({ProcessKey{pid, 1}}, std::chrono::milliseconds(200)));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].signal, "none");
  // The pid is free unless another process took it in the meantime: then it is not ours either.
  EXPECT_TRUE(outcomes[0].outcome == Termination::gone || outcomes[0].outcome == Termination::identity_mismatch);
}

// The start time is re-read under the given /proc: a copy that says another start time makes the
// live process someone else, and it is left alone.
TEST_F(Terminate, IdentityIsReadThroughTheGivenProcRoot) {
  Child child = sleeper();
  const ProcessKey key = identity_of(child, "proctrail-test-sleeper");
  test::TempDir fake_proc;
  std::string stat = test::read_all("/proc/" + std::to_string(key.pid) + "/stat");
  // Field 22 (starttime) is the 20th after the ")" that ends comm.
  size_t at = stat.rfind(')') + 1;
  for (int field = 0; field < 20; ++field) at = stat.find(' ', at) + 1;
  const size_t end = stat.find(' ', at);
  ASSERT_EQ(stat.substr(at, end - at), std::to_string(key.start_ticks));
  stat.replace(at, end - at, std::to_string(key.start_ticks + 7));
  test::write_all(fake_proc / std::to_string(key.pid) / "stat", stat);
  ASSERT_TRUE(run({key}, std::chrono::milliseconds(200), fake_proc.path()));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].outcome, Termination::identity_mismatch);
  EXPECT_TRUE(running(child.pid()));
}

// An outcome known before any signal is reported by signal() itself, the others by finish(), in
// the order they became known.
TEST_F(Terminate, RefusedTargetsAreReportedAtOnceTheSignalledOnesAfterTheGrace) {
  Child mismatched = sleeper();
  Child target = sleeper();
  ProcessKey other = identity_of(mismatched, "proctrail-test-sleeper");
  other.start_ticks += 1;
  const ProcessKey key = identity_of(target, "proctrail-test-sleeper");
  detail::Terminator terminator({.grace = std::chrono::milliseconds(5000)}, collect());
  ASSERT_TRUE(terminator.signal(0, key));
  EXPECT_TRUE(outcomes.empty());
  ASSERT_TRUE(terminator.signal(1, other));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].index, 1u);
  EXPECT_EQ(outcomes[0].outcome, Termination::identity_mismatch);
  ASSERT_TRUE(terminator.finish());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[1].index, 0u);
  EXPECT_EQ(outcomes[1].outcome, Termination::exited);
  EXPECT_EQ(target.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
  EXPECT_TRUE(running(mismatched.pid()));
}

// A report that fails (the caller could not audit it) stops the engine: nothing after it is signalled.
TEST_F(Terminate, FailedReportStopsTheEngine) {
  Child mismatched = sleeper();
  Child spared = sleeper();
  ProcessKey other = identity_of(mismatched, "proctrail-test-sleeper");
  other.start_ticks += 1;
  const ProcessKey key = identity_of(spared, "proctrail-test-sleeper");
  int reports = 0;
  auto refuse = [&](const TargetOutcome&) -> Status {
    ++reports;
    return Error{"recording the outcome: disk full"};
  };
  const std::vector<ProcessKey> targets{other, key};
  auto done = detail::terminate(targets, {.grace = std::chrono::milliseconds(200)}, refuse);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message, "recording the outcome: disk full");
  EXPECT_EQ(reports, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(running(spared.pid()));
}

// Write-ahead: before_signal hears of a verified target before its signal; when it fails, the
// target is not signalled and its error is signal()'s.
TEST_F(Terminate, TargetIsSignalledOnlyAfterBeforeSignalSucceeded) {
  Child told = sleeper();
  Child refused = sleeper();
  const ProcessKey told_key = identity_of(told, "proctrail-test-sleeper");
  const ProcessKey refused_key = identity_of(refused, "proctrail-test-sleeper");
  std::vector<std::pair<size_t, bool>> heard;  // index, whether the target was still running then
  detail::Terminator terminator({.grace = std::chrono::milliseconds(5000)}, collect(), [&](size_t index, const ProcessKey& key) -> Status {
    heard.emplace_back(index, running(key.pid));
    if (index == 1) return Error{"recording the intent: disk full"};
    return ok_status();
  });
  ASSERT_TRUE(terminator.signal(0, told_key));
  auto signalled = terminator.signal(1, refused_key);
  ASSERT_FALSE(signalled);
  EXPECT_EQ(signalled.error().message, "recording the intent: disk full");
  ASSERT_TRUE(terminator.finish());
  EXPECT_EQ(heard, (std::vector<std::pair<size_t, bool>>{{0, true}, {1, true}}));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].index, 0u);
  EXPECT_EQ(outcomes[0].outcome, Termination::exited);
  EXPECT_EQ(told.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(running(refused.pid()));
}

// Once the stop descriptor is readable the grace ends: a target still running is reported
// interrupted and is not sent SIGKILL; one that exited on SIGTERM is reported exited.
TEST_F(Terminate, StopDescriptorEndsTheGraceWithoutSigkill) {
  Child polite = sleeper();
  Child deaf = stubborn();
  const std::vector<ProcessKey> keys{identity_of(polite, "proctrail-test-sleeper"), identity_of(deaf, "proctrail-test-stubborn")};
  int stop[2];
  ASSERT_EQ(::pipe2(stop, O_CLOEXEC), 0);
  detail::Terminator terminator({.grace = std::chrono::seconds(60), .stop_fd = stop[0]}, collect());
  ASSERT_TRUE(terminator.signal(0, keys[0]));
  ASSERT_TRUE(terminator.signal(1, keys[1]));
  EXPECT_EQ(polite.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
  ASSERT_EQ(::write(stop[1], "x", 1), 1);
  const auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(terminator.finish());
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(30)) << "the grace was waited out";
  ::close(stop[0]);
  ::close(stop[1]);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].index, 0u);
  EXPECT_EQ(outcomes[0].outcome, Termination::exited);
  EXPECT_EQ(outcomes[1].index, 1u);
  EXPECT_EQ(outcomes[1].signal, "TERM");
  EXPECT_EQ(outcomes[1].outcome, Termination::interrupted);
  EXPECT_TRUE(running(deaf.pid())) << "no SIGKILL after a stop";
}

TEST_F(Terminate, OutcomeNamesAreTheAuditTrailsWords) {
  EXPECT_EQ(detail::termination_name(Termination::gone), "gone");
  EXPECT_EQ(detail::termination_name(Termination::identity_mismatch), "identity-mismatch");
  EXPECT_EQ(detail::termination_name(Termination::zombie), "zombie");
  EXPECT_EQ(detail::termination_name(Termination::permission_denied), "permission-denied");
  EXPECT_EQ(detail::termination_name(Termination::exited), "exited");
  EXPECT_EQ(detail::termination_name(Termination::killed), "killed");
  EXPECT_EQ(detail::termination_name(Termination::still_running), "still-running");
  EXPECT_EQ(detail::termination_name(Termination::interrupted), "interrupted");
  EXPECT_EQ(detail::termination_name(Termination::failed), "failed");
}

// The leak guard's entry point runs on the same engine: it counts only what outlived SIGKILL.
TEST_F(Terminate, TerminateProcessesEndsBothKindsAndCountsNoSurvivors) {
  Child polite = sleeper();
  Child deaf = stubborn();
  const std::vector<ProcessKey> keys{identity_of(polite, "proctrail-test-sleeper"), identity_of(deaf, "proctrail-test-stubborn")};
  EXPECT_EQ(terminate_processes(keys, std::chrono::milliseconds(300)), 0u);
  EXPECT_EQ(polite.wait_for(std::chrono::seconds(5)), 128 + SIGTERM);
  EXPECT_EQ(deaf.wait_for(std::chrono::seconds(5)), 128 + SIGKILL);
}

}  // namespace
}  // namespace proctrail
