// Event mode: the netlink proc connector, its parser, and the enrichment of each event from /proc.
//
// Race policy (DESIGN.md "Reading /proc"): the kernel reports a fork before the child has run and
// an exec before the new program has; both may be gone a millisecond later. The stream therefore
// reads /proc for each event as it is parsed, before reading the next datagram, and remembers each
// identity it learns so the exit can be attributed after /proc/PID is gone. A child that is gone
// before its stat could be read gets its start_ticks from the fork's timestamp, marked estimated.
#include "proctrail/events.hpp"

#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include <spdlog/spdlog.h>

#include "proctrail/procfs.hpp"
#include "common/errno_kind.hpp"
#include "common/fs_util.hpp"
#include "recorder/collect/connector_parse.hpp"
#include "recorder/collect/procfs_parse.hpp"

namespace proctrail {
namespace {

constexpr size_t kEventHeaderBytes = 16;  // what, cpu, timestamp_ns

// The event_data members of struct proc_event (linux/cn_proc.h), named for C++: the kernel
// header declares them inside an unnamed union.
namespace wire {
struct Pair { int32_t pid, tgid; };                                          // exec, sid
struct Fork { int32_t parent_pid, parent_tgid, child_pid, child_tgid; };
struct Id { int32_t pid, tgid; uint32_t r, e; };                               // uid
struct Comm { int32_t pid, tgid; char comm[16]; };
struct Coredump { int32_t pid, tgid, parent_pid, parent_tgid; };
struct Exit { int32_t pid, tgid; uint32_t exit_code, exit_signal; int32_t parent_pid, parent_tgid; };
using Data = decltype(proc_event::event_data);
static_assert(sizeof(Fork) == sizeof(Data::fork) && sizeof(Exit) == sizeof(Data::exit) &&
              sizeof(Comm) == sizeof(Data::comm) && sizeof(Id) == sizeof(Data::id) &&
              sizeof(Coredump) == sizeof(Data::coredump) && sizeof(Pair) == sizeof(Data::exec));
static_assert(offsetof(proc_event, event_data) == kEventHeaderBytes);
}  // namespace wire

template <class T>
T read_at(std::span<const std::byte> bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

std::string offset_error(size_t offset, const std::string& what) {
  return "proc connector message at byte " + std::to_string(offset) + ": " + what;
}

// The payload size each recorded kind needs after the 16-byte header.
std::optional<std::pair<EventKind, size_t>> kind_of(uint32_t what) {
  switch (what) {
    case proc_event::PROC_EVENT_FORK: return std::pair{EventKind::fork, sizeof(wire::Fork)};
    case proc_event::PROC_EVENT_EXEC: return std::pair{EventKind::exec, sizeof(wire::Pair)};
    case proc_event::PROC_EVENT_EXIT: return std::pair{EventKind::exit, sizeof(wire::Exit)};
    case proc_event::PROC_EVENT_UID: return std::pair{EventKind::uid, sizeof(wire::Id)};
    case proc_event::PROC_EVENT_SID: return std::pair{EventKind::sid, sizeof(wire::Pair)};
    case proc_event::PROC_EVENT_COMM: return std::pair{EventKind::comm, sizeof(wire::Comm)};
    case proc_event::PROC_EVENT_COREDUMP: return std::pair{EventKind::coredump, sizeof(wire::Coredump)};
    default: return std::nullopt;
  }
}

// One proc_event at `data` (already bounds-checked to hold `size` bytes).
RawProcEvent decode_event(std::span<const std::byte> data, EventKind kind) {
  RawProcEvent event;
  event.kind = kind;
  event.cpu = read_at<uint32_t>(data, 4);
  event.timestamp_ns = read_at<uint64_t>(data, 8);
  auto body = data.subspan(kEventHeaderBytes);
  switch (kind) {
    case EventKind::fork: {
      auto fork = read_at<wire::Fork>(body, 0);
      event.parent_pid = fork.parent_pid;
      event.parent_tgid = fork.parent_tgid;
      event.pid = fork.child_pid;
      event.tgid = fork.child_tgid;
      break;
    }
    case EventKind::exit: {
      auto exit = read_at<wire::Exit>(body, 0);
      event.pid = exit.pid;
      event.tgid = exit.tgid;
      event.exit_code = exit.exit_code;
      event.exit_signal = exit.exit_signal;
      event.parent_pid = exit.parent_pid;
      event.parent_tgid = exit.parent_tgid;
      break;
    }
    case EventKind::uid: {
      auto id = read_at<wire::Id>(body, 0);
      event.pid = id.pid;
      event.tgid = id.tgid;
      event.ruid = id.r;
      event.euid = id.e;
      break;
    }
    case EventKind::comm: {
      auto comm = read_at<wire::Comm>(body, 0);
      event.pid = comm.pid;
      event.tgid = comm.tgid;
      event.comm.assign(comm.comm, strnlen(comm.comm, sizeof comm.comm));
      break;
    }
    case EventKind::coredump: {
      auto core = read_at<wire::Coredump>(body, 0);
      event.pid = core.pid;
      event.tgid = core.tgid;
      event.parent_pid = core.parent_pid;
      event.parent_tgid = core.parent_tgid;
      break;
    }
    default: {  // exec and sid share the (pid, tgid) layout
      auto exec = read_at<wire::Pair>(body, 0);
      event.pid = exec.pid;
      event.tgid = exec.tgid;
      break;
    }
  }
  return event;
}

// The cn_msg payload of one netlink message; appends at most one event.
Status parse_cn_message(std::span<const std::byte> payload, size_t offset, std::vector<RawProcEvent>& out) {
  if (payload.size() < sizeof(cn_msg)) return Error{offset_error(offset, "shorter than a connector header")};
  auto header = read_at<cn_msg>(payload, 0);
  if (header.id.idx != CN_IDX_PROC || header.id.val != CN_VAL_PROC) return ok_status();  // another connector
  auto data = payload.subspan(sizeof(cn_msg));
  if (header.len > data.size()) {
    return Error{offset_error(offset, "connector length " + std::to_string(header.len) + " exceeds the message")};
  }
  data = data.first(header.len);
  if (data.size() < kEventHeaderBytes) return Error{offset_error(offset, "event shorter than its header")};
  const auto what = read_at<uint32_t>(data, 0);
  if (what == proc_event::PROC_EVENT_NONE) {
    if (data.size() >= kEventHeaderBytes + sizeof(uint32_t) && read_at<uint32_t>(data, kEventHeaderBytes) != 0) {
      const auto err = static_cast<int>(read_at<uint32_t>(data, kEventHeaderBytes));
      return Error{"proc connector refused the subscription: " + std::string(std::strerror(err)), detail::errno_kind(err)};
    }
    return ok_status();  // the acknowledgement of a subscription
  }
  auto kind = kind_of(what);
  if (!kind) return ok_status();  // gid, ptrace, or newer: not recorded
  if (data.size() < kEventHeaderBytes + kind->second) {
    return Error{offset_error(offset, std::string(event_kind_name(kind->first)) + " event truncated")};
  }
  out.push_back(decode_event(data, kind->first));
  return ok_status();
}

}  // namespace

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::fork: return "fork";
    case EventKind::exec: return "exec";
    case EventKind::exit: return "exit";
    case EventKind::uid: return "uid";
    case EventKind::sid: return "sid";
    case EventKind::comm: return "comm";
    case EventKind::coredump: return "coredump";
    case EventKind::gap: return "gap";
  }
  return "?";
}

Status parse_connector_datagram(std::span<const std::byte> bytes, std::vector<RawProcEvent>& out) {
  size_t offset = 0;
  while (offset < bytes.size()) {
    if (bytes.size() - offset < sizeof(nlmsghdr)) return Error{offset_error(offset, "shorter than a netlink header")};
    auto header = read_at<nlmsghdr>(bytes, offset);
    if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > bytes.size() - offset) {
      return Error{offset_error(offset, "netlink length " + std::to_string(header.nlmsg_len) + " out of range")};
    }
    if (header.nlmsg_type == NLMSG_ERROR) return Error{offset_error(offset, "netlink error message")};
    if (header.nlmsg_type != NLMSG_NOOP) {
      auto payload = bytes.subspan(offset + NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN);
      auto parsed = parse_cn_message(payload, offset, out);
      if (!parsed) return parsed;
    }
    offset += NLMSG_ALIGN(header.nlmsg_len);
  }
  return ok_status();
}

// ---- the socket ---------------------------------------------------------------------------------

namespace {

Status send_subscription(int fd, proc_cn_mcast_op op) {
  constexpr size_t kSize = NLMSG_HDRLEN + sizeof(cn_msg) + sizeof(uint32_t);
  alignas(nlmsghdr) std::byte message[kSize] = {};
  nlmsghdr netlink{};
  netlink.nlmsg_len = kSize;
  netlink.nlmsg_type = NLMSG_DONE;
  netlink.nlmsg_pid = static_cast<uint32_t>(::getpid());
  cn_msg connector{};
  connector.id.idx = CN_IDX_PROC;
  connector.id.val = CN_VAL_PROC;
  connector.len = sizeof(uint32_t);
  const uint32_t operation = op;
  std::memcpy(message, &netlink, sizeof netlink);
  std::memcpy(message + NLMSG_HDRLEN, &connector, sizeof connector);
  std::memcpy(message + NLMSG_HDRLEN + sizeof connector, &operation, sizeof operation);
  if (::send(fd, message, sizeof message, 0) < 0) {
    const int error = errno;
    return Error{"subscribing to the proc connector: " + std::string(std::strerror(error)) +
                     (error == ECONNREFUSED ? " (it exists only in the initial network namespace)" : ""),
                 error == ECONNREFUSED ? ErrorKind::unavailable : detail::errno_kind(error)};
  }
  return ok_status();
}

// PROC_PID_INIT_INO (include/linux/proc_ns.h): the initial pid namespace's inode, fixed since 3.8.
constexpr uint64_t kInitialPidNamespace = 0xEFFFFFFCu;

// Refuses a nested pid namespace: cn_proc ignores its subscription, and what events arrive (for other
// listeners) carry the initial namespace's pids, which name other processes here. An unreadable
// link says nothing and is let through.
Status check_initial_pid_namespace(const std::filesystem::path& link) {
  std::error_code error;
  const auto target = std::filesystem::read_symlink(link, error);
  if (error) return ok_status();
  const auto inode = parse_ns_link(target.string());
  if (!inode || *inode == kInitialPidNamespace) return ok_status();
  return Error{"the proc connector reports process events only in the initial pid namespace, and this is " + target.string() +
                   ": run the event mode on the host, or record with snapshots (--interval)",
               ErrorKind::unavailable};
}

}  // namespace

Result<ProcConnector> ProcConnector::open(const ConnectorOptions& options) {
  if (auto checked = check_initial_pid_namespace(options.pid_namespace_link); !checked) return checked.error();
  int fd = ::socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  if (fd < 0) {
    const int error = errno;
    return Error{"opening the proc connector: " + std::string(std::strerror(error)) +
                     (error == EPROTONOSUPPORT ? " (kernel built without CONFIG_PROC_EVENTS)" : ""),
                 error == EPROTONOSUPPORT ? ErrorKind::unavailable : detail::errno_kind(error)};
  }
  ProcConnector connector(fd);
  int size = options.receive_buffer_bytes;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);  // capped by net.core.rmem_max
  }
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = CN_IDX_PROC;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    return Error{"listening to process events: " + std::string(std::strerror(error)) +
                     (error == EPERM ? " (the proc connector needs CAP_NET_ADMIN: run as root)" : ""),
                 detail::errno_kind(error)};
  }
  auto subscribed = send_subscription(fd, PROC_CN_MCAST_LISTEN);
  if (!subscribed) return subscribed.error();
  return connector;
}

ProcConnector::ProcConnector(ProcConnector&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

ProcConnector& ProcConnector::operator=(ProcConnector&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

ProcConnector::~ProcConnector() {
  if (fd_ < 0) return;
  (void)send_subscription(fd_, PROC_CN_MCAST_IGNORE);
  ::close(fd_);
}

Status ProcConnector::receive(std::vector<RawProcEvent>& out, bool& overflowed) {
  constexpr int kMaxDatagrams = 64;  // then return, so the caller can read /proc for these first
  if (buffer_.empty()) buffer_.resize(16384);
  for (int i = 0; i < kMaxDatagrams; ++i) {
    ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return ok_status();
      if (errno == ENOBUFS) {
        overflowed = true;
        continue;
      }
      return Error{"reading process events: " + std::string(std::strerror(errno))};
    }
    auto parsed = parse_connector_datagram(std::span(buffer_.data(), static_cast<size_t>(n)), out);
    if (!parsed) return parsed;
  }
  return ok_status();
}

// ---- enrichment ---------------------------------------------------------------------------------

namespace {

struct KnownProcess {
  uint64_t start_ticks = 0;
  bool estimated = false;
  pid_t parent = 0;
  std::optional<uint64_t> parent_start_ticks;
};

}  // namespace

class EnricherState {
 public:
  explicit EnricherState(EnricherOptions options)
      : options_(std::move(options)),
        root_fd_(::open(options_.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
  ~EnricherState() {
    if (root_fd_ >= 0) ::close(root_fd_);
  }

  void enrich(const RawProcEvent& raw, std::vector<ProcEvent>& out) {
    if (raw.is_thread()) return;
    ProcEvent event;
    event.kind = raw.kind;
    event.at_us = wall_us(raw.timestamp_ns);
    event.pid = raw.tgid;
    switch (raw.kind) {
      case EventKind::fork: on_fork(raw, event); break;
      case EventKind::exec: on_exec(event); break;
      case EventKind::exit: on_exit(raw, event); break;
      case EventKind::uid:
        identify(event);
        event.uid = raw.ruid;
        event.euid = raw.euid;
        break;
      case EventKind::sid:
        identify(event);
        event.sid = raw.tgid;
        break;
      case EventKind::comm:
        identify(event);
        event.comm = raw.comm;
        break;
      case EventKind::coredump:
        identify(event);
        event.ppid = raw.parent_tgid;
        break;
      case EventKind::gap: break;
    }
    out.push_back(std::move(event));
  }

  void forget() { known_.clear(); }

 private:
  // The kernel stamps events with CLOCK_MONOTONIC; the trail keeps wall-clock time.
  static int64_t wall_us(uint64_t monotonic_ns) {
    const int64_t age_ns = fs::clock_ns(CLOCK_MONOTONIC) - static_cast<int64_t>(monotonic_ns);
    return fs::clock_us(CLOCK_REALTIME) - age_ns / 1000;
  }

  // start_ticks the kernel gave a task created at `monotonic_ns`: stat's (22) counts boot time
  // (monotonic plus suspend) in clock ticks. The fork event is sent just after the child's start
  // is stamped, so this is the right tick unless a tick boundary fell between the two.
  uint64_t estimate_start_ticks(uint64_t monotonic_ns) const {
    const int64_t suspended_ns = fs::clock_ns(CLOCK_BOOTTIME) - fs::clock_ns(CLOCK_MONOTONIC);
    const int64_t boot_ns = static_cast<int64_t>(monotonic_ns) + suspended_ns;
    return static_cast<uint64_t>(boot_ns / (1'000'000'000 / options_.clock_ticks));
  }

  std::optional<StatFields> read_stat(pid_t pid) {
    char name[32];
    std::snprintf(name, sizeof name, "%d/stat", pid);
    if (root_fd_ < 0 || fs::read_file_at(root_fd_, name, scratch_) != 0) return std::nullopt;
    auto stat = parse_stat(scratch_);
    if (!stat) return std::nullopt;
    return std::move(stat.value());
  }

  std::optional<std::string> read_argv(pid_t pid) {
    char name[32];
    std::snprintf(name, sizeof name, "%d/cmdline", pid);
    if (root_fd_ < 0 || fs::read_file_at(root_fd_, name, scratch_) != 0) return std::nullopt;
    auto argv = parse_cmdline(scratch_);
    if (argv.empty()) return std::nullopt;
    return quote_argv(argv);
  }

  // The remembered identity of `pid`, else what /proc says now (remembered from then on).
  const KnownProcess* lookup(pid_t pid) {
    if (auto it = known_.find(pid); it != known_.end()) return &it->second;
    auto stat = read_stat(pid);
    if (!stat) return nullptr;
    KnownProcess process{stat->starttime, false, stat->ppid, std::nullopt};
    if (auto parent = known_.find(stat->ppid); parent != known_.end()) process.parent_start_ticks = parent->second.start_ticks;
    return &remember(pid, process);
  }

  KnownProcess& remember(pid_t pid, const KnownProcess& process) {
    if (known_.size() >= options_.max_known) known_.clear();  // rare: everything is read again
    return known_[pid] = process;
  }

  void identify(ProcEvent& event) {
    const KnownProcess* process = lookup(event.pid);
    if (!process) return;
    event.start_ticks = process->start_ticks;
    event.start_estimated = process->estimated;
    event.ppid = process->parent;
    event.parent_start_ticks = process->parent_start_ticks;
  }

  void on_fork(const RawProcEvent& raw, ProcEvent& event) {
    KnownProcess child;
    child.parent = raw.parent_tgid;
    if (auto stat = read_stat(raw.tgid)) {
      child.start_ticks = stat->starttime;
    } else {
      child.start_ticks = estimate_start_ticks(raw.timestamp_ns);
      child.estimated = true;
    }
    event.argv = read_argv(raw.tgid);  // the parent's argv until the child execs
    if (const KnownProcess* parent = lookup(raw.parent_tgid)) child.parent_start_ticks = parent->start_ticks;
    remember(raw.tgid, child);
    event.start_ticks = child.start_ticks;
    event.start_estimated = child.estimated;
    event.ppid = child.parent;
    event.parent_start_ticks = child.parent_start_ticks;
  }

  void on_exec(ProcEvent& event) {
    event.argv = read_argv(event.pid);  // first: the new program may exit at once
    identify(event);
  }

  void on_exit(const RawProcEvent& raw, ProcEvent& event) {
    identify(event);
    event.ppid = raw.parent_tgid;
    const int status = static_cast<int>(raw.exit_code);
    if (WIFEXITED(status)) event.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) event.exit_signal = WTERMSIG(status);
    known_.erase(raw.tgid);
  }

  EnricherOptions options_;
  int root_fd_ = -1;
  std::string scratch_;
  std::unordered_map<pid_t, KnownProcess> known_;
};

EventEnricher::EventEnricher(EnricherOptions options) : state_(std::make_unique<EnricherState>(std::move(options))) {}
EventEnricher::EventEnricher(EventEnricher&&) noexcept = default;
EventEnricher& EventEnricher::operator=(EventEnricher&&) noexcept = default;
EventEnricher::~EventEnricher() = default;

void EventEnricher::enrich(const RawProcEvent& raw, std::vector<ProcEvent>& out) { state_->enrich(raw, out); }

ProcEvent EventEnricher::gap(std::string detail) {
  state_->forget();
  ProcEvent event;
  event.kind = EventKind::gap;
  event.at_us = fs::clock_us(CLOCK_REALTIME);
  event.detail = std::move(detail);
  return event;
}

// ---- the stream thread --------------------------------------------------------------------------

Result<std::unique_ptr<EventStream>> EventStream::start(const ConnectorOptions& connector_options,
                                                        EnricherOptions enricher, Logger logger) {
  auto connector = ProcConnector::open(connector_options);
  if (!connector) return connector.error();
  int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd < 0) return Error{"starting the event reader: " + std::string(std::strerror(errno))};
  std::unique_ptr<EventStream> stream(
      new EventStream(std::move(*connector), EventEnricher(std::move(enricher)), stop_fd, or_null(std::move(logger))));
  try {
    stream->thread_ = std::thread([raw = stream.get()] { raw->run(); });
  } catch (const std::system_error& e) {
    return Error{"starting the event reader: " + std::string(e.what())};
  }
  return stream;
}

EventStream::EventStream(ProcConnector connector, EventEnricher enricher, int stop_fd, Logger logger)
    : connector_(std::move(connector)), enricher_(std::move(enricher)), stop_fd_(stop_fd), logger_(std::move(logger)) {}

EventStream::~EventStream() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

std::vector<ProcEvent> EventStream::drain() {
  std::lock_guard lock(mutex_);
  return std::exchange(pending_, {});
}

EventStreamStats EventStream::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void EventStream::run() {
  std::vector<RawProcEvent> raw;
  std::vector<ProcEvent> enriched;
  pollfd fds[2] = {{connector_.fd(), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
      logger_->error("event reader: poll: {}", std::strerror(errno));
      running_ = false;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    bool overflowed = false;
    raw.clear();
    auto received = connector_.receive(raw, overflowed);
    enriched.clear();
    if (overflowed) enriched.push_back(enricher_.gap("the kernel dropped process events (ENOBUFS)"));
    for (const auto& event : raw) enricher_.enrich(event, enriched);
    {
      std::lock_guard lock(mutex_);
      pending_.insert(pending_.end(), std::make_move_iterator(enriched.begin()), std::make_move_iterator(enriched.end()));
      stats_.events += enriched.size() - (overflowed ? 1 : 0);
      stats_.overflows += overflowed ? 1 : 0;
      stats_.datagrams += raw.size();
    }
    if (!received) {
      logger_->error("event reader: {}", received.error().message);
      std::lock_guard lock(mutex_);
      pending_.push_back(enricher_.gap(received.error().message));
      running_ = false;
      return;
    }
  }
}

}  // namespace proctrail
