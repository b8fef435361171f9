// Read-only access to a trail: open, check, resolve snapshots, run one SELECT.
#include <sqlite3.h>

#include <regex>
#include <unordered_map>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/query.hpp"
#include "recorder/schema.hpp"

namespace proctrail {
namespace {

// regexp(pattern, text): the function behind SQLite's REGEXP operator. Compiled patterns are cached
// per statement evaluation; a bad pattern is an SQL error with the regex message.
void regexp_function(sqlite3_context* context, int, sqlite3_value** values) {
  auto* cache = static_cast<std::unordered_map<std::string, std::regex>*>(sqlite3_user_data(context));
  const unsigned char* pattern = sqlite3_value_text(values[0]);
  const unsigned char* text = sqlite3_value_text(values[1]);
  if (pattern == nullptr || text == nullptr) {
    sqlite3_result_null(context);
    return;
  }
  std::string key(reinterpret_cast<const char*>(pattern));
  auto found = cache->find(key);
  if (found == cache->end()) {
    try {
      found = cache->emplace(key, std::regex(key, std::regex::ECMAScript)).first;
    } catch (const std::regex_error& e) {
      std::string message = "bad regular expression '" + key + "': " + e.what();
      sqlite3_result_error(context, message.c_str(), -1);
      return;
    }
  }
  sqlite3_result_int(context, std::regex_search(reinterpret_cast<const char*>(text), found->second) ? 1 : 0);
}

Cell cell_of(const SQLite::Column& column) {
  switch (column.getType()) {
    case SQLITE_NULL: return std::monostate{};
    case SQLITE_INTEGER: return column.getInt64();
    case SQLITE_FLOAT: return column.getDouble();
    default: return column.getString();
  }
}

void bind_cell(SQLite::Statement& statement, int index, const Cell& cell) {
  if (std::holds_alternative<int64_t>(cell)) {
    statement.bind(index, std::get<int64_t>(cell));
  } else if (std::holds_alternative<double>(cell)) {
    statement.bind(index, std::get<double>(cell));
  } else if (std::holds_alternative<std::string>(cell)) {
    statement.bind(index, std::get<std::string>(cell));
  } else {
    statement.bind(index);
  }
}

}  // namespace

TrailReader::TrailReader(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
TrailReader::TrailReader(TrailReader&&) noexcept = default;
TrailReader& TrailReader::operator=(TrailReader&&) noexcept = default;
TrailReader::~TrailReader() = default;
SQLite::Database& TrailReader::database() { return *db_; }

Result<TrailReader> TrailReader::open(const std::filesystem::path& path) {
  const std::string where = path.string();
  if (!std::filesystem::exists(path)) return Error{"opening " + where + ": no such trail (take a snapshot first)"};
  try {
    auto db = std::make_unique<SQLite::Database>(where, SQLite::OPEN_READONLY, 5000);
    SQLite::Statement header(*db, "SELECT (SELECT application_id FROM pragma_application_id),"
                                  " (SELECT user_version FROM pragma_user_version)");
    header.executeStep();
    if (header.getColumn(0).getInt() != schema::kApplicationId) {
      return Error{"opening " + where + ": not a proctrail database"};
    }
    int version = header.getColumn(1).getInt();
    if (version > schema::latest_version()) {
      return Error{"opening " + where + ": written by a newer proctrail (schema " + std::to_string(version) +
                   "); upgrade proctrail"};
    }
    if (version < schema::latest_version()) {
      return Error{"opening " + where + ": written by an older proctrail (schema " + std::to_string(version) +
                   "); `proctrail --db " + where + " verify` upgrades it (questions never write)"};
    }
    auto* cache = new std::unordered_map<std::string, std::regex>();
    sqlite3_create_function_v2(db->getHandle(), "regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, cache,
                               regexp_function, nullptr, nullptr,
                               [](void* p) { delete static_cast<std::unordered_map<std::string, std::regex>*>(p); });
    return TrailReader(std::move(db));
  } catch (const SQLite::Exception& e) {
    return Error{"opening " + where + ": " + e.what()};
  }
}

Result<int64_t> TrailReader::resolve_snapshot(const std::string& spec) {
  try {
    if (spec == "last" || spec.starts_with("last~")) {
      int64_t back = 0;
      if (spec.size() > 5) {
        size_t used = 0;
        back = std::stoll(spec.substr(5), &used);
        if (used != spec.size() - 5 || back < 0) throw std::invalid_argument("bad");
      }
      SQLite::Statement query(*db_, "SELECT snapshot_id FROM snapshots ORDER BY snapshot_id DESC LIMIT 1 OFFSET ?");
      query.bind(1, back);
      if (!query.executeStep()) return Error{"snapshot '" + spec + "': the trail has no such snapshot"};
      return query.getColumn(0).getInt64();
    }
    size_t used = 0;
    int64_t id = std::stoll(spec, &used);
    if (used != spec.size()) throw std::invalid_argument("bad");
    SQLite::Statement query(*db_, "SELECT 1 FROM snapshots WHERE snapshot_id = ?");
    query.bind(1, id);
    if (!query.executeStep()) return Error{"snapshot " + spec + ": no such snapshot in the trail"};
    return id;
  } catch (const std::logic_error&) {
    return Error{"snapshot '" + spec + "': use a snapshot id, last or last~N"};
  } catch (const SQLite::Exception& e) {
    return Error{"resolving snapshot '" + spec + "': " + e.what()};
  }
}

Result<ResultTable> TrailReader::select(const std::string& sql, const std::vector<Cell>& parameters) {
  try {
    SQLite::Statement statement(*db_, sql);
    for (size_t i = 0; i < parameters.size(); ++i) bind_cell(statement, static_cast<int>(i + 1), parameters[i]);
    ResultTable table;
    for (int i = 0; i < statement.getColumnCount(); ++i) table.columns.emplace_back(statement.getColumnName(i));
    while (statement.executeStep()) {
      std::vector<Cell> row;
      row.reserve(table.columns.size());
      for (int i = 0; i < statement.getColumnCount(); ++i) row.push_back(cell_of(statement.getColumn(i)));
      table.rows.push_back(std::move(row));
    }
    return table;
  } catch (const SQLite::Exception& e) {
    return Error{std::string("query failed: ") + e.what()};
  }
}

Result<ResultTable> query_holders(TrailReader& trail, int64_t snapshot_id, int64_t inode) {
  return trail.select(
      "SELECT pid, start_ticks, start_time, fd, kind, mode, argv FROM snapshot_holders"
      " WHERE snapshot_id = ?1 AND inode = ?2 ORDER BY pid, fd",
      {snapshot_id, inode});
}

Result<ResultTable> query_peers(TrailReader& trail, int64_t snapshot_id, int64_t pid, std::optional<int64_t> start_ticks) {
  Cell start = start_ticks ? Cell{*start_ticks} : Cell{};
  return trail.select(
      // The peers are filtered by constants first (a correlated join would re-evaluate the view per row).
      "WITH x AS MATERIALIZED (SELECT * FROM snapshot_fd_peers"
      "   WHERE snapshot_id = ?1 AND pid = ?2 AND (?3 IS NULL OR start_ticks = ?3))"
      " SELECT f.fd, f.target, f.mode, x.via, x.peer_pid, x.peer_start_ticks, x.peer_fd, x.peer_mode,"
      " (SELECT argv FROM snapshot_processes q WHERE q.snapshot_id = f.snapshot_id"
      "   AND q.process_id = x.peer_process_id) AS peer_argv"
      " FROM snapshot_fds f"
      " LEFT JOIN x ON x.process_id = f.process_id AND x.fd = f.fd"
      " WHERE f.snapshot_id = ?1 AND f.pid = ?2 AND (?3 IS NULL OR f.start_ticks = ?3)"
      "   AND f.kind IN ('pipe', 'fifo', 'socket')"
      " ORDER BY f.fd, x.peer_pid, x.peer_fd",
      {snapshot_id, pid, start});
}

Result<ResultTable> query_reachable(TrailReader& trail, int64_t snapshot_id, const std::string& match) {
  return trail.select(
      "SELECT pid, start_ticks, start_time, verdict, stdin, stdin_other_holders, stdout, stdout_other_holders,"
      " listening_sockets, connections, argv FROM snapshot_reachability"
      " WHERE snapshot_id = ?1 AND argv REGEXP ?2 ORDER BY start_ticks, pid",
      {snapshot_id, match});
}

Result<ResultTable> query_containers(TrailReader& trail, int64_t snapshot_id, const ContainerFilter& filter) {
  std::string sql =
      "SELECT short_id, name, image, state, age_s, created_at, exit_code, init_pid, processes, rss_kb,"
      " compose_project, compose_service, testcontainers_session, labels, creator_pid, creator_argv, container_id"
      " FROM container_overview WHERE snapshot_id = ?1";
  std::vector<Cell> parameters{snapshot_id};
  if (filter.state == "running") {
    sql += " AND state IN ('running', 'paused', 'restarting')";
  } else if (filter.state != "all") {
    sql += " AND state = ?" + std::to_string(parameters.size() + 1);
    parameters.emplace_back(filter.state);
  }
  if (filter.older_than_s) {
    sql += " AND age_s >= ?" + std::to_string(parameters.size() + 1);
    parameters.emplace_back(*filter.older_than_s);
  }
  if (filter.label) {
    auto equals = filter.label->find('=');
    if (equals == std::string::npos || equals == 0) return Error{"--label wants KEY=VALUE, got '" + *filter.label + "'"};
    sql += " AND json_extract(labels, ?" + std::to_string(parameters.size() + 1) + ") = ?" +
           std::to_string(parameters.size() + 2);
    std::string key = filter.label->substr(0, equals);
    std::string quoted_key;
    for (char c : key) quoted_key += c == '"' ? std::string("\\\"") : std::string(1, c);
    parameters.emplace_back("$.\"" + quoted_key + "\"");
    parameters.emplace_back(filter.label->substr(equals + 1));
  }
  sql += " ORDER BY created_at_us, container_id";
  return trail.select(sql, parameters);
}

}  // namespace proctrail
