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
#include "proctrail/duration.hpp"
#include "proctrail/events.hpp"
#include "proctrail/recorder.hpp"
#include "recorder/fs_util.hpp"

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

// The event side of a watch: the stream and the batches written from it.
class EventRecording {
 public:
  EventRecording(std::unique_ptr<EventStream> stream, Store& store, HostInfo host, Logger logger)
      : stream_(std::move(stream)), store_(store), host_(std::move(host)), logger_(std::move(logger)) {}

  // Writes what arrived as one batch. True when it held a gap: the caller takes a snapshot now.
  bool flush() {
    if (!stream_) return false;
    auto events = stream_->drain();
    int64_t gaps = 0;
    for (const auto& event : events) gaps += event.kind == EventKind::gap ? 1 : 0;
    if (!events.empty()) {
      auto written = store_.record_events(host_, events);
      if (written) {
        since_snapshot_ += written->events - written->gaps;
        gaps_ += written->gaps;
      } else {
        print_error("watch: " + written.error().message + " (" + std::to_string(events.size()) + " events lost)");
      }
    }
    if (!stream_->running()) {
      print_error("watch: the event reader stopped; recording snapshots only");
      stream_.reset();
    }
    return gaps > 0;
  }

  // Events and gaps written since the last call.
  std::pair<int64_t, int64_t> take_counts() { return {std::exchange(since_snapshot_, 0), std::exchange(gaps_, 0)}; }

 private:
  std::unique_ptr<EventStream> stream_;
  Store& store_;
  HostInfo host_;
  Logger logger_;
  int64_t since_snapshot_ = 0;
  int64_t gaps_ = 0;
};

// Starts the event stream, or says once why snapshots alone will be recorded.
std::unique_ptr<EventRecording> start_events(const WatchOptions& options, Store& store, const Sources& sources,
                                             const Logger& logger) {
  auto host = sources.procfs().read_host();
  if (!host) {
    print_error("watch --events: " + host.error().message + "; recording snapshots only");
    return nullptr;
  }
  ConnectorOptions connector{.receive_buffer_bytes = static_cast<int>(options.event_buffer)};
  EnricherOptions enricher{.clock_ticks = host->clock_ticks};
  auto stream = EventStream::start(connector, enricher, logger);
  if (!stream) {
    print_error("watch --events: " + stream.error().message + "; recording snapshots only");
    return nullptr;
  }
  return std::make_unique<EventRecording>(std::move(*stream), store, std::move(*host), logger);
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
  if (!interval) {
    print_error("watch: --interval: " + interval.error().message);
    return 2;
  }
  auto flush_interval = parse_duration(options.flush_interval);
  if (!flush_interval || flush_interval->count() <= 0) {
    print_error("watch: --flush-interval: " + (flush_interval ? "must be positive" : flush_interval.error().message));
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
  auto events = options.events ? start_events(options, *store, **sources, logger) : nullptr;

  int64_t failures = 0;
  int64_t taken = 0;
  bool snapshot_now = true;
  auto next_snapshot = Clock::now();
  while (true) {
    if (snapshot_now || Clock::now() >= next_snapshot) {
      if (events) events->flush();  // forks first: the snapshot takes original parents from them
      SnapshotRequest request;
      request.trigger = snapshot_now && taken > 0 ? "event" : "timer";
      if (!options.tag.empty()) request.tag = options.tag;
      int64_t started_us = fs::clock_us(CLOCK_REALTIME);
      auto summary = recorder.snapshot(request);
      int64_t elapsed = (fs::clock_us(CLOCK_REALTIME) - started_us) / 1000;
      if (summary) {
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
    if (events && events->flush()) snapshot_now = true;  // the kernel dropped events: rescan now
  }
  if (events) events->flush();
  return failures == 0 ? 0 : 1;
}

}  // namespace proctrail::cli
