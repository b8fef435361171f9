#pragma once
// Recording the kernel's process events into the trail between snapshots (watch --events, exec):
// a proc connector stream whose events are written in batches, one transaction per flush().
//
//   auto events = proctrail::EventRecording::start({}, store, sources);
//   ... events->flush() every 250 ms, and before each snapshot (forks first: the snapshot takes
//   original parents from them) ...
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proctrail/events.hpp"
#include "proctrail/process.hpp"
#include "proctrail/result.hpp"
#include "proctrail/sources.hpp"
#include "proctrail/store.hpp"

namespace proctrail {

struct EventRecordingOptions {
  int64_t buffer_bytes = 8 << 20;  // the connector's receive buffer: events beyond it are dropped (a gap)
  // A failure that does not stop the recording (a batch that could not be written, the reader
  // stopping): one line. Unset: logged as an error.
  std::function<void(const std::string&)> problem;
};

class EventRecording {
 public:
  // Fails when the host cannot be read or the connector is refused (no CAP_NET_ADMIN).
  static Result<std::unique_ptr<EventRecording>> start(EventRecordingOptions options, Store& store,
                                                       const Sources& sources);
  EventRecording(std::unique_ptr<EventStream> stream, Store& store, HostInfo host, EventRecordingOptions options,
                 Logger logger = nullptr);

  struct Flushed {
    std::vector<ProcEvent> events;  // what was written (or lost, if the write failed)
    int64_t gaps = 0;
  };
  // Writes what arrived as one batch. Gaps mean the kernel dropped events: take a snapshot now.
  // Once the reader has stopped, this writes nothing more (recording goes on with snapshots only).
  Flushed flush();

  // Events (not counting gaps) and gaps written since the last call.
  std::pair<int64_t, int64_t> take_counts() { return {std::exchange(since_snapshot_, 0), std::exchange(gaps_, 0)}; }

  // Events a failed write lost (a full disk, a locked trail), remembered until a write succeeds: the
  // first batch written after them carries a gap event saying how many were lost, between when, and why.
  class Unwritten {
   public:
    void lost(const std::vector<ProcEvent>& events, const std::string& why);
    // The gap event to write first, if anything was lost since the last successful write.
    std::optional<ProcEvent> gap() const;
    void written() { count_ = 0; }

   private:
    int64_t count_ = 0;
    int64_t first_at_us_ = 0, last_at_us_ = 0;
    std::string why_;
  };

 private:
  void report(const std::string& message) const;

  std::unique_ptr<EventStream> stream_;
  Store& store_;
  HostInfo host_;
  EventRecordingOptions options_;
  Logger logger_;
  int64_t since_snapshot_ = 0;
  int64_t gaps_ = 0;
  Unwritten unwritten_;
};

}  // namespace proctrail
