// proctrail query QUESTION [options]; proctrail sql "SELECT …"; proctrail snapshots.
// Every question opens the trail read-only and prints --format table|csv|json (json: one array).
#include <iostream>

#include "cli/app.hpp"
#include "cli/cmd_query.hpp"
#include "proctrail/clock.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/query.hpp"

namespace proctrail::cli {
namespace {

void add_format(CLI::App& command, std::string& format) {
  command.add_option("--format", format, "Output format")->check(CLI::IsMember({"table", "csv", "json"}))->capture_default_str();
}

void add_hosts(CLI::App& question, std::vector<std::string>& hosts) {
  question.add_option("--host", hosts,
                      "Only this host (a machine's name, or an imported file's); repeatable. Default: the hosts recorded live");
}

void add_common(CLI::App& question, QueryOptions& options) {
  add_format(question, options.format);
  question.add_option("--snapshot", options.snapshot,
                      "Snapshot id, tag, last, or last~N (last: the newest recorded live, or of --host)")
      ->capture_default_str();
  add_hosts(question, options.hosts);
}

void add_window(CLI::App& question, std::string& since, std::string& until, const char* what) {
  question.add_option("--since", since, std::string(what) + " at or after: a duration back from now (2h, 7d) or a UTC time");
  question.add_option("--until", until, std::string(what) + " before: a duration back from now or a UTC time");
}

std::optional<std::string> optional_text(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}


Result<ResultTable> containers_answer(TrailReader& trail, int64_t snapshot, const QueryOptions& options) {
  ContainerFilter filter;
  filter.state = options.state;
  if (!options.label.empty()) filter.label = options.label;
  if (!options.older_than.empty()) {
    auto age = parse_duration(options.older_than);
    if (!age) return age.error().within("--older-than");
    filter.older_than_s = age->count() / 1000;
  }
  return query_containers(trail, snapshot, filter);
}

// A threshold in whole seconds: a duration (10m, 30s), or zero ("0", "0s"): judge without waiting.
Result<int64_t> threshold_s(const std::string& text, const char* option) {
  const size_t unit = text.find_first_not_of("0123456789");
  const std::string_view number = std::string_view(text).substr(0, unit);
  const std::string_view suffix = unit == std::string::npos ? std::string_view{} : std::string_view(text).substr(unit);
  const bool zero = !number.empty() && number.find_first_not_of('0') == std::string_view::npos &&
                    (suffix.empty() || suffix == "ms" || suffix == "s" || suffix == "m" || suffix == "h" || suffix == "d");
  if (zero) return int64_t{0};
  auto duration = parse_duration(text);
  if (!duration) return duration.error().within(option);
  return duration->count() / 1000;
}

Result<ResultTable> leaks_answer(TrailReader& trail, int64_t snapshot, const QueryOptions& options) {
  LeakOptions leak{.match = optional_text(options.match)};
  auto idle_for = threshold_s(options.idle_for, "--idle-for");
  if (!idle_for) return idle_for.error();
  leak.idle_for_s = *idle_for;
  auto grace = threshold_s(options.session_grace, "--session-grace");
  if (!grace) return grace.error();
  leak.session_grace_s = *grace;
  return query_leaks(trail, snapshot, leak);
}

Result<ResultTable> answer(CLI::App& query, TrailReader& trail, const QueryOptions& options) {
  auto window = window_of(options.since, options.until);
  if (!window) return window.error();
  const auto match = optional_text(options.match);
  if (query.got_subcommand("spawn-rate")) {
    return query_spawn_rate(
        trail, {.by = options.spawn_by, .per = options.per, .window = *window, .match = match, .hosts = options.hosts});
  }
  if (query.got_subcommand("timeline")) return query_timeline(trail, options.pid, options.start_ticks);
  if (query.got_subcommand("sessions")) return query_sessions(trail, *window);
  if (query.got_subcommand("diff")) {
    auto a = trail.resolve_snapshot(options.diff_a, options.hosts);
    if (!a) return a.error();
    auto b = trail.resolve_snapshot(options.diff_b, options.hosts);
    if (!b) return b.error();
    return query_diff(trail, *a, *b);
  }
  auto snapshot = trail.resolve_snapshot(options.snapshot, options.hosts);
  if (!snapshot) return snapshot.error();
  if (query.got_subcommand("holders")) return query_holders(trail, *snapshot, options.inode);
  if (query.got_subcommand("peers")) return query_peers(trail, *snapshot, options.pid, options.start_ticks);
  if (query.got_subcommand("reachable")) return query_reachable(trail, *snapshot, options.match);
  if (query.got_subcommand("containers")) return containers_answer(trail, *snapshot, options);
  if (query.got_subcommand("orphans")) return query_orphans(trail, *snapshot, *window, match);
  if (query.got_subcommand("groups")) return query_groups(trail, *snapshot, options.match, options.bucket, *window);
  if (query.got_subcommand("memory")) return query_memory(trail, *snapshot, options.memory_by, match, *window);
  if (query.got_subcommand("leaks")) return leaks_answer(trail, *snapshot, options);
  return Error{"no question"};
}

// Opens the trail read-only, asks, prints; the exit code follows the scheme of cli/exit_codes.hpp.
template <class Ask>
int ask_and_print(const GlobalOptions& global, const std::string& format, const char* who, Ask ask) {
  auto db = existing_trail_path(global);
  if (!db) return fail_with(db.error().within(who));
  auto trail = TrailReader::open(*db);
  if (!trail) return fail_with(trail.error().within(who));
  Result<ResultTable> table = ask(*trail);
  if (!table) return fail_with(table.error().within(who));
  auto text = render(*table, format, table_layout(global));
  if (!text) return fail_with(text.error().within(who));
  std::cout << *text;
  return 0;
}

}  // namespace

Result<TimeWindow> window_of(const std::string& since, const std::string& until) {
  const int64_t now_us = now_realtime_us();
  TimeWindow window;
  if (!since.empty()) {
    auto bound = parse_time_bound(since, now_us);
    if (!bound) return bound.error().within("--since");
    window.since_us = *bound;
  }
  if (!until.empty()) {
    auto bound = parse_time_bound(until, now_us);
    if (!bound) return bound.error().within("--until");
    window.until_us = *bound;
  }
  return window;
}

CLI::App* setup_query(CLI::App& app, QueryOptions& options) {
  auto* query = app.add_subcommand("query", "Answer a question from the trail (read-only)");
  query->require_subcommand(1);
  auto* holders = query->add_subcommand("holders", "Every process holding pipe or socket INODE, with its end");
  holders->add_option("--inode", options.inode, "Pipe or socket inode (as in pipe:[INODE])")->required();
  add_common(*holders, options);
  auto* peers = query->add_subcommand("peers", "For each pipe and socket of a process, who holds the other end");
  peers->add_option("--pid", options.pid, "The process")->required();
  peers->add_option("--start-ticks", options.start_ticks, "Its start_ticks, when the pid was reused");
  add_common(*peers, options);
  auto* reachable = query->add_subcommand(
      "reachable", "Is anything still talking to the processes whose argv matches? connected, listening, detached or "
                   "unreachable, and since when each is idle");
  reachable->add_option("--match", options.match, "Regular expression (RE2 syntax) over argv")->required();
  add_common(*reachable, options);
  auto* containers = query->add_subcommand(
      "containers", "Each container's age, state, origin labels, processes and RSS, and the process that created it");
  containers->add_option("--older-than", options.older_than, "Only containers created at least this long ago (2h, 7d)");
  containers->add_option("--label", options.label, "Only containers with this label, KEY=VALUE");
  containers->add_option("--state", options.state, "running (with paused and restarting), exited, created, dead or all")
      ->check(CLI::IsMember({"running", "exited", "created", "dead", "all"}))
      ->capture_default_str();
  add_common(*containers, options);

  auto* spawn_rate = query->add_subcommand("spawn-rate", "New processes per parent (or per argv) per interval, busiest first");
  spawn_rate->add_option("--by", options.spawn_by, "Group by the original parent or by argv")
      ->check(CLI::IsMember({"parent", "argv"}))->capture_default_str();
  spawn_rate->add_option("--per", options.per, "Interval")->check(CLI::IsMember({"minute", "hour", "day"}))->capture_default_str();
  spawn_rate->add_option("--match", options.match, "Only spawned processes whose argv matches (RE2 regex)");
  add_window(*spawn_rate, options.since, options.until, "Started");
  add_hosts(*spawn_rate, options.hosts);
  add_format(*spawn_rate, options.format);
  auto* orphans = query->add_subcommand(
      "orphans", "Processes whose original parent is gone, reparented, or found inherited (parent unknown), with their family");
  orphans->add_option("--match", options.match, "Only processes whose argv matches");
  add_window(*orphans, options.since, options.until, "Started");
  add_common(*orphans, options);
  auto* groups = query->add_subcommand("groups", "Instances whose argv matches, grouped by start time, with count and RSS");
  groups->add_option("--match", options.match, "Regular expression over argv")->required();
  groups->add_option("--bucket", options.bucket, "Start-time bucket")->check(CLI::IsMember({"hour", "day"}))->capture_default_str();
  add_window(*groups, options.since, options.until, "Started");
  add_common(*groups, options);
  auto* memory = query->add_subcommand(
      "memory", "RSS, PSS, USS and swap by argv, original parent or start-hour group; frees: what ending them frees (USS + swap)");
  memory->add_option("--by", options.memory_by, "Grouping")->check(CLI::IsMember({"argv", "parent", "group"}))->capture_default_str();
  memory->add_option("--match", options.match, "Only processes whose argv matches");
  add_window(*memory, options.since, options.until, "Started");
  add_common(*memory, options);
  auto* timeline = query->add_subcommand("timeline", "One instance's life: every change, its descriptors, peers and container");
  timeline->add_option("--pid", options.pid, "The process")->required();
  timeline->add_option("--start-ticks", options.start_ticks, "Its start_ticks (default: the newest process with that pid)");
  add_format(*timeline, options.format);
  auto* diff = query->add_subcommand("diff", "Processes and containers that appeared, disappeared and survived between A and B");
  diff->add_option("A", options.diff_a, "Earlier snapshot: id, tag, last or last~N")->required();
  diff->add_option("B", options.diff_b, "Later snapshot")->required();
  add_hosts(*diff, options.hosts);
  add_format(*diff, options.format);
  auto* leaks = query->add_subcommand(
      "leaks", "One verdict per suspect (outlived-session, orphaned, abandoned, spinning, unreachable) with its evidence");
  leaks->add_option("--match", options.match, "Only suspects whose argv matches");
  leaks->add_option("--idle-for", options.idle_for, "abandoned and spinning: for at least this long")->capture_default_str();
  leaks->add_option("--session-grace", options.session_grace, "outlived-session: alive this long after its session ended")
      ->capture_default_str();
  add_common(*leaks, options);
  auto* sessions = query->add_subcommand(
      "sessions", "Client sessions (hooks, session markers, exec runs): client, start, end, processes started, alive");
  add_window(*sessions, options.since, options.until, "Started");
  add_format(*sessions, options.format);
  return query;
}

int run_query(CLI::App& query, const QueryOptions& options, const GlobalOptions& global) {
  return ask_and_print(global, options.format, "query", [&](TrailReader& trail) { return answer(query, trail, options); });
}

CLI::App* setup_sql(CLI::App& app, SqlOptions& options) {
  auto* sql = app.add_subcommand("sql", "Run one read-only SQL statement over the trail (views: see README)");
  sql->add_option("statement", options.statement, "A SELECT or WITH statement")->required();
  sql->add_option("--timeout", options.timeout, "Stop the statement after this long (it may use 1 GiB of memory at most)")
      ->capture_default_str();
  add_format(*sql, options.format);
  return sql;
}

int run_sql(const SqlOptions& options, const GlobalOptions& global) {
  auto timeout = parse_duration(options.timeout);
  if (!timeout) return fail_with(timeout.error().within("sql: --timeout"));
  return ask_and_print(global, options.format, "sql", [&](TrailReader& trail) {
    return trail.run_sql(options.statement, SqlLimits{.timeout = *timeout});
  });
}

CLI::App* setup_snapshots(CLI::App& app, SnapshotsOptions& options) {
  auto* snapshots = app.add_subcommand("snapshots", "List snapshots: time, trigger, tag, hook session, counts");
  add_window(*snapshots, options.since, options.until, "Taken");
  add_format(*snapshots, options.format);
  return snapshots;
}

int run_snapshots(const SnapshotsOptions& options, const GlobalOptions& global) {
  return ask_and_print(global, options.format, "snapshots", [&](TrailReader& trail) -> Result<ResultTable> {
    auto window = window_of(options.since, options.until);
    if (!window) return window.error();
    return query_snapshots(trail, *window);
  });
}

}  // namespace proctrail::cli
