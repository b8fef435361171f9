#pragma once
// Read-only questions over a trail, and renderers for their answers.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "proctrail/result.hpp"

namespace SQLite {
class Database;
}

namespace proctrail {

using Cell = std::variant<std::monostate, int64_t, double, std::string>;  // NULL, integer, real, text

struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// The bounds of one `proctrail sql` statement: a recursive CTE or a cross join must not run forever
// or take the machine's memory.
struct SqlLimits {
  std::chrono::milliseconds timeout{30'000};  // interrupted after this long
  int64_t memory_bytes = int64_t{1} << 30;    // SQLite's heap while it runs (sqlite3_hard_heap_limit64)
};

// A trail opened read-only (SQLITE_OPEN_READONLY): questions can never change evidence. A file that
// is not a proctrail trail, or whose schema differs from this binary's, is refused.
class TrailReader {
 public:
  static Result<TrailReader> open(const std::filesystem::path& path);
  TrailReader(TrailReader&&) noexcept;
  TrailReader& operator=(TrailReader&&) noexcept;
  ~TrailReader();

  // "last", "last~N", a tag or a snapshot id → the id; errors name what was asked. "last" counts back
  // from the newest snapshot of `hosts` (host names: a machine's, or an imported file's) when given,
  // else from the newest snapshot recorded live: an import is reached by its id, its tag or its host,
  // and never mixes into live answers (a trail holding only imports answers from them).
  Result<int64_t> resolve_snapshot(const std::string& spec, const std::vector<std::string>& hosts = {});

  // One SELECT with positional parameters; REGEXP (RE2 syntax: linear time, no backreferences) is available.
  Result<ResultTable> select(const std::string& sql, const std::vector<Cell>& parameters);
  // The same with named parameters (":name" → value); names the statement does not use are ignored.
  Result<ResultTable> select_named(const std::string& sql, const std::map<std::string, Cell>& parameters);

  // Any one statement that only reads (`proctrail sql`). Writes, ATTACH, pragmas and functions outside
  // SQLite's built-ins are refused by an authorizer on a connection that is also read-only and
  // query_only; errors name the operation refused and, for syntax errors, the offset. The statement
  // is stopped when it runs past `limits.timeout` or needs more than `limits.memory_bytes`.
  Result<ResultTable> run_sql(const std::string& sql, const SqlLimits& limits = {});

  SQLite::Database& database();

 private:
  explicit TrailReader(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<struct Authorizer> authorizer_;  // declared first: destroyed after the connection it guards
  std::unique_ptr<SQLite::Database> db_;
};

// The issue 3 questions; each is a view in schema/views.sql.
Result<ResultTable> query_holders(TrailReader& trail, int64_t snapshot_id, int64_t inode);
Result<ResultTable> query_peers(TrailReader& trail, int64_t snapshot_id, int64_t pid, std::optional<int64_t> start_ticks);
Result<ResultTable> query_reachable(TrailReader& trail, int64_t snapshot_id, const std::string& match);

// Containers at a snapshot (view container_overview), filtered. state: running (also paused and
// restarting), exited, created, dead, or all.
struct ContainerFilter {
  std::optional<int64_t> older_than_s;
  std::optional<std::string> label;  // KEY=VALUE
  std::string state = "all";
};
Result<ResultTable> query_containers(TrailReader& trail, int64_t snapshot_id, const ContainerFilter& filter);

// The issue 5 questions; each reads a view of schema/views.sql (process_spawns, snapshot_orphans,
// snapshot_instances, process_timeline, snapshot_processes + container_overview, snapshot_leak_suspects,
// snapshot_list). A window bounds process start times (snapshot times for query_snapshots); REGEXP
// matches argv.
struct TimeWindow {
  std::optional<int64_t> since_us;
  std::optional<int64_t> until_us;
};
struct SpawnRateOptions {
  std::string by = "parent";  // parent or argv
  std::string per = "hour";   // minute, hour or day
  TimeWindow window;
  std::optional<std::string> match;
  std::vector<std::string> hosts;  // host names; empty: every host recorded live (imports are not counted again)
};
Result<ResultTable> query_spawn_rate(TrailReader& trail, const SpawnRateOptions& options);
Result<ResultTable> query_orphans(TrailReader& trail, int64_t snapshot_id, const TimeWindow& window,
                                  const std::optional<std::string>& match);
Result<ResultTable> query_groups(TrailReader& trail, int64_t snapshot_id, const std::string& match,
                                 const std::string& bucket, const TimeWindow& window);
Result<ResultTable> query_memory(TrailReader& trail, int64_t snapshot_id, const std::string& by,
                                 const std::optional<std::string>& match, const TimeWindow& window);
Result<ResultTable> query_timeline(TrailReader& trail, int64_t pid, std::optional<int64_t> start_ticks);
Result<ResultTable> query_diff(TrailReader& trail, int64_t a, int64_t b);
// Leak verdicts (DESIGN.md, "Verdicts"): the thresholds of the two that rest on time.
struct LeakOptions {
  std::optional<std::string> match;  // REGEXP over argv
  int64_t idle_for_s = 600;          // abandoned and spinning: idle (or spinning) for at least this long
  int64_t session_grace_s = 30;      // outlived-session: alive this long after its session ended
};
Result<ResultTable> query_leaks(TrailReader& trail, int64_t snapshot_id, const LeakOptions& options);
Result<ResultTable> query_sessions(TrailReader& trail, const TimeWindow& window);
Result<ResultTable> query_snapshots(TrailReader& trail, const TimeWindow& window);

// Untrusted text (argv, comm, paths) made safe to print on a terminal: C0 controls and DEL as \xNN
// (\n, \t), C1 controls and the bidirectional overrides as \u{NNNN}, bytes that are not UTF-8 as \xNN.
// The table renderer prints every cell through it; so do the CLI's lines that name processes.
std::string printable(std::string_view text);

// One cell as text (NULL as `null_text`), and a whole answer as a JSON array of objects.
std::string cell_text(const Cell& cell, const char* null_text = "");
nlohmann::json to_json(const ResultTable& table);

// Host names (or other names) handed to SQL as one parameter: each between unit separators (0x1f), so
// `instr(?, char(31) || hostname || char(31)) > 0` tests membership without a virtual table.
std::string name_list_parameter(const std::vector<std::string>& names);
// kB as MiB with one decimal ("1.5"): the one unit tables and the CLI's lines show memory in.
std::string mib_text(double kb);

// How a table is laid out for a reader: width in terminal columns (0: no limit; wider cells are cut
// with an ellipsis, widest first, never below 24 columns), and a totals row under instance counts and
// memory. Memory columns (*_kb) are shown in MiB with one decimal, headed *_mib; csv and json keep kB.
struct TableLayout {
  size_t width = 0;
  bool totals = true;
};
std::string render_table(const ResultTable& table, const TableLayout& layout = {});  // aligned columns, NULL shown as "-"
std::string render_csv(const ResultTable& table);    // RFC 4180
std::string render_json(const ResultTable& table);   // one array of objects
Result<std::string> render(const ResultTable& table, const std::string& format, const TableLayout& layout = {});

}  // namespace proctrail
