// proctrail exec [--fail-on-leak] [--cleanup] [--grace 5s] [--tag T] -- CMD ARGS...
//
// Snapshot, run CMD with proctrail as its child subreaper and PROCTRAIL_RUN naming this run,
// forward SIGINT/SIGTERM/SIGHUP/SIGQUIT to it, and when it exits give its descendants `--grace` to
// finish; whatever is still running then is a leak. Snapshot again, report the leaks (stderr, and
// --json FILE), record the run, and with --cleanup end them through the evidence-first cleanup.
// Exit status: CMD's own (128 + signal if a signal ended it), 2 with --fail-on-leak when anything
// leaked, 125 when proctrail itself could not run CMD, 2 for a bad option (cli/exit_codes.hpp).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/event_recording.hpp"
#include "proctrail/cleanup.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/leak_guard.hpp"
#include "proctrail/procfs.hpp"
#include "common/fs_util.hpp"
#include "cleanup/pidfd.hpp"
#include "common/text_util.hpp"

namespace proctrail::cli {
namespace {

using Clock = std::chrono::steady_clock;

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&set, signal);
  return set;
}

// Starts CMD with the signal mask proctrail had before and PROCTRAIL_RUN set. -1 with errno on failure.
pid_t start_command(const std::vector<std::string>& command, const sigset_t& original_mask, const std::string& marker) {
  std::vector<char*> args;
  for (const auto& arg : command) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::sigprocmask(SIG_SETMASK, &original_mask, nullptr);
    ::setenv(kRunMarkerVariable, marker.c_str(), 1);
    ::execvp(args[0], args.data());
    int error = errno;
    (void)::write(report[1], &error, sizeof error);
    ::_exit(127);
  }
  ::close(report[1]);
  int error = 0;
  ssize_t n = ::read(report[0], &error, sizeof error);  // EOF: exec succeeded (close-on-exec)
  ::close(report[0]);
  if (n == sizeof error) {
    ::waitpid(pid, nullptr, 0);
    errno = error;
    return -1;
  }
  return pid;
}

int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return exit_code::signalled_base + WTERMSIG(wait_status);
  return exit_code::failed;
}

// Everything one run tracks while CMD runs.
class Run {
 public:
  Run(const ExecOptions& options, Store* store, Sources& sources, Recorder* recorder)
      : options_(options), store_(store), sources_(sources), recorder_(recorder) {}

  int execute();

 private:
  std::optional<int64_t> snapshot(const std::string& trigger);
  void pump_events();
  void reap(pid_t command, std::optional<int>& command_status);
  LeakReport find_leaks(std::chrono::milliseconds grace);
  void report(const LeakReport& leaks, int status) const;
  void write_json(const LeakReport& leaks, int status, const std::vector<CleanupAction>& actions) const;
  std::vector<CleanupAction> cleanup(const LeakReport& leaks);

  const ExecOptions& options_;
  Store* store_;
  Sources& sources_;
  Recorder* recorder_;
  std::unique_ptr<EventRecording> events_;
  std::string events_note_ = "recorded";
  std::string run_id_ = new_run_id();
  pid_t command_pid_ = 0;
  std::map<pid_t, uint64_t> tracked_;  // the command and every descendant its fork events named
  std::optional<int64_t> before_id_, after_id_;
  int64_t started_us_ = 0;
  std::set<std::string> containers_before_;
  std::string containers_note_;
};

std::optional<int64_t> Run::snapshot(const std::string& trigger) {
  if (!recorder_) return std::nullopt;
  pump_events();  // forks first: the snapshot takes original parents from them
  SnapshotRequest request{.trigger = trigger, .tag = options_.tag.empty() ? std::nullopt : std::optional(options_.tag)};
  auto summary = recorder_->snapshot(request);
  if (!summary) {
    print_error("exec: " + summary.error().message);
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
  const auto deadline = Clock::now() + grace;
  const sigset_t signals = handled_signals();
  LeakReport leaks;
  while (true) {
    std::optional<int> ignored;
    reap(0, ignored);
    pump_events();
    LeakScan scan{.root_pid = ::getpid(), .command_pid = command_pid_, .marker = run_id_};
    for (const auto& [pid, start] : tracked_) scan.from_events.push_back(ProcessKey{pid, start});
    auto found = scan_for_leaks(scan);
    if (!found) {
      print_error("exec: looking for leaks: " + found.error().message);
      break;
    }
    leaks.processes = std::move(*found);
    if (leaks.processes.empty() || Clock::now() >= deadline) break;
    timespec pause{0, 100'000'000};
    int signal = ::sigtimedwait(&signals, nullptr, &pause);
    if (signal == SIGINT || signal == SIGTERM) break;  // asked to stop waiting
  }
  if (const DockerCollector* docker = sources_.docker()) {
    auto now = docker->collect();
    if (now) {
      leaks.containers = new_containers(containers_before_, *now, started_us_, run_id_);
      leaks.containers_source = now->source;
    } else {
      leaks.containers_source = "unavailable: " + now.error().message;
    }
  }
  return leaks;
}

std::string age_text(int64_t ms) {
  if (ms < 10'000) return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
  if (ms < 3'600'000) return std::to_string(ms / 60'000) + "m" + std::to_string(ms % 60'000 / 1000) + "s";
  return std::to_string(ms / 3'600'000) + "h" + std::to_string(ms % 3'600'000 / 60'000) + "m";
}

void Run::report(const LeakReport& leaks, int status) const {
  const std::string command = quote_argv(options_.command);
  std::string where = "run " + run_id_;
  if (before_id_ && after_id_) {
    where += ", snapshots " + std::to_string(*before_id_) + " (before) and " + std::to_string(*after_id_) + " (after)";
  }
  if (leaks.empty()) {
    std::cerr << "proctrail exec: no leaks; " << command << " exited " << status << " (" << where << ")\n";
    return;
  }
  std::cerr << "proctrail exec: " << command << " exited " << status << " and left behind "
            << leaks.processes.size() << " process(es), " << leaks.containers.size() << " container(s) (" << where
            << "):\n";
  for (const auto& p : leaks.processes) {
    std::cerr << "  pid " << p.key.pid << "  age " << age_text(p.age_ms) << "  " << p.escape << "  [" << p.found_by
              << "]  " << p.argv << "\n";
  }
  for (const auto& c : leaks.containers) {
    std::cerr << "  container " << c.id.substr(0, 12) << " " << c.name << " (" << c.image << ", " << c.state
              << ")  [" << c.found_by << "]\n";
  }
}

void Run::write_json(const LeakReport& leaks, int status, const std::vector<CleanupAction>& actions) const {
  nlohmann::json doc;
  doc["run_id"] = run_id_;
  doc["command"] = options_.command;
  doc["exit_status"] = status;
  doc["before_snapshot_id"] = before_id_ ? nlohmann::json(*before_id_) : nlohmann::json(nullptr);
  doc["after_snapshot_id"] = after_id_ ? nlohmann::json(*after_id_) : nlohmann::json(nullptr);
  doc["events"] = events_note_;
  doc["processes"] = nlohmann::json::array();
  for (const auto& p : leaks.processes) {
    doc["processes"].push_back({{"pid", p.key.pid}, {"start_ticks", p.key.start_ticks}, {"ppid", p.ppid},
                                {"sid", p.sid}, {"argv", p.argv}, {"age_ms", p.age_ms}, {"rss_kb", p.rss_kb},
                                {"escape", p.escape}, {"found_by", p.found_by}});
  }
  doc["containers"] = nlohmann::json::array();
  for (const auto& c : leaks.containers) {
    doc["containers"].push_back({{"id", c.id}, {"name", c.name}, {"image", c.image}, {"state", c.state},
                                 {"created_at_us", c.created_at_us}, {"found_by", c.found_by}});
  }
  doc["containers_source"] = leaks.containers_source;
  doc["cleanup"] = nlohmann::json::array();
  for (const auto& a : actions) {
    doc["cleanup"].push_back({{"kind", a.target.kind}, {"pid", a.target.key.pid}, {"container_id", a.target.container_id},
                              {"signal", a.signal}, {"outcome", a.outcome}, {"detail", a.detail}});
  }
  std::ofstream out(options_.json_out);
  out << doc.dump(2) << "\n";
  if (!out) print_error("exec: writing " + options_.json_out + " failed");
}

std::string escape_regex(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

// Ends the leaks through the evidence-first cleanup: processes by identity, containers stopped.
std::vector<CleanupAction> Run::cleanup(const LeakReport& leaks) {
  std::vector<CleanupAction> actions;
  if (!store_ || !recorder_) {
    print_error("exec --cleanup: no trail to take the evidence in; nothing was signalled");
    return actions;
  }
  Cleaner cleaner(*store_, *recorder_, sources_.docker(), sources_.logger());
  auto run = [&](const CleanupSelectors& selectors) {
    auto plan = cleaner.plan(selectors, "proctrail exec --cleanup (run " + run_id_ + ")");
    if (!plan) return print_error("exec --cleanup: " + plan.error().message);
    auto done = cleaner.execute(std::move(*plan), selectors);
    if (!done) return print_error("exec --cleanup: " + done.error().message);
    actions.insert(actions.end(), done->actions.begin(), done->actions.end());
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
    selectors.grace = options_.grace_ms;
    run(selectors);
  }
  if (!leaks.containers.empty()) {
    std::string names;
    for (const auto& c : leaks.containers) text::append_item(names, "|", escape_regex(c.name));
    CleanupSelectors selectors;
    selectors.containers = true;
    selectors.match = "^(" + names + ")$";
    selectors.grace = options_.grace_ms;
    run(selectors);
  }
  for (const auto& a : actions) {
    std::cerr << "proctrail exec --cleanup: " << (a.target.kind == "container" ? a.target.container_id.substr(0, 12)
                                                                                 : "pid " + std::to_string(a.target.key.pid))
              << ": " << a.signal << " → " << a.outcome << (a.detail.empty() ? "" : " (" + a.detail + ")") << "\n";
  }
  return actions;
}

int Run::execute() {
  const sigset_t signals = handled_signals();
  sigset_t original_mask;
  ::sigprocmask(SIG_BLOCK, &signals, &original_mask);

  if (store_) {
    std::string why;
    events_ = start_events(options_.event_buffer, *store_, sources_, why);
    if (!events_) events_note_ = why;
  } else {
    events_note_ = "no trail";
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  before_id_ = snapshot("exec-before");
  if (const DockerCollector* docker = sources_.docker()) {
    if (auto before = docker->collect()) {
      for (const auto& c : before->containers) containers_before_.insert(c.id);
    }
  }
  const char* inherited = ::getenv(kRunMarkerVariable);
  started_us_ = fs::clock_us(CLOCK_REALTIME);
  command_pid_ = start_command(options_.command, original_mask, append_run_marker(inherited ? inherited : "", run_id_));
  if (command_pid_ < 0) {
    print_error("exec: cannot run " + options_.command[0] + ": " + std::strerror(errno));
    return exit_code::could_not_run;
  }
  if (auto stat = detail::current_stat(command_pid_)) tracked_[command_pid_] = stat->starttime;

  std::optional<int> command_status;
  while (!command_status) {
    timespec tick{0, 250'000'000};
    int signal = ::sigtimedwait(&signals, nullptr, &tick);
    if (signal > 0 && signal != SIGCHLD) ::kill(command_pid_, signal);  // not reaped yet: still our child
    reap(command_pid_, command_status);
    pump_events();
  }
  const int status = exit_status(*command_status);
  LeakReport leaks = find_leaks(options_.grace_ms);
  after_id_ = snapshot("exec-after");
  report(leaks, status);
  std::vector<CleanupAction> actions;
  if (options_.cleanup && !leaks.empty()) actions = cleanup(leaks);
  if (!options_.json_out.empty()) write_json(leaks, status, actions);
  if (store_) {
    auto host = sources_.procfs().read_host();
    ExecRunRecord record{run_id_, quote_argv(options_.command),
                         options_.tag.empty() ? std::nullopt : std::optional(options_.tag), started_us_,
                         fs::clock_us(CLOCK_REALTIME), before_id_, after_id_, status, events_note_, leaks};
    auto written = host ? store_->record_exec_run(*host, record) : Result<int64_t>(host.error());
    if (!written) print_error("exec: " + written.error().message);
  }
  events_.reset();  // joins the reader thread: nothing of ours outlives this call
  if (options_.fail_on_leak && !leaks.empty()) return exit_code::leaked;
  return status;
}

}  // namespace

CLI::App* setup_exec(CLI::App& app, ExecOptions& options) {
  auto* exec = app.add_subcommand("exec", "Run a command and report the processes and containers it left behind");
  exec->add_flag("--fail-on-leak", options.fail_on_leak, "Exit 2 when anything leaked (else the command's status)");
  exec->add_flag("--cleanup", options.cleanup, "End the leaks with the evidence-first cleanup (containers are stopped)");
  exec->add_option("--grace", options.grace, "How long descendants may take to exit after the command; also SIGTERM → SIGKILL")
      ->capture_default_str();
  exec->add_option("--tag", options.tag, "Label stored with both snapshots");
  exec->add_option("--json", options.json_out, "Also write the leak report as JSON to this file")->type_name("FILE");
  exec->add_option("--event-buffer", options.event_buffer, "Kernel receive buffer for process events, bytes")
      ->check(CLI::Range(int64_t{4096}, int64_t{1} << 30))
      ->capture_default_str();
  exec->add_option("command", options.command, "The command and its arguments (after --)")
      ->type_name("COMMAND")
      ->required();
  add_collect_options(*exec, options.collect);
  return exec;
}

int run_exec(const ExecOptions& options, const GlobalOptions& global) {
  auto grace = parse_duration(options.grace);
  if (!grace) return fail_with(grace.error().within("exec: --grace"));
  ExecOptions resolved = options;
  resolved.grace_ms = *grace;
  Logger logger = make_stderr_logger(global.verbosity);
  auto sources = Sources::make(options.collect, logger);
  if (!sources) return fail_with(sources.error().within("exec"));
  // No trail is no reason not to run the command: the leak check needs none.
  std::optional<Store> store;
  if (auto db = resolve_db_path(global)) {
    if (auto opened = Store::open(*db, StoreOptions{}, logger)) {
      store.emplace(std::move(*opened));
    } else {
      print_error("exec: " + opened.error().message + "; running without recording");
    }
  } else {
    print_error("exec: " + db.error().message + "; running without recording");
  }
  std::optional<Recorder> recorder;
  if (store) recorder.emplace((*sources)->recorder(*store));
  Run run(resolved, store ? &*store : nullptr, **sources, recorder ? &*recorder : nullptr);
  return run.execute();
}

}  // namespace proctrail::cli
