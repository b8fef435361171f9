#pragma once
// Event mode: the kernel's process events (the netlink proc connector) between snapshots.
//
//   parse_connector_datagram   bytes of one recv() → raw kernel events (pure, tested on literal bytes;
//                              recorder/collect/connector_parse.hpp)
//   ProcConnector              the netlink socket: subscribe, receive, report dropped events
//   EventEnricher              raw event → ProcEvent: identities (pid + start_ticks) and argv from /proc,
//                              read as soon as the event arrives (an exec'd process may exit at once)
//   EventStream                a connector and an enricher on their own thread; drain() hands over
//                              what arrived since the last call
//
// Only thread-group leaders are reported: a thread's fork (clone with CLONE_THREAD), exit, comm or
// uid change is left out, so every event is about a process.
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "proctrail/logging.hpp"
#include "proctrail/model.hpp"
#include "proctrail/result.hpp"

namespace proctrail {

// "fork", "exec", ... as stored in events.kind (EventKind and ProcEvent: model.hpp).
std::string_view event_kind_name(EventKind kind);

// One proc connector event as the kernel sent it (struct proc_event in linux/cn_proc.h).
struct RawProcEvent {
  EventKind kind = EventKind::fork;
  uint64_t timestamp_ns = 0;  // CLOCK_MONOTONIC when the kernel sent it
  uint32_t cpu = 0;
  pid_t pid = 0;          // the task (child for fork)
  pid_t tgid = 0;         // its process (child's for fork)
  pid_t parent_pid = 0;   // fork, exit, coredump: the parent task
  pid_t parent_tgid = 0;  // ... and its process
  uint32_t exit_code = 0;    // exit: the wait status (code << 8 | signal)
  uint32_t exit_signal = 0;  // exit: the signal sent to the parent (SIGCHLD normally)
  uint32_t ruid = 0, euid = 0;  // uid
  std::string comm;             // comm (at most 15 bytes)
  bool is_thread() const { return pid != tgid; }
};

struct ConnectorOptions {
  // SO_RCVBUF(FORCE) in bytes: how many events may wait in the kernel before it drops some.
  int receive_buffer_bytes = 8 << 20;
  // The link naming this process's pid namespace. The kernel reports events only to listeners in
  // the initial pid namespace, with that namespace's pids; elsewhere open() refuses (unavailable).
  std::filesystem::path pid_namespace_link = "/proc/self/ns/pid";
};

// A netlink proc connector subscription. Needs CAP_NET_ADMIN; open() says so when refused.
class ProcConnector {
 public:
  static Result<ProcConnector> open(const ConnectorOptions& options = {});
  ProcConnector(ProcConnector&&) noexcept;
  ProcConnector& operator=(ProcConnector&&) noexcept;
  ~ProcConnector();  // unsubscribes and closes

  int fd() const { return fd_; }

  // Reads every datagram waiting (never blocks) into `out`. When the kernel dropped events since
  // the last call (ENOBUFS) `overflowed` is set; reading goes on after it.
  Status receive(std::vector<RawProcEvent>& out, bool& overflowed);

 private:
  explicit ProcConnector(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::vector<std::byte> buffer_;
};

struct EnricherOptions {
  std::filesystem::path proc_root = "/proc";
  int64_t clock_ticks = 100;  // sysconf(_SC_CLK_TCK)
  size_t max_known = 65536;   // identities remembered for exec/exit events; beyond it, the oldest are read again
};

// Turns raw events into recorded ones. Identities of processes seen forking are remembered until
// they exit, so an exit is attributed to the right start_ticks even after /proc/PID is gone.
class EnricherState;
class EventEnricher {
 public:
  explicit EventEnricher(EnricherOptions options = {});
  EventEnricher(EventEnricher&&) noexcept;
  EventEnricher& operator=(EventEnricher&&) noexcept;
  ~EventEnricher();

  // Appends the recorded form of `raw` to `out`; threads' events append nothing.
  void enrich(const RawProcEvent& raw, std::vector<ProcEvent>& out);
  // A gap marker at the current time. Identities remembered so far are forgotten: exits may have
  // been lost, so each is read from /proc again.
  ProcEvent gap(std::string detail);

 private:
  std::unique_ptr<EnricherState> state_;
};

struct EventStreamStats {
  uint64_t datagrams = 0;
  uint64_t events = 0;     // recorded (after leaving out threads)
  uint64_t overflows = 0;  // ENOBUFS seen
};

// A connector and an enricher on one thread of their own. The destructor stops and joins it.
class EventStream {
 public:
  // Fails when the connector is refused (no CAP_NET_ADMIN) or the thread cannot start.
  static Result<std::unique_ptr<EventStream>> start(const ConnectorOptions& connector, EnricherOptions enricher,
                                                    Logger logger = nullptr);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Events that arrived since the last call, in arrival order.
  std::vector<ProcEvent> drain();
  EventStreamStats stats() const;
  // False once the reader stopped on an error (its last event is a gap saying why).
  bool running() const { return running_.load(); }

 private:
  EventStream(ProcConnector connector, EventEnricher enricher, int stop_fd, Logger logger);
  void run();

  ProcConnector connector_;
  EventEnricher enricher_;
  int stop_fd_ = -1;  // eventfd: written by the destructor
  Logger logger_;
  mutable std::mutex mutex_;
  std::vector<ProcEvent> pending_;
  EventStreamStats stats_;
  std::atomic<bool> running_{true};
  std::thread thread_;
};

}  // namespace proctrail
