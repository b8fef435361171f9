#include "proctrail/event_recording.hpp"

#include <algorithm>

namespace proctrail {

EventRecording::EventRecording(std::unique_ptr<EventStream> stream, Store& store, HostInfo host,
                               EventRecordingOptions options, Logger logger)
    : stream_(std::move(stream)),
      store_(store),
      host_(std::move(host)),
      options_(std::move(options)),
      logger_(or_null(std::move(logger))) {}

void EventRecording::report(const std::string& message) const {
  if (options_.problem) return options_.problem(message);
  logger_->error("{}", message);
}

void EventRecording::Unwritten::lost(const std::vector<ProcEvent>& events, const std::string& why) {
  for (const auto& event : events) {
    if (event.kind == EventKind::gap && event.pid == 0 && event.detail.starts_with("unwritten:")) continue;  // our own
    if (count_ == 0) first_at_us_ = event.at_us;
    last_at_us_ = std::max(last_at_us_, event.at_us);
    ++count_;
  }
  why_ = why;
}

std::optional<ProcEvent> EventRecording::Unwritten::gap() const {
  if (count_ == 0) return std::nullopt;
  ProcEvent gap;
  gap.kind = EventKind::gap;
  gap.at_us = first_at_us_;
  gap.detail = "unwritten: " + std::to_string(count_) + " events could not be written to the trail between " +
               std::to_string(first_at_us_) + " and " + std::to_string(last_at_us_) + " (unix µs): " + why_;
  return gap;
}

EventRecording::Flushed EventRecording::flush() {
  Flushed flushed;
  if (!stream_) return flushed;
  flushed.events = stream_->drain();
  if (auto gap = unwritten_.gap()) flushed.events.insert(flushed.events.begin(), std::move(*gap));
  for (const auto& event : flushed.events) flushed.gaps += event.kind == EventKind::gap ? 1 : 0;
  if (!flushed.events.empty()) {
    auto written = store_.record_events(host_, flushed.events);
    if (written) {
      since_snapshot_ += written->events - written->gaps;
      gaps_ += written->gaps;
      unwritten_.written();
    } else {
      unwritten_.lost(flushed.events, written.error().message);
      report(written.error().message + " (" + std::to_string(flushed.events.size()) +
             " events not written; a gap row will say so once the trail can be written)");
    }
  }
  if (!stream_->running()) {
    report("the event reader stopped; recording snapshots only");
    stream_.reset();
  }
  return flushed;
}

Result<std::unique_ptr<EventRecording>> EventRecording::start(EventRecordingOptions options, Store& store,
                                                              const Sources& sources) {
  auto host = sources.procfs().read_host();
  if (!host) return host.error();
  ConnectorOptions connector{.receive_buffer_bytes = static_cast<int>(options.buffer_bytes)};
  EnricherOptions enricher{.clock_ticks = host->clock_ticks};
  auto stream = EventStream::start(connector, enricher, sources.logger());
  if (!stream) return stream.error();
  return std::make_unique<EventRecording>(std::move(*stream), store, std::move(*host), std::move(options),
                                          sources.logger());
}

}  // namespace proctrail
