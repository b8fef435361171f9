// proctrail watch --interval 10s [--count N]: a snapshot every interval, at a fixed rate.
// SIGINT/SIGTERM are blocked and waited for between snapshots, so a signal ends the loop only after
// the current snapshot has committed.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "cli/app.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/recorder.hpp"
#include "recorder/fs_util.hpp"

namespace proctrail::cli {
namespace {

// Waits until `deadline` or a signal in `signals`; true if a signal arrived.
bool wait_for_signal(const sigset_t& signals, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds::zero()) left = std::chrono::nanoseconds::zero();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    int signal = ::sigtimedwait(&signals, nullptr, &timeout);
    if (signal > 0) return true;
    if (errno == EAGAIN) return false;  // deadline reached
    if (errno != EINTR) return false;
  }
}

}  // namespace

CLI::App* setup_watch(CLI::App& app, WatchOptions& options) {
  auto* watch = app.add_subcommand("watch", "Take a snapshot every interval until stopped");
  watch->add_option("--interval", options.interval, "Time between snapshots: 500ms, 10s, 5m, ...")
      ->capture_default_str();
  watch->add_option("--count", options.count, "Stop after N snapshots (default: until SIGINT/SIGTERM)")
      ->check(CLI::NonNegativeNumber);
  watch->add_option("--tag", options.tag, "Label stored with every snapshot");
  watch->add_option("--format", options.format, "Output format, one line per snapshot")
      ->check(CLI::IsMember({"text", "json"}));
  add_collect_options(*watch, options.collect);
  return watch;
}

int run_watch(const WatchOptions& options, const GlobalOptions& global) {
  auto interval = parse_duration(options.interval);
  if (!interval) {
    print_error("watch: " + interval.error().message);
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);

  auto db = resolve_db_path(global);
  if (!db) {
    print_error(db.error().message);
    return 1;
  }
  Logger logger = make_stderr_logger(global.verbosity);
  auto store = Store::open(*db, StoreOptions{}, logger);
  if (!store) {
    print_error(store.error().message);
    return 1;
  }
  auto sources = Sources::make(options.collect, logger);
  if (!sources) {
    print_error("watch: " + sources.error().message);
    return 2;
  }
  Recorder recorder = (*sources)->recorder(*store);

  int64_t failures = 0;
  auto next = std::chrono::steady_clock::now();
  for (int64_t taken = 0; options.count == 0 || taken < options.count; ++taken) {
    SnapshotRequest request;
    request.trigger = "timer";
    if (!options.tag.empty()) request.tag = options.tag;
    int64_t started_us = fs::clock_us(CLOCK_REALTIME);
    auto summary = recorder.snapshot(request);
    int64_t elapsed = (fs::clock_us(CLOCK_REALTIME) - started_us) / 1000;
    if (summary) {
      std::cout << (options.format == "json" ? summary_json(*summary, elapsed, *db) : summary_line(*summary, elapsed))
                << std::endl;
    } else {
      ++failures;
      print_error("watch: " + summary.error().message);
    }
    if (options.count != 0 && taken + 1 >= options.count) break;
    next += *interval;
    if (next < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now();  // fell behind: skip
    if (wait_for_signal(signals, next)) break;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace proctrail::cli
