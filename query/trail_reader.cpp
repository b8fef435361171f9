// Read-only access to a trail: open, check, resolve snapshots, run one SELECT.
#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <set>
#include <unordered_map>

#include <SQLiteCpp/SQLiteCpp.h>

#include "common/pattern.hpp"
#include "proctrail/query.hpp"
#include "query/question_errors.hpp"
#include "recorder/store/schema.hpp"
#include "recorder/store/trail_error.hpp"

namespace proctrail {
namespace {

// regexp(pattern, text): the function behind SQLite's REGEXP operator, in RE2 syntax (common/pattern.hpp:
// linear time, no recursion, whatever the argv). Compiled patterns are cached, and so are their answers
// per text: argv strings repeat (thousands of instances of one command), so matching each row again
// would dominate a 2.6M-row question. A bad pattern is an SQL error with the reason.
struct CompiledPattern {
  Pattern pattern;
  std::unordered_map<std::string, bool> answers;  // text → matched; bounded below
};
struct PatternCache {
  std::unordered_map<std::string, CompiledPattern> patterns;
  bool* bad_pattern = nullptr;  // the reader's flag: a pattern did not compile, so the error is the asker's
};

void regexp_function(sqlite3_context* context, int, sqlite3_value** values) {
  auto* cache = static_cast<PatternCache*>(sqlite3_user_data(context));
  const unsigned char* pattern = sqlite3_value_text(values[0]);
  const unsigned char* text = sqlite3_value_text(values[1]);
  if (pattern == nullptr || text == nullptr) {
    sqlite3_result_null(context);
    return;
  }
  std::string key(reinterpret_cast<const char*>(pattern), static_cast<size_t>(sqlite3_value_bytes(values[0])));
  auto found = cache->patterns.find(key);
  if (found == cache->patterns.end()) {
    auto compiled = Pattern::compile(key);
    if (!compiled) {
      *cache->bad_pattern = true;
      sqlite3_result_error(context, compiled.error().message.c_str(), -1);
      return;
    }
    found = cache->patterns.emplace(key, CompiledPattern{std::move(*compiled), {}}).first;
  }
  auto& compiled = found->second;
  std::string subject(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_value_bytes(values[1])));
  if (auto answer = compiled.answers.find(subject); answer != compiled.answers.end()) {
    sqlite3_result_int(context, answer->second ? 1 : 0);
    return;
  }
  const bool matched = compiled.pattern.search(subject);
  if (compiled.answers.size() > 100'000) compiled.answers.clear();  // bounded memory for very varied argv
  if (subject.size() <= 4096) compiled.answers.emplace(std::move(subject), matched);  // a huge argv is not kept
  sqlite3_result_int(context, matched ? 1 : 0);
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

// Read-only in depth: besides SQLITE_OPEN_READONLY and query_only, every statement is authorised
// action by action. Reads, functions and CTEs pass; writes, ATTACH, temp objects and pragmas other
// than the schema-describing ones are refused, and the refusal is remembered for the error message.
}  // namespace

// The state a reader's connection shares with its callbacks (the authorizer, regexp()).
struct Authorizer {
  std::string refused;       // what was last refused, for the message
  std::string why;           // and why
  bool bad_pattern = false;  // regexp() met a pattern that does not compile since the statement began
};

namespace {

// The functions a question may call: SQLite's core scalar, aggregate, window, date, math and JSON
// functions, and regexp. Anything else (fts3_tokenizer, load_extension, an extension's readfile or
// writefile) is refused by name, whatever it would do.
bool is_allowed_function(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string, std::less<>> allowed = {
      // core scalar
      "abs", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "ifnull", "iif", "instr", "length",
      "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif", "octet_length", "printf", "quote",
      "random", "replace", "round", "rtrim", "sign", "soundex", "sqlite_version", "substr", "substring", "trim",
      "typeof", "unhex", "unicode", "unlikely", "upper", "regexp",
      // aggregate
      "avg", "count", "group_concat", "string_agg", "sum", "total",
      // window
      "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
      "last_value", "nth_value",
      // date and time
      "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
      // math
      "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh", "degrees", "exp",
      "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians", "sin", "sinh", "sqrt", "tan",
      "tanh", "trunc",
      // JSON (they return values; none writes)
      "json", "json_array", "json_array_length", "json_extract", "json_insert", "json_object", "json_patch",
      "json_remove", "json_replace", "json_set", "json_type", "json_valid", "json_quote", "json_group_array",
      "json_group_object", "json_each", "json_tree"};
  return allowed.contains(name);
}

bool is_schema_table(const char* table) {
  if (table == nullptr) return false;
  const std::string_view name(table);
  return name == "sqlite_master" || name == "sqlite_schema" || name == "sqlite_temp_master" || name == "sqlite_temp_schema";
}

int authorize(void* user, int action, const char* first, const char* second, const char*, const char*) {
  auto* self = static_cast<Authorizer*>(user);
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION: {
      const std::string name = second != nullptr ? second : "";
      if (is_allowed_function(name)) return SQLITE_OK;
      self->refused = "function " + name + "()";
      self->why = "only SQLite's built-in scalar, aggregate, window, date, math and JSON functions and regexp may be called";
      return SQLITE_DENY;
    }
    case SQLITE_PRAGMA: {
      const std::string name = first != nullptr ? first : "";
      static const char* const readable[] = {"table_info", "table_xinfo", "index_list", "index_info",
                                             "index_xinfo", "foreign_key_list", "table_list"};
      if (second == nullptr) {
        for (const char* allowed : readable) {
          if (name == allowed) return SQLITE_OK;
        }
      }
      self->refused = "PRAGMA " + name;
      return SQLITE_DENY;
    }
    case SQLITE_ALTER_TABLE: self->refused = "ALTER"; return SQLITE_DENY;
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_VIEW:
    case SQLITE_CREATE_VTABLE: self->refused = "CREATE"; return SQLITE_DENY;
    case SQLITE_TRANSACTION: self->refused = "BEGIN/COMMIT"; return SQLITE_DENY;
    case SQLITE_SAVEPOINT: self->refused = "SAVEPOINT"; return SQLITE_DENY;
    case SQLITE_REINDEX: self->refused = "REINDEX"; return SQLITE_DENY;
    case SQLITE_ANALYZE: self->refused = "ANALYZE"; return SQLITE_DENY;
    case SQLITE_ATTACH: self->refused = "ATTACH"; return SQLITE_DENY;
    case SQLITE_DETACH: self->refused = "DETACH"; return SQLITE_DENY;
    // SQLite authorises a CREATE, ALTER or DROP first as a write to the schema table: name the statement.
    case SQLITE_INSERT: self->refused = is_schema_table(first) ? "CREATE" : "INSERT"; return SQLITE_DENY;
    case SQLITE_UPDATE: self->refused = is_schema_table(first) ? "ALTER" : "UPDATE"; return SQLITE_DENY;
    case SQLITE_DELETE: self->refused = is_schema_table(first) ? "DROP" : "DELETE"; return SQLITE_DENY;
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_TEMP_INDEX:
    case SQLITE_DROP_TEMP_VIEW:
    case SQLITE_DROP_TEMP_TRIGGER: self->refused = "DROP"; return SQLITE_DENY;
    default: self->refused = "that statement"; return SQLITE_DENY;
  }
}

}  // namespace

TrailReader::TrailReader(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
TrailReader::TrailReader(TrailReader&&) noexcept = default;
TrailReader& TrailReader::operator=(TrailReader&&) noexcept = default;
TrailReader::~TrailReader() = default;
SQLite::Database& TrailReader::database() { return *db_; }

// How long a question waits for a writer's lock while the trail opens.
constexpr std::chrono::milliseconds kReaderBusyTimeout{5000};

Result<TrailReader> TrailReader::open(const std::filesystem::path& path) {
  const std::string where = path.string();
  if (!std::filesystem::exists(path)) {
    return Error{"opening " + where + ": no such trail (take a snapshot first)", ErrorKind::not_found};
  }
  try {
    auto db = std::make_unique<SQLite::Database>(where, SQLite::OPEN_READONLY, static_cast<int>(kReaderBusyTimeout.count()));
    SQLite::Statement header(*db, "SELECT (SELECT application_id FROM pragma_application_id),"
                                  " (SELECT user_version FROM pragma_user_version)");
    header.executeStep();
    if (header.getColumn(0).getInt() != schema::kApplicationId) {
      return Error{"opening " + where + ": not a proctrail database", ErrorKind::corrupt};
    }
    int version = header.getColumn(1).getInt();
    if (version > schema::latest_version()) {
      return Error{"opening " + where + ": written by a newer proctrail (schema " + std::to_string(version) +
                   "); upgrade proctrail",
                   ErrorKind::newer_schema};
    }
    if (version < schema::latest_version()) {
      return Error{"opening " + where + ": written by an older proctrail (schema " + std::to_string(version) +
                   "); `proctrail --db " + where + " verify` upgrades it (questions never write)",
                   ErrorKind::older_schema};
    }
    auto* authorizer = new Authorizer();
    TrailReader reader(std::move(db));
    reader.authorizer_.reset(authorizer);
    auto* cache = new PatternCache{.patterns = {}, .bad_pattern = &authorizer->bad_pattern};
    sqlite3* handle = reader.db_->getHandle();
    sqlite3_create_function_v2(handle, "regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, cache,
                               regexp_function, nullptr, nullptr, [](void* p) { delete static_cast<PatternCache*>(p); });
    reader.db_->exec("PRAGMA query_only = 1");
    sqlite3_limit(handle, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_set_authorizer(handle, authorize, authorizer);
    return reader;
  } catch (const SQLite::Exception& e) {
    return detail::trail_error("opening " + where, path, e, false, kReaderBusyTimeout);
  }
}

std::string name_list_parameter(const std::vector<std::string>& names) {
  std::string list = "\x1f";
  for (const auto& name : names) list += name + "\x1f";
  return list;
}

namespace {

std::string hosts_text(const std::vector<std::string>& hosts) {
  std::string text;
  for (const auto& host : hosts) text += (text.empty() ? "" : ", ") + host;
  return text;
}

}  // namespace

Result<int64_t> TrailReader::resolve_snapshot(const std::string& spec, const std::vector<std::string>& hosts) {
  try {
    if (spec == "last" || spec.starts_with("last~")) {
      int64_t back = 0;
      if (spec.size() > 5) {
        size_t used = 0;
        back = std::stoll(spec.substr(5), &used);
        if (used != spec.size() - 5 || back < 0) throw std::invalid_argument("bad");
      }
      // ?2: the named hosts (name_list_parameter), or NULL for the snapshots recorded live (every
      // snapshot when the trail holds no live one).
      SQLite::Statement query(*db_,
          "SELECT snapshot_id FROM snapshots s WHERE CASE WHEN ?2 IS NOT NULL"
          " THEN s.host_id IN (SELECT host_id FROM hosts WHERE instr(?2, char(31) || hostname || char(31)) > 0)"
          " ELSE NOT EXISTS (SELECT 1 FROM imports i WHERE i.snapshot_id = s.snapshot_id)"
          "  OR NOT EXISTS (SELECT 1 FROM snapshots l WHERE l.snapshot_id NOT IN (SELECT snapshot_id FROM imports)) END"
          " ORDER BY snapshot_id DESC LIMIT 1 OFFSET ?1");
      query.bind(1, back);
      if (!hosts.empty()) query.bind(2, name_list_parameter(hosts));
      if (!query.executeStep()) {
        const std::string where = hosts.empty() ? "the trail" : "the trail, for --host " + hosts_text(hosts) + ",";
        return Error{"snapshot '" + spec + "': " + where + " has no such snapshot", ErrorKind::not_found};
      }
      return query.getColumn(0).getInt64();
    }
    if (spec.empty() || spec.find_first_not_of("0123456789") != std::string::npos) {  // a tag: its newest snapshot
      SQLite::Statement query(*db_, "SELECT snapshot_id FROM snapshots WHERE tag = ? ORDER BY snapshot_id DESC LIMIT 1");
      query.bind(1, spec);
      if (!query.executeStep()) {
        return Error{"snapshot '" + spec + "': no snapshot id or tag of that name in the trail", ErrorKind::not_found};
      }
      return query.getColumn(0).getInt64();
    }
    size_t used = 0;
    int64_t id = std::stoll(spec, &used);
    if (used != spec.size()) throw std::invalid_argument("bad");
    SQLite::Statement query(*db_, "SELECT 1 FROM snapshots WHERE snapshot_id = ?");
    query.bind(1, id);
    if (!query.executeStep()) return Error{"snapshot " + spec + ": no such snapshot in the trail", ErrorKind::not_found};
    return id;
  } catch (const std::logic_error&) {
    return Error{"snapshot '" + spec + "': use a snapshot id, a tag, last or last~N", ErrorKind::bad_input};
  } catch (const SQLite::Exception& e) {
    return Error{"resolving snapshot '" + spec + "': " + e.what(), detail::sqlite_error_kind(e.getErrorCode())};
  }
}

namespace {

// Runs a prepared SELECT to its end.
ResultTable read_all(SQLite::Statement& statement) {
  ResultTable table;
  for (int i = 0; i < statement.getColumnCount(); ++i) table.columns.emplace_back(statement.getColumnName(i));
  while (statement.executeStep()) {
    std::vector<Cell> row;
    row.reserve(table.columns.size());
    for (int i = 0; i < statement.getColumnCount(); ++i) row.push_back(cell_of(statement.getColumn(i)));
    table.rows.push_back(std::move(row));
  }
  return table;
}

// A question that failed: the asker's fault when a pattern it gave did not compile.
Error query_failed(const Authorizer& state, const SQLite::Exception& e) {
  const ErrorKind kind = state.bad_pattern ? ErrorKind::bad_input : detail::sqlite_error_kind(e.getErrorCode());
  return Error{std::string("query failed: ") + e.what(), kind};
}

}  // namespace

Result<ResultTable> TrailReader::select(const std::string& sql, const std::vector<Cell>& parameters) {
  authorizer_->bad_pattern = false;
  try {
    SQLite::Statement statement(*db_, sql);
    for (size_t i = 0; i < parameters.size(); ++i) bind_cell(statement, static_cast<int>(i + 1), parameters[i]);
    return read_all(statement);
  } catch (const SQLite::Exception& e) {
    return query_failed(*authorizer_, e);
  }
}

Result<ResultTable> TrailReader::select_named(const std::string& sql, const std::map<std::string, Cell>& parameters) {
  authorizer_->bad_pattern = false;
  try {
    SQLite::Statement statement(*db_, sql);
    for (const auto& [name, value] : parameters) {
      if (const int index = statement.getIndex(name.c_str()); index != 0) bind_cell(statement, index, value);
    }
    return read_all(statement);
  } catch (const SQLite::Exception& e) {
    return query_failed(*authorizer_, e);
  }
}

namespace {

// Interrupts the statement (SQLITE_INTERRUPT) once the deadline has passed; checked every 10,000
// virtual-machine steps.
int past_deadline(void* deadline) {
  return std::chrono::steady_clock::now() >= *static_cast<std::chrono::steady_clock::time_point*>(deadline) ? 1 : 0;
}

// The statement's bounds, set while it runs and lifted when it ends: a progress handler for the time,
// SQLite's hard heap limit (process-wide, so the previous limit is restored) for the memory.
class StatementBounds {
 public:
  StatementBounds(sqlite3* handle, const SqlLimits& limits)
      : handle_(handle), deadline_(std::chrono::steady_clock::now() + limits.timeout),
        previous_heap_limit_(sqlite3_hard_heap_limit64(limits.memory_bytes)) {
    sqlite3_progress_handler(handle_, 10'000, past_deadline, &deadline_);
  }
  ~StatementBounds() {
    sqlite3_progress_handler(handle_, 0, nullptr, nullptr);
    sqlite3_hard_heap_limit64(previous_heap_limit_);
  }
  StatementBounds(const StatementBounds&) = delete;
  StatementBounds& operator=(const StatementBounds&) = delete;

 private:
  sqlite3* handle_;
  std::chrono::steady_clock::time_point deadline_;
  sqlite3_int64 previous_heap_limit_;
};

std::string seconds_text(std::chrono::milliseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", static_cast<double>(duration.count()) / 1000);
  return text;
}

}  // namespace

Result<ResultTable> TrailReader::run_sql(const std::string& sql, const SqlLimits& limits) {
  sqlite3* handle = db_->getHandle();
  authorizer_->refused.clear();
  authorizer_->why.clear();
  authorizer_->bad_pattern = false;
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(handle, sql.c_str(), static_cast<int>(sql.size()), &raw, &tail);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, sqlite3_finalize);
  if (rc != SQLITE_OK) {
    if (!authorizer_->refused.empty()) {
      const std::string why = authorizer_->why.empty() ? "the trail is read-only evidence; only SELECT (and WITH) runs"
                                                       : authorizer_->why;
      return Error{authorizer_->refused + " refused: " + why, ErrorKind::bad_input};
    }
    std::string message = sqlite3_errmsg(handle);
    if (int offset = sqlite3_error_offset(handle); offset >= 0) {
      message += " at offset " + std::to_string(offset) + " (near \"" + sql.substr(static_cast<size_t>(offset), 20) + "\")";
    }
    return Error{message, ErrorKind::bad_input};
  }
  if (statement == nullptr) return Error{"no statement given", ErrorKind::bad_input};
  for (const char* rest = tail; rest != nullptr && *rest != '\0'; ++rest) {
    if (*rest != ' ' && *rest != '\n' && *rest != '\t' && *rest != '\r' && *rest != ';') {
      return Error{"only one statement at a time (more text at offset " + std::to_string(rest - sql.c_str()) + ")",
                   ErrorKind::bad_input};
    }
  }
  if (!sqlite3_stmt_readonly(statement.get())) return Error{"only statements that read are allowed", ErrorKind::bad_input};
  StatementBounds bounds(handle, limits);
  ResultTable table;
  const int columns = sqlite3_column_count(statement.get());
  for (int i = 0; i < columns; ++i) table.columns.emplace_back(sqlite3_column_name(statement.get(), i));
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    std::vector<Cell> row;
    for (int i = 0; i < columns; ++i) {
      switch (sqlite3_column_type(statement.get(), i)) {
        case SQLITE_INTEGER: row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(statement.get(), i))); break;
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(statement.get(), i)); break;
        case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
        default: row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), i)),
                                              static_cast<size_t>(sqlite3_column_bytes(statement.get(), i))));
      }
    }
    table.rows.push_back(std::move(row));
  }
  if ((rc & 0xff) == SQLITE_INTERRUPT) {
    return Error{"stopped after " + seconds_text(limits.timeout) + ": the statement ran longer than its time limit (sql --timeout)",
                 ErrorKind::bad_input};
  }
  if ((rc & 0xff) == SQLITE_NOMEM) {
    return Error{"stopped: the statement needed more than " + std::to_string(limits.memory_bytes >> 20) +
                     " MiB of memory (its bound)",
                 ErrorKind::bad_input};
  }
  // A plain SQLITE_ERROR while it runs is the statement's own (a function given bad arguments).
  if (rc != SQLITE_DONE) {
    const bool askers = authorizer_->bad_pattern || (rc & 0xff) == SQLITE_ERROR;
    return Error{sqlite3_errmsg(handle), askers ? ErrorKind::bad_input : detail::sqlite_error_kind(rc)};
  }
  return table;
}

namespace {

// A question about one pid or inode that the snapshot does not hold fails alike for every question.
Error not_in_snapshot(const std::string& what, int64_t snapshot_id) {
  return detail::not_found_in(what, "snapshot " + std::to_string(snapshot_id));
}

Result<bool> snapshot_has_process(TrailReader& trail, int64_t snapshot_id, int64_t pid, std::optional<int64_t> start_ticks) {
  auto found = trail.select(
      "SELECT 1 FROM snapshot_processes WHERE snapshot_id = ?1 AND pid = ?2 AND (?3 IS NULL OR start_ticks = ?3) LIMIT 1",
      {snapshot_id, pid, start_ticks ? Cell{*start_ticks} : Cell{}});
  if (!found) return found.error();
  return !found->rows.empty();
}


}  // namespace

Result<ResultTable> query_holders(TrailReader& trail, int64_t snapshot_id, int64_t inode) {
  auto holders = trail.select(
      "SELECT pid, start_ticks, start_time, fd, kind, mode, argv FROM snapshot_holders"
      " WHERE snapshot_id = ?1 AND inode = ?2 ORDER BY pid, fd",
      {snapshot_id, inode});
  if (holders && holders->rows.empty()) return not_in_snapshot("inode " + std::to_string(inode), snapshot_id);
  return holders;
}

Result<ResultTable> query_peers(TrailReader& trail, int64_t snapshot_id, int64_t pid, std::optional<int64_t> start_ticks) {
  auto present = snapshot_has_process(trail, snapshot_id, pid, start_ticks);
  if (!present) return present.error();
  if (!*present) return not_in_snapshot(detail::process_named(pid, start_ticks), snapshot_id);
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
      "SELECT r.pid, r.start_ticks, r.start_time, r.verdict, a.activity,"
      " strftime('%Y-%m-%dT%H:%M:%SZ', a.since_us / 1000000, 'unixepoch') AS activity_since, r.stdin,"
      " r.stdin_other_holders, r.stdout, r.stdout_other_holders, r.listening_sockets, r.connections, r.argv"
      " FROM snapshot_reachability r"
      " LEFT JOIN snapshot_activity a ON a.snapshot_id = r.snapshot_id AND a.process_id = r.process_id"
      " WHERE r.snapshot_id = ?1 AND r.argv REGEXP ?2 ORDER BY r.start_ticks, r.pid",
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
    if (equals == std::string::npos || equals == 0) {
      return Error{"--label wants KEY=VALUE, got '" + *filter.label + "'", ErrorKind::bad_input};
    }
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
