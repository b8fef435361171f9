#pragma once
// Processes a test started that are no longer its children (their client exited): it kills them by
// the pids it got back and waits until their reaper (init or a subreaper) has taken them.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/child.hpp"

namespace proctrail::test {

// Whether `pid` exists and is not a zombie.
inline bool alive_not_zombie(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  const size_t close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

class Orphans {
 public:
  Orphans() = default;
  Orphans(const Orphans&) = delete;
  Orphans& operator=(const Orphans&) = delete;
  void adopt(pid_t pid) { pids_.push_back(pid); }
  ~Orphans() {
    for (pid_t pid : pids_) ::kill(pid, SIGKILL);
    for (pid_t pid : pids_) {
      eventually([&] { return !std::filesystem::exists("/proc/" + std::to_string(pid)); }, std::chrono::seconds(10));
    }
  }

 private:
  std::vector<pid_t> pids_;
};

}  // namespace proctrail::test
