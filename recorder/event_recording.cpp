#include "proctrail/event_recording.hpp"

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

EventRecording::Flushed EventRecording::flush() {
  Flushed flushed;
  if (!stream_) return flushed;
  flushed.events = stream_->drain();
  for (const auto& event : flushed.events) flushed.gaps += event.kind == EventKind::gap ? 1 : 0;
  if (!flushed.events.empty()) {
    auto written = store_.record_events(host_, flushed.events);
    if (written) {
      since_snapshot_ += written->events - written->gaps;
      gaps_ += written->gaps;
    } else {
      report(written.error().message + " (" + std::to_string(flushed.events.size()) + " events lost)");
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
