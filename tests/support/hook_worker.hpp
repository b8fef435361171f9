// Waiting for the detached worker that `snap --hook` leaves behind: the caller returns once the
// payload is read, so a test that reads the database afterwards must first wait for the worker's
// snapshot to commit and for the worker itself to exit (so no test leaves one running).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "tests/support/child.hpp"

namespace proctrail::test {

// Polls until `where` (a condition on snapshots) matches exactly one snapshot, then until that
// snapshot's collector has exited. Returns the worker's pid, or "" if either wait timed out.
inline std::string wait_for_hook_worker(const std::filesystem::path& db, const std::string& where,
                                        std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  std::string worker;
  auto landed = [&] {
    try {
      SQLite::Database database(db.string(), SQLite::OPEN_READONLY);
      SQLite::Statement query(database, "SELECT collector_pid FROM snapshots WHERE " + where);
      if (!query.executeStep()) return false;
      worker = query.getColumn(0).getString();
      return !query.executeStep();
    } catch (const SQLite::Exception&) {
      return false;  // not created yet, or the worker holds the write lock
    }
  };
  if (!eventually(landed, limit)) return "";
  if (!eventually([&] { return !std::filesystem::exists("/proc/" + worker); }, limit)) return "";
  return worker;
}

}  // namespace proctrail::test
