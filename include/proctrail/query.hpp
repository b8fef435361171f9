#pragma once
// Read-only questions over a trail, and renderers for their answers.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

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

// A trail opened read-only (SQLITE_OPEN_READONLY): questions can never change evidence. A file that
// is not a proctrail trail, or whose schema differs from this binary's, is refused.
class TrailReader {
 public:
  static Result<TrailReader> open(const std::filesystem::path& path);
  TrailReader(TrailReader&&) noexcept;
  TrailReader& operator=(TrailReader&&) noexcept;
  ~TrailReader();

  // "last", "last~N" or a snapshot id → the id; errors name what was asked.
  Result<int64_t> resolve_snapshot(const std::string& spec);

  // One SELECT with positional parameters; REGEXP (ECMAScript syntax) is available.
  Result<ResultTable> select(const std::string& sql, const std::vector<Cell>& parameters);

  SQLite::Database& database();

 private:
  explicit TrailReader(std::unique_ptr<SQLite::Database> db);
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

std::string render_table(const ResultTable& table);  // aligned columns, NULL shown as "-"
std::string render_csv(const ResultTable& table);    // RFC 4180
std::string render_json(const ResultTable& table);   // one array of objects
Result<std::string> render(const ResultTable& table, const std::string& format);

}  // namespace proctrail
