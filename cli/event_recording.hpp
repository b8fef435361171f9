#pragma once
// The event side of watch and exec: a proc connector stream and the batches written from it.
#include <memory>
#include <string>
#include <vector>

#include "cli/sources.hpp"
#include "proctrail/events.hpp"
#include "proctrail/store.hpp"

namespace proctrail::cli {

class EventRecording {
 public:
  EventRecording(std::unique_ptr<EventStream> stream, Store& store, HostInfo host)
      : stream_(std::move(stream)), store_(store), host_(std::move(host)) {}

  struct Flushed {
    std::vector<ProcEvent> events;  // what was written (or lost, if the write failed)
    int64_t gaps = 0;
  };
  // Writes what arrived as one batch. Gaps mean the kernel dropped events: take a snapshot now.
  Flushed flush();

  // Events (not counting gaps) and gaps written since the last call.
  std::pair<int64_t, int64_t> take_counts() { return {std::exchange(since_snapshot_, 0), std::exchange(gaps_, 0)}; }

 private:
  std::unique_ptr<EventStream> stream_;
  Store& store_;
  HostInfo host_;
  int64_t since_snapshot_ = 0;
  int64_t gaps_ = 0;
};

// Starts the event stream; on failure returns null and sets `why` (watch prints it once).
std::unique_ptr<EventRecording> start_events(int64_t buffer_bytes, Store& store, const Sources& sources,
                                             std::string& why);

}  // namespace proctrail::cli
