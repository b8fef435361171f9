#pragma once
// GoogleTest helpers: fail a test that leaves processes (or containers) behind.
//
//   int main(int argc, char** argv) {
//     ::testing::InitGoogleTest(&argc, argv);
//     proctrail::testing::add_leak_check();   // every test is checked as it ends
//     return RUN_ALL_TESTS();
//   }
//
// A test that leaks fails with one line per leaked process (pid, how it escaped, argv), and the
// leaks are then ended (by identity, through a pidfd) so the next test starts clean.
// LeakCheckEnvironment does the same once for the whole program.
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>

#include "proctrail/leak_guard.hpp"

namespace proctrail::testing {

inline std::string describe_leaks(const LeakReport& report) {
  std::ostringstream text;
  text << "left behind " << report.processes.size() << " process(es) and " << report.containers.size()
       << " container(s):";
  for (const auto& p : report.processes) {
    text << "\n  pid " << p.key.pid << " (" << p.escape << ", found by " << p.found_by << "): " << p.argv;
  }
  for (const auto& c : report.containers) text << "\n  container " << c.id.substr(0, 12) << " " << c.name << " (" << c.image << ")";
  return text.str();
}

// Checks `guard` and reports a failure for what it finds; ends the leaks when `terminate`.
inline void expect_no_leaks(const LeakGuard& guard, bool terminate = true) {
  auto report = guard.check();
  if (!report) {
    ADD_FAILURE() << "leak check: " << report.error().message;
    return;
  }
  if (report->empty()) return;
  ADD_FAILURE() << describe_leaks(*report);
  if (terminate) guard.terminate(*report);
}

// One guarded stretch: begin() records, end() checks (and ends the leaks when `terminate`).
class GuardedScope {
 public:
  GuardedScope(LeakGuardOptions options, bool terminate) : options_(std::move(options)), terminate_(terminate) {}
  void begin() { guard_.emplace(options_); }
  void end() {
    if (!guard_) return;
    expect_no_leaks(*guard_, terminate_);
    guard_.reset();
  }

 private:
  LeakGuardOptions options_;
  bool terminate_;
  std::optional<LeakGuard> guard_;
};

// Guards each test: records at its start, checks at its end.
class LeakCheckListener : public ::testing::EmptyTestEventListener {
 public:
  explicit LeakCheckListener(LeakGuardOptions options = {}, bool terminate = true) : scope_(std::move(options), terminate) {}
  void OnTestStart(const ::testing::TestInfo&) override { scope_.begin(); }
  void OnTestEnd(const ::testing::TestInfo&) override { scope_.end(); }

 private:
  GuardedScope scope_;
};

// Guards the whole program: records before the first test, checks after the last.
class LeakCheckEnvironment : public ::testing::Environment {
 public:
  explicit LeakCheckEnvironment(LeakGuardOptions options = {}, bool terminate = true) : scope_(std::move(options), terminate) {}
  void SetUp() override { scope_.begin(); }
  void TearDown() override { scope_.end(); }

 private:
  GuardedScope scope_;
};

// Appends a LeakCheckListener (googletest owns it). Call after InitGoogleTest.
inline void add_leak_check(LeakGuardOptions options = {}, bool terminate = true) {
  ::testing::UnitTest::GetInstance()->listeners().Append(new LeakCheckListener(std::move(options), terminate));
}

}  // namespace proctrail::testing
