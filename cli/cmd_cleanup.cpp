// proctrail cleanup: evidence first, identity-verified signals, every action audited.
// Dry run by default: prints the plan and signals nothing; --yes acts. SIGINT or SIGTERM while it
// acts stops it: it records what it knows and exits 128 + the signal.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli/app.hpp"
#include "cli/cmd_cleanup.hpp"
#include "proctrail/cleanup.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/procfs.hpp"
#include "proctrail/query.hpp"

namespace proctrail::cli {
namespace {

// A whole decimal number; false on anything else.
bool parse_number(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoll(text);
  return true;
}

Result<CleanupSelectors> selectors_of(const CleanupOptions& o) {
  CleanupSelectors s;
  if (!o.match.empty()) s.match = o.match;
  s.orphans = o.orphans;
  s.unreachable = o.unreachable;
  s.verdicts = o.verdicts;
  if (!o.older_than.empty()) {
    auto age = parse_duration(o.older_than);
    if (!age) return age.error().within("--older-than");
    s.older_than_s = age->count() / 1000;
  }
  if (!o.parent.empty()) {
    const size_t at = o.parent.find('@');
    int64_t pid = 0, start = 0;
    const bool pid_ok = parse_number(o.parent.substr(0, at), pid) && pid > 0;
    const bool start_ok = at == std::string::npos || parse_number(o.parent.substr(at + 1), start);
    if (!pid_ok || !start_ok) {
      return Error{"--parent: '" + o.parent + "' is not PID or PID@START_TICKS", ErrorKind::bad_input};
    }
    s.parent = static_cast<pid_t>(pid);
    if (at != std::string::npos) s.parent_start_ticks = static_cast<uint64_t>(start);
  }
  if (!o.user.empty()) {
    const passwd* entry = ::getpwnam(o.user.c_str());
    if (entry == nullptr) return Error{"--user: no such user '" + o.user + "'", ErrorKind::bad_input};
    s.user = entry->pw_uid;
  }
  if (!o.from_sql.empty()) s.from_sql = o.from_sql;
  s.tree = o.tree;
  s.all_users = o.all_users;
  s.containers = o.containers || !o.container_label.empty();
  if (!o.container_label.empty()) s.container_label = o.container_label;
  s.remove = o.remove;
  auto grace = parse_duration(o.grace);
  if (!grace) return grace.error().within("--grace");
  s.grace = *grace;
  return s;
}

ResultTable plan_table(const CleanupReport& report) {
  ResultTable table{{"kind", "pid", "start_ticks", "start_time", "age_s", "rss_kb", "frees_kb", "verdict", "why", "protected", "argv"}, {}};
  for (const auto& t : report.plan) {
    table.rows.push_back({t.kind, int64_t{t.key.pid}, t.kind == "process" ? Cell{static_cast<int64_t>(t.key.start_ticks)} : Cell{},
                          t.start_time, t.age_s, Cell{int64_t{t.rss_kb}},
                          t.frees_kb ? Cell{int64_t{*t.frees_kb}} : Cell{},
                          t.verdict ? Cell{*t.verdict} : Cell{}, t.why,
                          t.protection ? Cell{*t.protection} : Cell{}, t.kind == "container" ? t.container_id.substr(0, 12) + " " + t.argv : t.argv});
  }
  return table;
}

// What ending the plan's unprotected targets frees: USS + swap where smaps_rollup was read.
std::string frees_line(const CleanupReport& report) {
  int64_t frees_kb = 0, measured = 0, acted = 0;
  for (const auto& t : report.plan) {
    if (t.protection) continue;
    ++acted;
    if (!t.frees_kb) continue;
    frees_kb += *t.frees_kb;
    ++measured;
  }
  if (acted == 0) return "";
  return "; ending them frees " + mib_text(frees_kb) + " MiB (USS + swap of " + std::to_string(measured) + " of " +
         std::to_string(acted) + " measured)";
}

// What the targets that are gone held (USS + swap where measured): what ending them freed.
std::string freed_line(const CleanupReport& report) {
  int64_t freed_kb = 0;
  for (const auto& action : report.actions) {
    const bool ended = action.outcome == "exited" || action.outcome == "killed";
    if (ended && action.target.frees_kb) freed_kb += *action.target.frees_kb;
  }
  if (freed_kb == 0) return "";
  return "; freed " + mib_text(freed_kb) + " MiB (USS + swap of those measured)";
}

ResultTable action_table(const CleanupReport& report) {
  ResultTable table{{"kind", "pid", "start_ticks", "signal", "outcome", "detail", "argv"}, {}};
  for (const auto& a : report.actions) {
    table.rows.push_back({a.target.kind, int64_t{a.target.key.pid},
                          a.target.kind == "process" ? Cell{static_cast<int64_t>(a.target.key.start_ticks)} : Cell{}, a.signal,
                          a.outcome, a.detail.empty() ? Cell{} : Cell{a.detail}, a.target.argv});
  }
  return table;
}

}  // namespace

CLI::App* setup_cleanup(CLI::App& app, CleanupOptions& options) {
  auto* cleanup = app.add_subcommand("cleanup",
      "End leaked processes (or containers) safely: evidence snapshot first, identity checked through a pidfd, "
      "SIGTERM then SIGKILL, every action audited. Dry run unless --yes");
  cleanup->add_option("--match", options.match, "argv matches this regex (containers: name, image or command)");
  cleanup->add_flag("--orphans", options.orphans, "Only orphans (original parent gone or reparented)");
  cleanup->add_flag("--unreachable", options.unreachable, "Only processes nothing talks to (from descriptors)");
  cleanup->add_option("--verdict", options.verdicts,
                      "Only processes with one of these leak verdicts (as query leaks gives them, default thresholds)")
      ->delimiter(',')
      ->check(CLI::IsMember(CleanupSelectors::known_verdicts()));
  cleanup->add_option("--older-than", options.older_than, "Only targets older than this (2h, 7d)");
  cleanup->add_option("--parent", options.parent,
                      "Only children (current or original) of this process: PID (the one alive now) or PID@START_TICKS")
      ->type_name("PID[@START_TICKS]");
  cleanup->add_option("--user", options.user, "Only processes of this user");
  cleanup->add_option("--from-sql", options.from_sql, "A read-only SELECT returning pid, start_ticks");
  cleanup->add_flag("--tree", options.tree, "Also each target's descendants, children before parents");
  cleanup->add_flag("--all-users", options.all_users, "Allow other users' processes (as root)");
  cleanup->add_flag("--containers", options.containers, "Docker containers instead of processes");
  cleanup->add_option("--container-label", options.container_label, "Only containers with this label, KEY=VALUE");
  cleanup->add_flag("--remove", options.remove, "Containers: remove after stopping");
  cleanup->add_option("--grace", options.grace, "Wait between SIGTERM and SIGKILL (the container stop timeout)")->capture_default_str();
  cleanup->add_flag("--yes", options.yes, "Act: without it the plan is printed and nothing is signalled");
  cleanup->add_option("--evidence-out", options.evidence_out, "Also write the evidence (targets, descriptors, peers, parents) as JSON")
      ->type_name("FILE");
  cleanup->add_option("--format", options.format, "Output format")->check(CLI::IsMember({"table", "csv", "json"}))->capture_default_str();
  add_collect_options(*cleanup, options.collect);
  return cleanup;
}

int run_cleanup(const CleanupOptions& options, const GlobalOptions& global, const std::string& own_argv) {
  auto selectors = selectors_of(options);
  if (!selectors) return fail_with(selectors.error().within("cleanup"));
  auto db = resolve_db_path(global);
  if (!db) return fail_with(db.error());
  Logger logger = make_stderr_logger(global.verbosity);
  auto sources = make_sources(options.collect, logger);
  if (!sources) return fail_with(sources.error().within("cleanup"));
  auto store = Store::open(*db, StoreOptions{}, logger);
  if (!store) return fail_with(store.error().within("cleanup"));
  Recorder recorder = (*sources)->recorder(*store);
  Cleaner cleaner(*store, recorder, (*sources)->docker(), logger);
  auto plan = cleaner.plan(*selectors, own_argv);
  if (!plan) return fail_with(plan.error().within("cleanup"));
  if (!options.evidence_out.empty()) {
    if (auto written = write_evidence_file(*db, *plan, options.evidence_out); !written) {
      Error error = written.error().within("cleanup");
      error.message += "; nothing was done";
      return fail_with(error);
    }
  }
  std::cerr << "evidence: snapshot " << plan->evidence_snapshot_id << " (" << plan->evidence_hash_hex.substr(0, 16) << "…), "
            << plan->plan.size() << " target(s)" << frees_line(*plan) << "\n";
  if (!options.yes) {
    std::cout << render(plan_table(*plan), options.format, table_layout(global)).value();
    std::cerr << "dry run: nothing was signalled; add --yes to act\n";
    return 0;
  }
  auto done = cleaner.execute(std::move(*plan), *selectors);
  if (!done) return fail_with(done.error().within("cleanup"));
  std::cout << render(action_table(*done), options.format, table_layout(global)).value();
  if (done->interrupted_by != 0) {
    std::cerr << "interrupted: nothing more was signalled; " << done->actions.size() << " outcome(s) recorded, "
              << done->survivors << " target(s) may still run (outcome interrupted)\n";
    return exit_code::signalled_base + done->interrupted_by;
  }
  const auto declined = std::count_if(done->actions.begin(), done->actions.end(),
                                      [](const CleanupAction& action) { return action.outcome == "protected"; });
  std::cerr << done->actions.size() - static_cast<size_t>(declined) << " acted on, " << declined << " protected, "
            << done->survivors << " survived" << freed_line(*done) << "; after: snapshot "
            << (done->after_snapshot_id ? std::to_string(*done->after_snapshot_id) : std::string("(failed)")) << "\n";
  return done->survivors > 0 ? exit_code::some_survived : 0;
}

}  // namespace proctrail::cli
