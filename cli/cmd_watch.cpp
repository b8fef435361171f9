// proctrail watch --interval 10s [--count N] [--events]: a snapshot every interval, at a fixed rate,
// and with --events the kernel's process events in between, written in batches.
// SIGINT/SIGTERM are blocked and waited for between snapshots, so a signal ends the loop only after
// the current snapshot has committed; events received before the signal are written before exit.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/cmd_watch.hpp"
#include "proctrail/clock.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/event_recording.hpp"
#include "proctrail/recorder.hpp"

namespace proctrail::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until `deadline` or a signal in `signals`; true if a signal arrived.
bool wait_for_signal(const sigset_t& signals, Clock::time_point deadline) {
  while (true) {
    auto left = deadline - Clock::now();
    if (left <= std::chrono::nanoseconds::zero()) left = std::chrono::nanoseconds::zero();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    int signal = ::sigtimedwait(&signals, nullptr, &timeout);
    if (signal > 0) return true;
    if (errno == EAGAIN) return false;  // deadline reached
    if (errno != EINTR) return false;
  }
}

std::string snapshot_output(const WatchOptions& options, const SnapshotSummary& summary, int64_t elapsed_ms,
                            const std::filesystem::path& db, EventRecording* events) {
  if (!events) return options.format == "json" ? summary_json(summary, elapsed_ms, db) : summary_line(summary, elapsed_ms);
  auto [recorded, gaps] = events->take_counts();
  if (options.format == "json") {
    auto line = nlohmann::json::parse(summary_json(summary, elapsed_ms, db));
    line["events"] = recorded;
    line["event_gaps"] = gaps;
    return line.dump();
  }
  std::string line = summary_line(summary, elapsed_ms) + ", events " + std::to_string(recorded);
  if (gaps > 0) line += " (" + std::to_string(gaps) + " gaps)";
  return line;
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
  watch->add_flag("--events", options.events,
                  "Also record every fork, exec and exit between snapshots (proc connector; needs root)");
  watch->add_option("--flush-interval", options.flush_interval, "With --events: how often events are written")
      ->capture_default_str();
  watch->add_option("--event-buffer", options.event_buffer,
                    "With --events: kernel receive buffer in bytes (events beyond it are dropped and recorded as a gap)")
      ->check(CLI::Range(int64_t{4096}, int64_t{1} << 30))
      ->capture_default_str();
  add_collect_options(*watch, options.collect);
  return watch;
}

int run_watch(const WatchOptions& options, const GlobalOptions& global) {
  auto interval = parse_duration(options.interval);
  if (!interval) return fail_with(interval.error().within("watch: --interval"));
  auto flush_interval = parse_duration(options.flush_interval);
  if (!flush_interval) return fail_with(flush_interval.error().within("watch: --flush-interval"));
  if (flush_interval->count() <= 0) return fail_with(Error{"watch: --flush-interval: must be positive", ErrorKind::bad_input});
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);

  auto db = resolve_db_path(global);
  if (!db) return fail_with(db.error());
  Logger logger = make_stderr_logger(global.verbosity);
  auto store = Store::open(*db, StoreOptions{}, logger);
  if (!store) return fail_with(store.error());
  auto sources = make_sources(options.collect, logger);
  if (!sources) return fail_with(sources.error().within("watch"));
  Recorder recorder = (*sources)->recorder(*store);
  std::unique_ptr<EventRecording> events;
  if (options.events) {
    auto started = EventRecording::start({.buffer_bytes = options.event_buffer, .problem = print_error}, *store, **sources);
    if (started) {
      events = std::move(*started);
    } else {
      print_error("watch --events: " + started.error().message + "; recording snapshots only");
    }
  }

  int64_t failures = 0;
  int64_t taken = 0;
  std::string said_source;  // the unavailable container source the last line named
  bool snapshot_now = true;
  auto next_snapshot = Clock::now();
  while (true) {
    if (snapshot_now || Clock::now() >= next_snapshot) {
      if (events) events->flush();  // forks first: the snapshot takes original parents from them
      SnapshotRequest request;
      request.trigger = snapshot_now && taken > 0 ? "event" : "watch";  // event: a rescan after dropped events
      if (!options.tag.empty()) request.tag = options.tag;
      int64_t started_us = now_realtime_us();
      auto summary = recorder.snapshot(request);
      int64_t elapsed = (now_realtime_us() - started_us) / 1000;
      if (summary) {
        // A source that is unavailable (no Docker daemon) is said on the first line, and again only
        // when that changes; json lines keep it on every line, for programs.
        const std::string source = summary->containers_source;
        if (options.format != "json" && !summary->containers_seen && source == said_source) summary->containers_source.clear();
        said_source = summary->containers_seen ? "" : source;
        std::cout << snapshot_output(options, *summary, elapsed, *db, events.get()) << std::endl;
      } else {
        ++failures;
        print_error("watch: " + summary.error().message);
      }
      snapshot_now = false;
      ++taken;
      if (options.count != 0 && taken >= options.count) break;
      next_snapshot += *interval;
      if (next_snapshot < Clock::now()) next_snapshot = Clock::now();  // fell behind: skip
    }
    auto wake = events ? std::min(next_snapshot, Clock::now() + *flush_interval) : next_snapshot;
    if (wait_for_signal(signals, wake)) break;
    if (events && events->flush().gaps > 0) snapshot_now = true;  // the kernel dropped events: rescan now
  }
  if (events) events->flush();
  return failures == 0 ? 0 : exit_code::failed;
}

}  // namespace proctrail::cli
