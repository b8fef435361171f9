// record_snapshot: the smallest program built on the installed proctrail library.
// Opens (or creates) a trail, records one snapshot of this machine's processes, and says so.
//
//   record_snapshot TRAIL.db [TAG]   →   snapshot 1: 212 processes
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>

#include <proctrail/procfs.hpp>
#include <proctrail/recorder.hpp>
#include <proctrail/store.hpp>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: " << argv[0] << " TRAIL.db [TAG]\n";
    return 1;
  }
  try {
    auto store = proctrail::Store::open(argv[1]);
    if (!store) {
      std::cerr << "record_snapshot: " << store.error().message << '\n';
      return 1;
    }
    proctrail::ProcfsCollector collector({.exclude_pid = getpid()});
    proctrail::Recorder recorder(*store, collector);
    auto summary = recorder.snapshot({.trigger = "example", .tag = std::string(argc > 2 ? argv[2] : "example")});
    if (!summary) {
      std::cerr << "record_snapshot: " << summary.error().message << '\n';
      return 1;
    }
    std::cout << "snapshot " << summary->snapshot_id << ": " << summary->seen << " processes\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "record_snapshot: " << e.what() << '\n';
    return 1;
  }
}
