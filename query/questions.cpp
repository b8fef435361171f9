// The leak-history questions of `proctrail query` (issue 5). Each reads a view of schema/views.sql;
// the SQL here only filters, groups and orders, so a sqlite3 user gets the same answer from the view.
#include <limits>

#include "proctrail/query.hpp"
#include "query/question_errors.hpp"

namespace proctrail {
namespace {

Cell since_of(const TimeWindow& window) { return window.since_us.value_or(std::numeric_limits<int64_t>::min()); }
Cell until_of(const TimeWindow& window) { return window.until_us.value_or(std::numeric_limits<int64_t>::max()); }
Cell match_of(const std::optional<std::string>& match) { return match ? Cell{*match} : Cell{}; }

// Bucket width in minutes and its label format. Fixed lists only: nothing the user typed is spliced
// into SQL.
struct Bucket {
  const char* minutes;
  const char* label;
};

Result<Bucket> spawn_bucket(const std::string& per) {
  if (per == "minute") return Bucket{"1", "%Y-%m-%dT%H:%MZ"};
  if (per == "hour") return Bucket{"60", "%Y-%m-%dT%H:00Z"};
  if (per == "day") return Bucket{"1440", "%Y-%m-%d"};
  return Error{"--per must be minute, hour or day", ErrorKind::bad_input};
}

// A window bound in unix minutes (floor): spawn-rate's windows have minute resolution.
Cell minute_of(const Cell& bound_us) {
  const int64_t us = std::get<int64_t>(bound_us);
  if (us == std::numeric_limits<int64_t>::min() || us == std::numeric_limits<int64_t>::max()) return us;
  return us >= 0 ? us / 60'000'000 : -((-us + 59'999'999) / 60'000'000);
}

}  // namespace

// Reads spawn_counts, the per-minute summary the store keeps as processes are first seen (the same
// counts process_spawns gives row by row), and joins the parents' rows only for the top groups.
Result<ResultTable> query_spawn_rate(TrailReader& trail, const SpawnRateOptions& options) {
  auto bucket = spawn_bucket(options.per);
  if (!bucket) return bucket.error();
  const std::string slot = std::string("start_minute / ") + bucket->minutes;
  const std::string label = std::string("strftime('") + bucket->label + "', g.first_minute * 60, 'unixepoch') AS bucket";
  const std::string filter =
      // host_id IN (…): the primary key (host_id, start_minute, …) serves the window as a range and covers the row
      // ?4: the named hosts (name_list_parameter), else every host but the imported files, whose
      // processes a live snapshot may have counted already.
      " FROM spawn_counts WHERE host_id IN (SELECT host_id FROM hosts h WHERE CASE WHEN ?4 IS NOT NULL"
      "   THEN instr(?4, char(31) || h.hostname || char(31)) > 0"
      "   ELSE h.host_id NOT IN (SELECT s.host_id FROM snapshots s JOIN imports i USING (snapshot_id)) END)"
      " AND start_minute >= ?1 AND start_minute < ?2 AND (?3 IS NULL OR argv REGEXP ?3)";
  const Cell hosts = options.hosts.empty() ? Cell{} : Cell{name_list_parameter(options.hosts)};
  const std::vector<Cell> parameters = {minute_of(since_of(options.window)), minute_of(until_of(options.window)),
                                        match_of(options.match), hosts};
  const std::string parent_join = " LEFT JOIN processes pp ON g.parent_key > 0 AND pp.process_id = g.parent_key";
  if (options.by == "parent") {
    return trail.select(
        "WITH g AS (SELECT parent_key, min(start_minute) AS first_minute, sum(spawned) AS spawned,"
        "   count(DISTINCT argv) AS distinct_argv, max(argv) AS example_argv" + filter +
        "   GROUP BY parent_key, " + slot + " ORDER BY spawned DESC LIMIT 200)"
        " SELECT " + label + ", CASE WHEN g.parent_key > 0 THEN pp.pid WHEN g.parent_key < 0 THEN -g.parent_key END AS parent_pid,"
        " pp.start_ticks AS parent_start_ticks,"
        " CASE WHEN g.parent_key = 0 THEN '(unknown: found already inherited by init or a subreaper)' ELSE pp.argv END"
        " AS parent_argv, g.spawned, g.distinct_argv, g.example_argv"
        " FROM g" + parent_join + " ORDER BY g.spawned DESC, bucket DESC",
        parameters);
  }
  if (options.by == "argv") {
    return trail.select(
        "WITH g AS (SELECT argv, parent_key, " + slot + " AS slot, min(start_minute) AS first_minute, sum(spawned) AS spawned" +
        filter + " GROUP BY argv, parent_key, slot)"
        " SELECT strftime('" + bucket->label + "', min(g.first_minute) * 60, 'unixepoch') AS bucket, g.argv,"
        " CASE WHEN g.parent_key = 0 THEN '(unknown: found already inherited by init or a subreaper)' ELSE pp.argv END"
        " AS parent_argv, sum(g.spawned) AS spawned, count(DISTINCT g.parent_key) AS parents"
        " FROM g" + parent_join + " GROUP BY g.argv, pp.argv, g.slot ORDER BY spawned DESC, bucket DESC LIMIT 200",
        parameters);
  }
  return Error{"--by must be parent or argv", ErrorKind::bad_input};
}

Result<ResultTable> query_orphans(TrailReader& trail, int64_t snapshot_id, const TimeWindow& window,
                                  const std::optional<std::string>& match) {
  return trail.select(
      "SELECT pid, start_ticks, start_time, age_s, rss_kb, swap_kb, ppid_now, how, original_parent_pid,"
      " original_parent_argv, parent_gone_by, dead_leader_pid, family, family_size, reachable, argv FROM snapshot_orphans"
      " WHERE snapshot_id = ?1 AND start_time_us >= ?2 AND start_time_us < ?3 AND (?4 IS NULL OR argv REGEXP ?4)"
      " ORDER BY family, age_s DESC, pid",
      {snapshot_id, since_of(window), until_of(window), match_of(match)});
}

Result<ResultTable> query_groups(TrailReader& trail, int64_t snapshot_id, const std::string& match,
                                 const std::string& bucket, const TimeWindow& window) {
  if (bucket != "hour" && bucket != "day") return Error{"--bucket must be hour or day", ErrorKind::bad_input};
  const std::string column = bucket == "hour" ? "start_hour" : "start_day";
  return trail.select(
      "SELECT " + column + " AS started, count(*) AS instances, sum(rss_kb) AS rss_kb,"
      " min(start_time) AS first_start, max(start_time) AS last_start,"
      " group_concat(pid, ' ') AS pids FROM snapshot_instances"
      " WHERE snapshot_id = ?1 AND argv REGEXP ?2 AND start_time_us >= ?3 AND start_time_us < ?4"
      " GROUP BY started ORDER BY started",
      {snapshot_id, match, since_of(window), until_of(window)});
}

// Memory per group: RSS as the kernel counts it, and what ending the group would free (USS from
// smaps_rollup where it was read, plus swap). uss_kb and pss_kb sum the processes that were measured;
// measured says how many of the instances that is.
Result<ResultTable> query_memory(TrailReader& trail, int64_t snapshot_id, const std::string& by,
                                 const std::optional<std::string>& match, const TimeWindow& window) {
  std::string key, group;
  if (by == "argv") {
    key = "argv";
    group = "argv";
  } else if (by == "parent") {
    key = "parent_pid, CASE WHEN inherited_by IS NOT NULL AND parent_process_id IS NULL"
          " THEN '(unknown: inherited by pid ' || inherited_by || '; process group ' || pgid || ')' ELSE parent_argv END"
          " AS parent_argv";
    group = "COALESCE(parent_process_id, CASE WHEN inherited_by IS NOT NULL THEN 'group ' || pgid END, -parent_pid)";
  } else if (by == "group") {
    key = "start_hour AS started, argv";
    group = "start_hour, argv";
  } else {
    return Error{"--by must be argv, parent or group", ErrorKind::bad_input};
  }
  return trail.select(
      "SELECT " + key + ", count(*) AS instances, sum(rss_kb) AS rss_kb, sum(pss_kb) AS pss_kb, sum(uss_kb) AS uss_kb,"
      " sum(swap_kb) AS swap_kb, count(uss_kb) AS measured,"
      " sum(uss_kb) + sum(CASE WHEN uss_kb IS NOT NULL THEN COALESCE(swap_kb, 0) END) AS frees_kb"
      " FROM (SELECT i.*, m.pss_kb, m.uss_kb FROM snapshot_instances i"
      "       LEFT JOIN process_memory_samples m ON m.process_id = i.process_id AND m.snapshot_id ="
      "         (SELECT max(m2.snapshot_id) FROM process_memory_samples m2"
      "           WHERE m2.process_id = i.process_id AND m2.snapshot_id <= i.snapshot_id)"
      "       WHERE i.snapshot_id = ?1 AND COALESCE(i.state, '') != 'Z' AND (?2 IS NULL OR i.argv REGEXP ?2)"
      "         AND i.start_time_us >= ?3 AND i.start_time_us < ?4)"
      " GROUP BY " + group + " ORDER BY rss_kb DESC LIMIT 200",
      {snapshot_id, match_of(match), since_of(window), until_of(window)});
}

Result<ResultTable> query_timeline(TrailReader& trail, int64_t pid, std::optional<int64_t> start_ticks) {
  auto found = trail.select(
      // host_id IN (…) lets the (host_id, pid, start_ticks) index serve a lookup by pid alone
      "SELECT process_id, host_id, start_ticks, gone_by, container_id FROM processes"
      " WHERE host_id IN (SELECT host_id FROM hosts) AND pid = ?1 AND (?2 IS NULL OR start_ticks = ?2)"
      " ORDER BY first_seen DESC LIMIT 1",
      {pid, start_ticks ? Cell{*start_ticks} : Cell{}});
  if (!found) return found.error();
  if (found->rows.empty()) {
    return detail::not_found_in(detail::process_named(pid, start_ticks), "the trail");
  }
  const auto& row = found->rows.front();
  const int64_t process_id = std::get<int64_t>(row[0]);
  auto timeline = trail.select(
      "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', at_us / 1000000, 'unixepoch') AS at, snapshot_id, event, detail"
      " FROM process_timeline WHERE process_id = ?1 ORDER BY at_us, snapshot_id,"
      " CASE event WHEN 'first seen' THEN 0 WHEN 'gone' THEN 2 ELSE 1 END",
      {process_id});
  if (!timeline) return timeline;
  // The last snapshot that saw it: its peers and its container as they were then.
  auto last = trail.select(
      "SELECT max(snapshot_id) FROM snapshots WHERE host_id = ?1 AND (?2 IS NULL OR snapshot_id < ?2)",
      {row[1], row[3]});
  if (!last || last->rows.empty() || !std::holds_alternative<int64_t>(last->rows.front()[0])) return timeline;
  const int64_t last_seen = std::get<int64_t>(last->rows.front()[0]);
  auto extra = trail.select(
      "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', s.started_at_us / 1000000, 'unixepoch'), s.snapshot_id, 'last seen',"
      " 'rss ' || p.rss_kb || ' KiB, state ' || p.state || ', ppid ' || p.ppid"
      " FROM snapshot_processes p JOIN snapshots s ON s.snapshot_id = p.snapshot_id"
      " WHERE p.snapshot_id = ?1 AND p.process_id = ?2"
      " UNION ALL"
      " SELECT strftime('%Y-%m-%dT%H:%M:%SZ', s.started_at_us / 1000000, 'unixepoch'), x.snapshot_id, 'peer',"
      " 'fd ' || x.fd || ' ' || x.via || ' → pid ' || x.peer_pid || ' fd ' || x.peer_fd || COALESCE(' (' || x.peer_mode || ')', '')"
      " FROM snapshot_fd_peers x JOIN snapshots s ON s.snapshot_id = x.snapshot_id"
      " WHERE x.snapshot_id = ?1 AND x.process_id = ?2 AND x.peer_process_id != ?2"
      " UNION ALL"
      " SELECT strftime('%Y-%m-%dT%H:%M:%SZ', s.started_at_us / 1000000, 'unixepoch'), c.snapshot_id, 'container',"
      " c.short_id || ' ' || c.name || ' (' || c.image || '), ' || c.state"
      " FROM snapshot_containers c JOIN snapshots s ON s.snapshot_id = c.snapshot_id"
      " WHERE c.snapshot_id = ?1 AND c.container_id = ?3",
      {last_seen, process_id, row[4]});
  if (extra) {
    for (auto& extra_row : extra->rows) timeline->rows.push_back(std::move(extra_row));
  }
  return timeline;
}

Result<ResultTable> query_diff(TrailReader& trail, int64_t a, int64_t b) {
  if (a > b) std::swap(a, b);
  return trail.select(
      "SELECT 'appeared' AS change, 'process' AS kind, pid, start_ticks, start_time, rss_kb, argv"
      "  FROM snapshot_processes WHERE snapshot_id = ?2 AND first_seen > ?1 AND is_kernel_thread = 0"
      " UNION ALL SELECT 'disappeared', 'process', pid, start_ticks, start_time, rss_kb, argv"
      "  FROM snapshot_processes WHERE snapshot_id = ?1 AND gone_by <= ?2 AND is_kernel_thread = 0"
      " UNION ALL SELECT 'survived', 'process', pid, start_ticks, start_time, rss_kb, argv"
      "  FROM snapshot_processes WHERE snapshot_id = ?2 AND first_seen <= ?1 AND is_kernel_thread = 0"
      " UNION ALL SELECT 'appeared', 'container', init_pid, NULL, created_at, rss_kb, short_id || ' ' || name || ' ' || image"
      "  FROM container_overview WHERE snapshot_id = ?2 AND first_seen > ?1"
      " UNION ALL SELECT 'disappeared', 'container', init_pid, NULL, created_at, rss_kb, short_id || ' ' || name || ' ' || image"
      "  FROM container_overview WHERE snapshot_id = ?1 AND gone_by <= ?2"
      " UNION ALL SELECT 'survived', 'container', init_pid, NULL, created_at, rss_kb, short_id || ' ' || name || ' ' || image"
      "  FROM container_overview WHERE snapshot_id = ?2 AND first_seen <= ?1"
      " ORDER BY 1, 2, 5, 3",
      {a, b});
}

// One row per suspect with its strongest verdict (the order of DESIGN.md, "Verdicts") and the evidence
// for it, from view snapshot_leak_evidence; the thresholds are the options'. snapshot_leak_suspects is
// the same choice with the default thresholds (a test holds the two to one answer).
Result<ResultTable> query_leaks(TrailReader& trail, int64_t snapshot_id, const LeakOptions& options) {
  return trail.select_named(
      "SELECT kind, verdict, pid, start_ticks, container, age_s, rss_kb, pss_kb, uss_kb, swap_kb, idle_since, evidence, argv"
      " FROM (SELECT 'process' AS kind, v.verdict, v.pid, v.start_ticks, NULL AS container, v.age_s, v.rss_kb, v.pss_kb,"
      "         v.uss_kb, v.swap_kb,"
      "         CASE WHEN v.activity = 'idle' THEN strftime('%Y-%m-%dT%H:%M:%SZ', v.activity_since_us / 1000000, 'unixepoch') END"
      "           AS idle_since,"
      "         CASE v.verdict WHEN 'outlived-session' THEN v.outlived_evidence WHEN 'orphaned' THEN v.orphaned_evidence"
      "           WHEN 'abandoned' THEN v.abandoned_evidence WHEN 'spinning' THEN v.spinning_evidence"
      "           ELSE v.unreachable_evidence END"
      "         || CASE WHEN v.missing_evidence != '' THEN ' (' || v.missing_evidence || ')' ELSE '' END AS evidence,"
      "         v.argv, CASE v.verdict WHEN 'outlived-session' THEN 0 WHEN 'orphaned' THEN 1 WHEN 'abandoned' THEN 2"
      "           WHEN 'spinning' THEN 3 ELSE 4 END AS strength"
      "       FROM (SELECT e.*,"
      "               CASE WHEN e.session_ended_s >= :session_grace_s THEN 'outlived-session'"
      "                    WHEN e.orphaned THEN 'orphaned'"
      "                    WHEN e.abandoned_idle_s >= :idle_for_s THEN 'abandoned'"
      "                    WHEN e.spinning_s >= :idle_for_s THEN 'spinning'"
      "                    WHEN e.unreachable THEN 'unreachable' END AS verdict"
      "             FROM snapshot_leak_evidence e WHERE e.snapshot_id = :snapshot"
      "               AND (:match IS NULL OR e.argv REGEXP :match)) v"
      "       WHERE v.verdict IS NOT NULL"
      "       UNION ALL"
      "       SELECT kind, verdict, pid, start_ticks, substr(container_id, 1, 12), age_s, rss_kb, NULL, NULL, NULL, NULL,"
      "         reasons, argv, 1 FROM snapshot_leak_suspects"
      "       WHERE snapshot_id = :snapshot AND kind = 'container' AND (:match IS NULL OR argv REGEXP :match))"
      " ORDER BY strength, COALESCE(uss_kb, rss_kb) DESC, age_s DESC LIMIT 500",
      {{":snapshot", snapshot_id},
       {":match", match_of(options.match)},
       {":idle_for_s", options.idle_for_s},
       {":session_grace_s", options.session_grace_s}});
}

// Client sessions (view client_sessions) with what they started and what is still alive.
Result<ResultTable> query_sessions(TrailReader& trail, const TimeWindow& window) {
  return trail.select(
      "SELECT session_id, source, variable, client_pid, client_argv, started, COALESCE(ended, 'live') AS ended,"
      " end_reason, processes, alive FROM client_sessions"
      " WHERE started_us >= ?1 AND started_us < ?2 ORDER BY started_us, session_id",
      {since_of(window), until_of(window)});
}

Result<ResultTable> query_snapshots(TrailReader& trail, const TimeWindow& window) {
  return trail.select(
      "SELECT snapshot_id, taken_at, trigger, tag, hook_event, hook_session_id, processes_seen, processes_new,"
      " processes_gone, processes_changed, fds_seen, sockets_seen, containers_seen, coalesced_with FROM snapshot_list"
      " WHERE started_at_us >= ?1 AND started_at_us < ?2 ORDER BY snapshot_id",
      {since_of(window), until_of(window)});
}

}  // namespace proctrail
