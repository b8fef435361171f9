// run_exec: the engine behind `proctrail exec` (include/proctrail/exec.hpp).
//
// Snapshot, run the command with this process as its child subreaper and PROCTRAIL_RUN naming this
// run, forward SIGINT/SIGTERM/SIGHUP/SIGQUIT to it, and when it exits give its descendants `grace`
// to finish; whatever is still running then is a leak. Snapshot again, hand the leaks to the
// caller, end them through the evidence-first cleanup on request, and record the run.
#include "proctrail/exec.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "proctrail/clock.hpp"
#include "proctrail/event_recording.hpp"
#include "proctrail/procfs.hpp"
#include "cleanup/pidfd.hpp"
#include "common/pattern.hpp"

namespace proctrail {
namespace {

using SteadyClock = std::chrono::steady_clock;

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&set, signal);
  return set;
}

// A descriptor closed when it goes out of scope.
class OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Starts the command with the signal mask the caller had and PROCTRAIL_RUN set. -1 with errno on
// failure (the child reports a failed exec through a close-on-exec pipe).
pid_t start_command(const std::vector<std::string>& command, const sigset_t& original_mask, const std::string& marker) {
  std::vector<char*> args;
  for (const auto& arg : command) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return -1;
  OwnedFd report_read(ends[0]), report_write(ends[1]);
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::sigprocmask(SIG_SETMASK, &original_mask, nullptr);
    ::setenv(kRunMarkerVariable, marker.c_str(), 1);
    ::execvp(args[0], args.data());
    int error = errno;
    (void)::write(report_write.get(), &error, sizeof error);
    ::_exit(127);
  }
  report_write.reset();
  int error = 0;
  ssize_t n = ::read(report_read.get(), &error, sizeof error);  // EOF: exec succeeded (close-on-exec)
  if (n == sizeof error) {
    ::waitpid(pid, nullptr, 0);
    errno = error;
    return -1;
  }
  return pid;
}

int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

// Blocks the signals the run handles and makes this process a child subreaper; restores both.
class ProcessState {
 public:
  ProcessState() {
    const sigset_t signals = handled_signals();
    ::sigprocmask(SIG_BLOCK, &signals, &original_mask_);
    ::prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper_);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  }
  ProcessState(const ProcessState&) = delete;
  ProcessState& operator=(const ProcessState&) = delete;
  ~ProcessState() {
    ::prctl(PR_SET_CHILD_SUBREAPER, was_subreaper_);
    discard_pending();
    ::sigprocmask(SIG_SETMASK, &original_mask_, nullptr);
  }
  const sigset_t& original_mask() const { return original_mask_; }

 private:
  // Signals the run blocked that arrived after the command ended: unblocked, they would act now.
  void discard_pending() const {
    sigset_t ours = handled_signals();
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) {
      if (sigismember(&original_mask_, signal)) sigdelset(&ours, signal);
    }
    const timespec now{0, 0};
    while (::sigtimedwait(&ours, nullptr, &now) > 0) {
    }
  }

  sigset_t original_mask_;
  int was_subreaper_ = 0;
};

// The processes below this one before the command started: never its leaks.
std::set<ProcessKey> descendants_now() {
  siginfo_t info{};
  if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD) return {};  // no children
  auto found = scan_for_leaks(LeakScan{.root_pid = ::getpid()});
  if (!found) return {};
  std::set<ProcessKey> keys;
  for (const auto& process : *found) keys.insert(process.key);
  return keys;
}

std::string escape_regex(const std::string& text) { return Pattern::quote(text); }

// Everything one run tracks while the command runs.
class Run {
 public:
  Run(const ExecRunOptions& options, const Sources& sources, Store* store, const ExecRunObserver& observer)
      : options_(options), sources_(sources), store_(store), observer_(observer) {
    if (store_) recorder_.emplace(sources_.recorder(*store_));
    result_.run_id = new_run_id();
    result_.argv = quote_argv(options_.command);
  }

  Result<ExecRunResult> execute();

 private:
  void problem(ExecProblem::During during, const std::string& message) const;
  std::optional<int64_t> snapshot(const std::string& trigger);
  void pump_events();
  void reap(pid_t command, std::optional<int>& command_status);
  LeakReport find_leaks(std::chrono::milliseconds grace);
  void cleanup();
  void record();

  const ExecRunOptions& options_;
  const Sources& sources_;
  Store* store_;
  const ExecRunObserver& observer_;
  std::optional<Recorder> recorder_;
  ExecRunResult result_;
  std::unique_ptr<EventRecording> events_;
  pid_t command_pid_ = 0;
  std::map<pid_t, uint64_t> tracked_;  // the command and every descendant its fork events named
  std::set<ProcessKey> baseline_;
  std::set<std::string> containers_before_;
};

void Run::problem(ExecProblem::During during, const std::string& message) const {
  if (observer_.problem) return observer_.problem(ExecProblem{during, message});
  sources_.logger()->warn("exec: {}", message);
}

std::optional<int64_t> Run::snapshot(const std::string& trigger) {
  if (!recorder_) return std::nullopt;
  pump_events();  // forks first: the snapshot takes original parents from them
  auto summary = recorder_->snapshot(SnapshotRequest{.trigger = trigger, .tag = options_.tag});
  if (!summary) {
    problem(ExecProblem::During::run, summary.error().message);
    return std::nullopt;
  }
  return summary->snapshot_id;
}

void Run::pump_events() {
  if (!events_) return;
  for (const auto& event : events_->flush().events) {
    if (event.kind != EventKind::fork || !event.start_ticks) continue;
    auto parent = tracked_.find(event.ppid);
    if (parent == tracked_.end()) continue;
    if (event.parent_start_ticks && *event.parent_start_ticks != parent->second) continue;  // a reused pid
    tracked_[event.pid] = *event.start_ticks;
  }
}

// Reaps every child that has exited: the command, and orphans reparented to us (we are their
// subreaper, so nobody else will).
void Run::reap(pid_t command, std::optional<int>& command_status) {
  while (true) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (pid == command) command_status = status;
  }
}

LeakReport Run::find_leaks(std::chrono::milliseconds grace) {
  const auto deadline = SteadyClock::now() + grace;
  const sigset_t signals = handled_signals();
  LeakReport leaks;
  while (true) {
    std::optional<int> ignored;
    reap(0, ignored);
    pump_events();
    LeakScan scan{.root_pid = ::getpid(), .command_pid = command_pid_, .marker = result_.run_id, .baseline = baseline_};
    for (const auto& [pid, start] : tracked_) scan.from_events.push_back(ProcessKey{pid, start});
    auto found = scan_for_leaks(scan);
    if (!found) {
      problem(ExecProblem::During::run, "looking for leaks: " + found.error().message);
      break;
    }
    leaks.processes = std::move(*found);
    if (leaks.processes.empty() || SteadyClock::now() >= deadline) break;
    timespec pause{0, 100'000'000};
    int signal = ::sigtimedwait(&signals, nullptr, &pause);
    if (signal == SIGINT || signal == SIGTERM) break;  // asked to stop waiting
  }
  if (const DockerCollector* docker = sources_.docker()) {
    auto now = docker->collect();
    if (now) {
      leaks.containers = new_containers(containers_before_, *now, result_.started_at_us, result_.run_id);
      leaks.containers_source = now->source;
    } else {
      leaks.containers_source = "unavailable: " + now.error().message;
    }
  }
  return leaks;
}

// Ends the leaks through the evidence-first cleanup: processes by identity, containers stopped.
void Run::cleanup() {
  const LeakReport& leaks = result_.leaks;
  if (!store_ || !recorder_) {
    problem(ExecProblem::During::cleanup, "no trail to take the evidence in; nothing was signalled");
    return;
  }
  Cleaner cleaner(*store_, *recorder_, sources_.docker(), sources_.logger());
  auto run = [&](const CleanupSelectors& selectors) {
    auto plan = cleaner.plan(selectors, "proctrail exec --cleanup (run " + result_.run_id + ")");
    if (!plan) return problem(ExecProblem::During::cleanup, plan.error().message);
    auto done = cleaner.execute(std::move(*plan), selectors);
    if (!done) return problem(ExecProblem::During::cleanup, done.error().message);
    result_.cleanup.insert(result_.cleanup.end(), done->actions.begin(), done->actions.end());
  };
  if (!leaks.processes.empty()) {
    std::string values;
    for (const auto& p : leaks.processes) {
      if (!values.empty()) values += ", ";
      values += "(" + std::to_string(p.key.pid) + ", " + std::to_string(p.key.start_ticks) + ")";
    }
    CleanupSelectors selectors;
    selectors.from_sql = "SELECT column1 AS pid, column2 AS start_ticks FROM (VALUES " + values + ")";
    selectors.all_users = ::geteuid() == 0;  // descendants of this run, whatever uid they switched to
    selectors.grace = options_.grace;
    run(selectors);
  }
  if (!leaks.containers.empty()) {
    std::string names;
    for (const auto& c : leaks.containers) names += (names.empty() ? "" : "|") + escape_regex(c.name);
    CleanupSelectors selectors;
    selectors.containers = true;
    selectors.match = "^(" + names + ")$";
    selectors.grace = options_.grace;
    run(selectors);
  }
}

void Run::record() {
  if (!store_) return;
  auto host = sources_.procfs().read_host();
  ExecRunRecord record{result_.run_id, result_.argv, options_.tag, result_.started_at_us, now_realtime_us(),
                       result_.before_snapshot_id, result_.after_snapshot_id, result_.exit_status, result_.events,
                       result_.leaks};
  auto written = host ? store_->record_exec_run(*host, record) : Result<int64_t>(host.error());
  if (!written) problem(ExecProblem::During::run, written.error().message);
}

Result<ExecRunResult> Run::execute() {
  if (options_.command.empty()) return Error{"cannot run an empty command"};
  ProcessState process_state;
  const sigset_t signals = handled_signals();
  if (store_) {
    EventRecordingOptions recording{
        .buffer_bytes = options_.event_buffer_bytes,
        .problem = [this](const std::string& message) { problem(ExecProblem::During::events, message); }};
    auto started = EventRecording::start(std::move(recording), *store_, sources_);
    if (started) {
      events_ = std::move(*started);
    } else {
      result_.events = started.error().message;
    }
  } else {
    result_.events = "no trail";
  }
  result_.before_snapshot_id = snapshot("exec-before");
  if (const DockerCollector* docker = sources_.docker()) {
    if (auto before = docker->collect()) {
      for (const auto& c : before->containers) containers_before_.insert(c.id);
    }
  }
  baseline_ = descendants_now();
  const char* inherited = ::getenv(kRunMarkerVariable);
  result_.started_at_us = now_realtime_us();
  command_pid_ = start_command(options_.command, process_state.original_mask(),
                               append_run_marker(inherited ? inherited : "", result_.run_id));
  if (command_pid_ < 0) return Error{"cannot run " + options_.command[0] + ": " + std::strerror(errno)};
  if (auto stat = detail::current_stat(command_pid_)) tracked_[command_pid_] = stat->starttime;

  std::optional<int> command_status;
  while (!command_status) {
    timespec tick{0, 250'000'000};
    int signal = ::sigtimedwait(&signals, nullptr, &tick);
    if (signal > 0 && signal != SIGCHLD) ::kill(command_pid_, signal);  // not reaped yet: still our child
    reap(command_pid_, command_status);
    pump_events();
  }
  result_.exit_status = exit_status(*command_status);
  result_.leaks = find_leaks(options_.grace);
  result_.after_snapshot_id = snapshot("exec-after");
  if (observer_.leaks_known) observer_.leaks_known(result_);
  if (options_.cleanup && !result_.leaks.empty()) cleanup();
  if (observer_.concluded) observer_.concluded(result_);
  record();
  events_.reset();  // joins the reader thread: nothing of ours outlives this call
  return std::move(result_);
}

}  // namespace

Result<ExecRunResult> run_exec(const ExecRunOptions& options, const Sources& sources, Store* store,
                               const ExecRunObserver& observer) {
  return Run(options, sources, store, observer).execute();
}

}  // namespace proctrail
