// proctrail exec [--fail-on-leak] [--cleanup] [--grace 5s] [--tag T] -- CMD ARGS...
//
// Runs CMD through the library's exec engine (include/proctrail/exec.hpp), reports the leaks
// (stderr, and --json FILE) and what the cleanup did to them.
// Exit status: CMD's own (128 + signal if a signal ended it), 2 with --fail-on-leak when anything
// leaked, 125 when proctrail itself could not run CMD, 2 for a bad option (cli/exit_codes.hpp).
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/app.hpp"
#include "proctrail/paths.hpp"
#include "proctrail/query.hpp"
#include "cli/cmd_exec.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/exec.hpp"

namespace proctrail::cli {
namespace {

std::string age_text(int64_t ms) {
  if (ms < 10'000) return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
  if (ms < 3'600'000) return std::to_string(ms / 60'000) + "m" + std::to_string(ms % 60'000 / 1000) + "s";
  return std::to_string(ms / 3'600'000) + "h" + std::to_string(ms % 3'600'000 / 60'000) + "m";
}

void report(const ExecRunResult& run) {
  const LeakReport& leaks = run.leaks;
  std::string where = "run " + run.run_id;
  if (run.before_snapshot_id && run.after_snapshot_id) {
    where += ", snapshots " + std::to_string(*run.before_snapshot_id) + " (before) and " +
             std::to_string(*run.after_snapshot_id) + " (after)";
  }
  if (leaks.empty()) {
    std::cerr << "proctrail exec: no leaks; " << printable(run.argv) << " exited " << run.exit_status << " (" << where << ")\n";
    return;
  }
  std::cerr << "proctrail exec: " << printable(run.argv) << " exited " << run.exit_status << " and left behind "
            << leaks.processes.size() << " process(es), " << leaks.containers.size() << " container(s) (" << where
            << "):\n";
  for (const auto& p : leaks.processes) {
    std::cerr << "  pid " << p.key.pid << "  age " << age_text(p.age_ms) << "  " << p.escape << "  [" << p.found_by
              << "]  " << printable(p.argv) << "\n";
  }
  for (const auto& c : leaks.containers) {
    std::cerr << "  container " << c.id.substr(0, 12) << " " << printable(c.name) << " (" << printable(c.image) << ", " << c.state
              << ")  [" << c.found_by << "]\n";
  }
}

void report_cleanup(const std::vector<CleanupAction>& actions) {
  for (const auto& a : actions) {
    std::cerr << "proctrail exec --cleanup: " << (a.target.kind == "container" ? a.target.container_id.substr(0, 12)
                                                                                 : "pid " + std::to_string(a.target.key.pid))
              << ": " << a.signal << " → " << a.outcome << (a.detail.empty() ? "" : " (" + printable(a.detail) + ")") << "\n";
  }
}

void write_json(const ExecOptions& options, const ExecRunResult& run) {
  const LeakReport& leaks = run.leaks;
  nlohmann::json doc;
  doc["run_id"] = run.run_id;
  doc["command"] = options.command;
  doc["exit_status"] = run.exit_status;
  doc["before_snapshot_id"] = run.before_snapshot_id ? nlohmann::json(*run.before_snapshot_id) : nlohmann::json(nullptr);
  doc["after_snapshot_id"] = run.after_snapshot_id ? nlohmann::json(*run.after_snapshot_id) : nlohmann::json(nullptr);
  doc["events"] = run.events;
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
  for (const auto& a : run.cleanup) {
    doc["cleanup"].push_back({{"kind", a.target.kind}, {"pid", a.target.key.pid}, {"container_id", a.target.container_id},
                              {"signal", a.signal}, {"outcome", a.outcome}, {"detail", a.detail}});
  }
  if (auto written = write_private_file(options.json_out, doc.dump(2) + "\n"); !written) {
    print_error("exec: --json: " + written.error().message);
  }
}

void print_problem(const ExecProblem& problem) {
  switch (problem.during) {
    case ExecProblem::During::run: return print_error("exec: " + problem.message);
    case ExecProblem::During::events: return print_error(problem.message);
    case ExecProblem::During::cleanup: return print_error("exec --cleanup: " + problem.message);
  }
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
  Logger logger = make_stderr_logger(global.verbosity);
  auto sources = make_sources(options.collect, logger);
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
  ExecRunOptions run_options{.command = options.command,
                             .grace = *grace,
                             .tag = options.tag.empty() ? std::nullopt : std::optional(options.tag),
                             .cleanup = options.cleanup,
                             .event_buffer_bytes = options.event_buffer};
  ExecRunObserver observer{.problem = print_problem,
                           .leaks_known = report,
                           .concluded = [&options](const ExecRunResult& run) {
                             report_cleanup(run.cleanup);
                             if (!options.json_out.empty()) write_json(options, run);
                           }};
  auto run = proctrail::run_exec(run_options, **sources, store ? &*store : nullptr, observer);
  if (!run) {
    print_error("exec: " + run.error().message);
    return exit_code::could_not_run;
  }
  if (options.fail_on_leak && !run->leaks.empty()) return exit_code::leaked;
  return run->exit_status;
}

}  // namespace proctrail::cli
