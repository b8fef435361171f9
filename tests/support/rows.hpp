#pragma once
// Rows of a query as "a|b|c" strings (NULL spelled out), for comparing a trail's tables in tests.
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

namespace proctrail::test {

inline std::vector<std::string> query_rows(SQLite::Database& db, const std::string& sql) {
  std::vector<std::string> out;
  SQLite::Statement query(db, sql);
  while (query.executeStep()) {
    std::string row;
    for (int i = 0; i < query.getColumnCount(); ++i) {
      if (i) row += '|';
      row += query.getColumn(i).isNull() ? "NULL" : query.getColumn(i).getString();
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace proctrail::test
