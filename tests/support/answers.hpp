#pragma once
// Reading a question's answer in tests: one column as text.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "proctrail/query.hpp"

namespace proctrail::test {

// The value of `name` in each row, as text (NULL as "NULL"). A missing column gives
// "<no column NAME>" for every row, so a test fails with a readable value instead of reading past an end.
inline std::vector<std::string> column(const ResultTable& table, const std::string& name) {
  auto it = std::find(table.columns.begin(), table.columns.end(), name);
  if (it == table.columns.end()) return std::vector<std::string>(std::max<size_t>(1, table.rows.size()), "<no column " + name + ">");
  const size_t index = static_cast<size_t>(it - table.columns.begin());
  std::vector<std::string> values;
  values.reserve(table.rows.size());
  for (const auto& row : table.rows) values.push_back(cell_text(row[index], "NULL"));
  return values;
}

// A kB column as the report and tables show it: MiB with one decimal.
inline std::vector<std::string> mib_column(const ResultTable& table, const std::string& kb_name) {
  std::vector<std::string> values = column(table, kb_name);
  for (auto& value : values) {
    if (value.starts_with("<no column") || value == "NULL") continue;
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", std::stod(value) / 1024);
    value = text;
  }
  return values;
}

}  // namespace proctrail::test
