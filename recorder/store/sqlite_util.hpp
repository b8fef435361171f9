#pragma once
// Small SQLiteCpp helpers shared by the store's writers.
#include <algorithm>
#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <SQLiteCpp/VariadicBind.h>
#include <sqlite3.h>

namespace proctrail::detail {

// Binds a value or NULL, by position or by name.
template <class Where, class T>
void bind_optional(SQLite::Statement& statement, Where where, const std::optional<T>& value) {
  if (!value) {
    statement.bind(where);
  } else if constexpr (std::is_same_v<T, std::string>) {
    statement.bind(where, *value);
  } else {
    statement.bind(where, static_cast<int64_t>(*value));
  }
}

template <class T>
std::optional<T> column_optional(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) {
    return column.getString();
  } else {
    return static_cast<T>(column.getInt64());
  }
}

// A BLOB column as bytes; nullopt for NULL.
inline std::optional<std::string> column_blob(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return std::string(static_cast<const char*>(column.getBlob()), static_cast<size_t>(column.getBytes()));
}

// The hash of the newest row of a hash-chained table (snapshots, event_batches, cleanup_actions):
// the next row's prev_hash. nullopt while the table is empty.
inline std::optional<std::string> last_chain_hash(SQLite::Database& db, const std::string& table, const std::string& id_column) {
  SQLite::Statement query(db, "SELECT hash FROM " + table + " ORDER BY " + id_column + " DESC LIMIT 1");
  if (!query.executeStep()) return std::nullopt;
  return column_blob(query.getColumn(0));
}

// ---- binding by position ------------------------------------------------------------------------
// One value at placeholder ?index: text as text, every integer as a 64-bit integer, an empty optional
// (or a null string pointer, which spares a copy) as NULL. A char is refused: say whether it is text.
inline void bind_at(SQLite::Statement& statement, int index, const std::string& value) { statement.bind(index, value); }
inline void bind_at(SQLite::Statement& statement, int index, const char* value) { statement.bind(index, value); }
inline void bind_at(SQLite::Statement& statement, int index, std::nullopt_t) { statement.bind(index); }
inline void bind_at(SQLite::Statement& statement, int index, double value) { statement.bind(index, value); }
inline void bind_at(SQLite::Statement& statement, int index, const std::string* value) {
  if (value) statement.bind(index, *value); else statement.bind(index);
}
template <std::integral T>
  requires(!std::same_as<T, char>)
void bind_at(SQLite::Statement& statement, int index, T value) {
  statement.bind(index, static_cast<int64_t>(value));
}
template <class T>
void bind_at(SQLite::Statement& statement, int index, const std::optional<T>& value) {
  if (value) bind_at(statement, index, *value); else statement.bind(index);
}

// Binds these values to ?1, ?2, ... in order. A statement with another number of placeholders is
// an error, so a column added on one side only cannot leave a stale value bound on the other.
template <class... Values>
void bind_row(SQLite::Statement& statement, const Values&... values) {
  if (statement.getBindParameterCount() != static_cast<int>(sizeof...(values))) {
    throw SQLite::Exception("binding " + std::to_string(sizeof...(values)) + " values to a statement with " +
                                std::to_string(statement.getBindParameterCount()) + " placeholders: " +
                                statement.getQuery(),
                            SQLITE_RANGE);
  }
  int index = 0;
  (bind_at(statement, ++index, values), ...);
}

// Runs a prepared statement again with these values bound to ?1, ?2, ...; returns rows changed.
template <class... Values>
int exec_with(SQLite::Statement& statement, const Values&... values) {
  statement.reset();
  bind_row(statement, values...);
  return statement.exec();
}

// ---- statements from column lists ---------------------------------------------------------------

// "a, b, c" → {"a", "b", "c"}.
inline std::vector<std::string_view> split_columns(std::string_view columns) {
  std::vector<std::string_view> out;
  while (!columns.empty()) {
    const size_t comma = columns.find(',');
    std::string_view column = columns.substr(0, comma);
    while (!column.empty() && column.front() == ' ') column.remove_prefix(1);
    while (!column.empty() && column.back() == ' ') column.remove_suffix(1);
    out.push_back(column);
    if (comma == std::string_view::npos) break;
    columns.remove_prefix(comma + 1);
  }
  return out;
}

// "INSERT INTO table (a, b, c) VALUES (?1, ?2, ?3)": a placeholder per column, numbered in order, so
// the values bound by position (exec_with) follow the column list and nothing is counted by hand.
inline std::string insert_sql(std::string_view table, std::string_view columns, std::string_view verb = "INSERT") {
  std::string sql;
  sql.reserve(verb.size() + table.size() + 2 * columns.size() + 32);
  sql.append(verb).append(" INTO ").append(table).append(" (").append(columns).append(") VALUES (");
  const size_t count = static_cast<size_t>(std::count(columns.begin(), columns.end(), ',')) + 1;
  for (size_t i = 1; i <= count; ++i) sql.append(i > 1 ? ", ?" : "?").append(std::to_string(i));
  return sql + ")";
}

// A prepared INSERT of these columns, run again per row.
class PreparedInsert {
 public:
  PreparedInsert(SQLite::Database& db, std::string_view table, std::string_view columns, std::string_view verb = "INSERT")
      : db_(db), statement_(db, insert_sql(table, columns, verb)) {}

  // Inserts one row of values in column order; its id, or 0 when it inserted nothing (OR IGNORE).
  template <class... Values>
  int64_t row(const Values&... values) {
    if (exec_with(statement_, values...) == 0) return 0;
    return db_.getLastInsertRowid();
  }

 private:
  SQLite::Database& db_;
  SQLite::Statement statement_;
};

// Reads columns first, first + 1, ... of the current row into these fields (a std::tie).
template <class T>
void read_column(const SQLite::Column& column, T& field) {
  if constexpr (std::is_same_v<T, std::string>) {
    field = column.getString();
  } else if constexpr (std::is_floating_point_v<T>) {
    field = column.getDouble();
  } else if constexpr (requires { typename T::value_type; field = std::nullopt; }) {
    field = column_optional<typename T::value_type>(column);
  } else {
    field = static_cast<T>(column.getInt64());
  }
}
template <class... Fields>
void read_columns(SQLite::Statement& row, int first, std::tuple<Fields&...> fields) {
  std::apply([&](auto&... field) { (read_column(row.getColumn(first++), field), ...); }, fields);
}

}  // namespace proctrail::detail
