// record_snapshot: a small program built on the installed proctrail library.
// Opens (or creates) a trail, records one tagged snapshot, asks the trail a question (the leak
// suspects of that snapshot), and runs a child under a LeakGuard to show it left nothing behind.
//
//   record_snapshot TRAIL.db [TAG]   →   snapshot 1: 212 processes
//                                        leak suspects: 3
//                                        leak guard: no leaks
#include <sys/wait.h>
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>

#include <proctrail/leak_guard.hpp>
#include <proctrail/procfs.hpp>
#include <proctrail/query.hpp>
#include <proctrail/recorder.hpp>
#include <proctrail/store.hpp>

namespace {

int fail(const std::string& message) {
  std::cerr << "record_snapshot: " << message << '\n';
  return 1;
}

// Runs `sleep 0.1` and waits for it, inside a LeakGuard: nothing outlives the scope.
int guarded_child() {
  proctrail::LeakGuard guard;
  pid_t child = fork();
  if (child == 0) {
    execlp("sleep", "sleep", "0.1", static_cast<char*>(nullptr));
    _exit(127);
  }
  waitpid(child, nullptr, 0);
  auto leaks = guard.check();
  if (!leaks) return fail(leaks.error().message);
  std::cout << "leak guard: " << (leaks->empty() ? "no leaks" : std::to_string(leaks->processes.size()) + " leaked")
            << '\n';
  return leaks->empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: " << argv[0] << " TRAIL.db [TAG]\n";
    return 1;
  }
  try {
    auto store = proctrail::Store::open(argv[1]);
    if (!store) return fail(store.error().message);
    proctrail::ProcfsCollector collector({.exclude_pid = getpid()});
    proctrail::Recorder recorder(*store, collector);
    auto summary = recorder.snapshot({.trigger = "example", .tag = std::string(argc > 2 ? argv[2] : "example")});
    if (!summary) return fail(summary.error().message);
    std::cout << "snapshot " << summary->snapshot_id << ": " << summary->seen << " processes\n";

    auto trail = proctrail::TrailReader::open(argv[1]);
    if (!trail) return fail(trail.error().message);
    auto suspects = proctrail::query_leaks(*trail, summary->snapshot_id, {});
    if (!suspects) return fail(suspects.error().message);
    std::cout << "leak suspects: " << suspects->rows.size() << '\n';
    return guarded_child();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
