#pragma once
// Small SQLiteCpp helpers shared by the store's writers.
#include <optional>
#include <string>
#include <type_traits>

#include <SQLiteCpp/SQLiteCpp.h>
#include <SQLiteCpp/VariadicBind.h>

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

// Runs a prepared statement again with these values bound to ?1, ?2, ...; returns rows changed.
template <class... Values>
int exec_with(SQLite::Statement& statement, const Values&... values) {
  statement.reset();
  SQLite::bind(statement, values...);
  return statement.exec();
}

}  // namespace proctrail::detail
