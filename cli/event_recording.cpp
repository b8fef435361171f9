#include "cli/event_recording.hpp"

#include "cli/app.hpp"

namespace proctrail::cli {

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
      print_error(written.error().message + " (" + std::to_string(flushed.events.size()) + " events lost)");
    }
  }
  if (!stream_->running()) {
    print_error("the event reader stopped; recording snapshots only");
    stream_.reset();
  }
  return flushed;
}

std::unique_ptr<EventRecording> start_events(int64_t buffer_bytes, Store& store, const Sources& sources,
                                             std::string& why) {
  auto host = sources.procfs().read_host();
  if (!host) {
    why = host.error().message;
    return nullptr;
  }
  ConnectorOptions connector{.receive_buffer_bytes = static_cast<int>(buffer_bytes)};
  EnricherOptions enricher{.clock_ticks = host->clock_ticks};
  auto stream = EventStream::start(connector, enricher, sources.logger());
  if (!stream) {
    why = stream.error().message;
    return nullptr;
  }
  return std::make_unique<EventRecording>(std::move(*stream), store, std::move(*host));
}

}  // namespace proctrail::cli
