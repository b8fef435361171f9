// proctrail guard: applies the policy file unattended (proctrail/guard.hpp). --once runs it once on
// a fresh evidence snapshot; otherwise every --interval until SIGINT or SIGTERM, which ends the wait
// at once, or, arriving during a run, lets the action under way finish and its audit row be written.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "cli/cmd_guard.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/guard.hpp"
#include "proctrail/policy.hpp"
#include "proctrail/query.hpp"

namespace proctrail::cli {
namespace {

// One row per target a rule chose or spared: rule, verdict (why), pid, age, frees, what happened, argv.
ResultTable targets_table(const GuardReport& report) {
  ResultTable table{{"rule", "pid", "start_ticks", "age_s", "frees_kb", "outcome", "why", "argv"}, {}};
  for (const auto& rule : report.rules) {
    for (const auto& target : rule.plan) {
      std::string outcome = rule.refused ? "refused" : target.protection ? "spared: " + *target.protection : rule.action == "report" ? "reported" : "planned";
      for (const auto& action : rule.actions) {
        if (action.target.key == target.key && action.target.kind == target.kind) outcome = action.signal + " → " + action.outcome;
      }
      table.rows.push_back({rule.rule, int64_t{target.key.pid}, static_cast<int64_t>(target.key.start_ticks), target.age_s,
                            target.frees_kb ? Cell{int64_t{*target.frees_kb}} : Cell{}, outcome, target.why,
                            target.argv});
    }
    for (const auto& target : rule.spared) {
      table.rows.push_back({rule.rule, int64_t{target.key.pid}, static_cast<int64_t>(target.key.start_ticks), Cell{}, Cell{},
                            "spared", target.why, target.argv});
    }
  }
  return table;
}

std::string summary_line(const GuardReport& report, bool dry_run) {
  int64_t planned = 0, refused = 0;
  for (const auto& rule : report.rules) {
    planned += static_cast<int64_t>(rule.plan.size());
    refused += rule.refused ? 1 : 0;
  }
  std::string line = "guard: evidence snapshot " + std::to_string(report.evidence_snapshot_id) + ", " +
                     std::to_string(report.rules.size()) + " rule(s), " + std::to_string(planned) + " target(s) chosen, " +
                     std::to_string(report.acted()) + " acted on";
  if (report.freed_kb() > 0) line += ", freed " + mib_text(report.freed_kb()) + " MiB (USS + swap)";
  if (refused > 0) line += ", " + std::to_string(refused) + " rule(s) refused";
  if (dry_run) line += " (dry run: nothing was signalled)";
  return line;
}

// Under systemd (JOURNAL_STREAM names the journal stream stderr is), a run that acted is logged at
// NOTICE through the stream's "<5>" level prefix; elsewhere the line is printed as it is.
std::string journal_level_prefix(const GuardReport& report) {
  const char* stream = std::getenv("JOURNAL_STREAM");
  return stream && *stream && report.acted() > 0 ? "<5>" : "";
}

// On a desktop (DISPLAY or WAYLAND_DISPLAY set) with notify-send on PATH, a run that acted says so in
// a desktop notification; without either it is skipped, silently. The guard waits for notify-send,
// which returns at once, so no child is left behind.
void notify_desktop(const GuardReport& report) {
  if (report.acted() == 0) return;
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if (!(x11 && *x11) && !(wayland && *wayland)) return;
  std::string body = "ended " + std::to_string(report.acted()) + " process(es)";
  if (report.freed_kb() > 0) body += ", freed " + mib_text(report.freed_kb()) + " MiB";
  body += " (evidence snapshot " + std::to_string(report.evidence_snapshot_id) + ")";
  std::string title = "proctrail guard";
  char* argv[] = {const_cast<char*>("notify-send"), title.data(), body.data(), nullptr};
  pid_t child = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  if (::posix_spawnp(&child, "notify-send", &actions, nullptr, argv, environ) == 0) ::waitpid(child, nullptr, 0);
  posix_spawn_file_actions_destroy(&actions);
}

void print_report(const GuardReport& report, const GuardOptions& options) {
  const ResultTable table = targets_table(report);
  if (options.format == "json") {
    auto rows = nlohmann::json::parse(render(table, "json").value());
    std::cout << nlohmann::json{{"evidence_snapshot_id", report.evidence_snapshot_id},
                                {"acted", report.acted()},
                                {"freed_kb", report.freed_kb()},
                                {"dry_run", options.dry_run},
                                {"targets", rows}}
                     .dump()
              << "\n";
  } else if (!table.rows.empty()) {
    std::cout << render(table, "table").value();
  }
  for (const auto& rule : report.rules) {
    if (rule.refused) std::cerr << "guard: rule " << printable(rule.rule) << ": " << *rule.refused << "\n";
  }
  std::cerr << journal_level_prefix(report) << summary_line(report, options.dry_run) << "\n";
  notify_desktop(report);
}

// Waits `interval` or until SIGINT/SIGTERM (blocked for the wait, taken with sigtimedwait); the
// signal (0 if none).
int wait_or_signal(std::chrono::milliseconds interval) {
  sigset_t stop, previous;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &stop, &previous);
  const auto deadline = std::chrono::steady_clock::now() + interval;
  int signal = 0;
  for (auto left = interval; left.count() > 0 && signal <= 0;
       left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())) {
    const timespec wait{.tv_sec = left.count() / 1000, .tv_nsec = (left.count() % 1000) * 1'000'000};
    signal = ::sigtimedwait(&stop, nullptr, &wait);
    if (signal < 0 && errno != EINTR) break;  // EAGAIN: the interval passed
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return signal > 0 ? signal : 0;
}

}  // namespace

CLI::App* setup_guard(CLI::App& app, GuardOptions& options) {
  auto* guard = app.add_subcommand("guard",
      "Apply a policy of rules unattended: end orphaned, abandoned or surplus servers after an evidence snapshot, "
      "identity-checked and audited (the policy: ~/.config/proctrail/policy.toml or --policy)");
  guard->add_option("--policy", options.policy, "The policy file (TOML)")->type_name("FILE");
  guard->add_flag("--once", options.once, "Run once on a fresh evidence snapshot and exit");
  guard->add_option("--interval", options.interval, "Between runs, without --once")->capture_default_str();
  guard->add_flag("--dry-run", options.dry_run, "Plan and report only: nothing is signalled");
  guard->add_flag("--all-users", options.all_users, "Other users' processes too (root only)");
  guard->add_option("--format", options.format, "Output format")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  add_collect_options(*guard, options.collect);
  return guard;
}

int run_guard(const GuardOptions& options, const GlobalOptions& global, const std::string& own_argv) {
  auto interval = parse_duration(options.interval);
  if (!interval) return fail_with(interval.error().within("guard: --interval"));
  auto policy = load_policy(options.policy.empty() ? default_policy_path() : std::filesystem::path(options.policy));
  if (!policy) return fail_with(policy.error().within("guard"));
  auto db = resolve_db_path(global);
  if (!db) return fail_with(db.error());
  Logger logger = make_stderr_logger(global.verbosity);
  auto sources = make_sources(options.collect, logger);
  if (!sources) return fail_with(sources.error().within("guard"));
  auto store = Store::open(*db, StoreOptions{}, logger);
  if (!store) return fail_with(store.error().within("guard"));
  Recorder recorder = (*sources)->recorder(*store);
  Guard guard(*store, recorder, std::move(*policy), CleanerOptions{.docker = (*sources)->docker()}, logger);
  for (;;) {
    auto report = guard.run_once(GuardRunOptions{.dry_run = options.dry_run, .all_users = options.all_users, .own_argv = own_argv});
    if (!report) return fail_with(report.error().within("guard"));
    print_report(*report, options);
    if (report->interrupted_by != 0) return exit_code::signalled_base + report->interrupted_by;
    if (options.once) return 0;
    if (const int signal = wait_or_signal(*interval); signal != 0) return 0;
  }
}

}  // namespace proctrail::cli
