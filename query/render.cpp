// Renderers: an aligned table for people, CSV and JSON for programs.
#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "proctrail/query.hpp"

namespace proctrail {
namespace {

// One line per cell in a table: control characters (a newline in argv) are shown escaped.
std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string cell_text(const Cell& cell, const char* null_text) {
  if (std::holds_alternative<std::monostate>(cell)) return null_text;
  if (std::holds_alternative<int64_t>(cell)) return std::to_string(std::get<int64_t>(cell));
  if (std::holds_alternative<double>(cell)) {
    std::ostringstream out;
    out << std::get<double>(cell);
    return out.str();
  }
  return std::get<std::string>(cell);
}

nlohmann::json to_json(const ResultTable& table) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& row : table.rows) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t i = 0; i < row.size(); ++i) {
      const Cell& cell = row[i];
      if (std::holds_alternative<int64_t>(cell)) {
        object[table.columns[i]] = std::get<int64_t>(cell);
      } else if (std::holds_alternative<double>(cell)) {
        object[table.columns[i]] = std::get<double>(cell);
      } else if (std::holds_alternative<std::string>(cell)) {
        object[table.columns[i]] = std::get<std::string>(cell);
      } else {
        object[table.columns[i]] = nullptr;
      }
    }
    array.push_back(std::move(object));
  }
  return array;
}

std::string render_table(const ResultTable& table) {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths;
  for (const auto& column : table.columns) widths.push_back(column.size());
  for (const auto& row : table.rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < row.size(); ++i) {
      line.push_back(printable(cell_text(row[i], "-")));
      widths[i] = std::max(widths[i], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& line) {
    for (size_t i = 0; i < line.size(); ++i) {
      out += line[i];
      if (i + 1 < line.size()) out += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    out += '\n';
  };
  emit(table.columns);
  for (const auto& line : cells) emit(line);
  if (table.rows.empty()) out += "(no rows)\n";
  return out;
}

std::string render_csv(const ResultTable& table) {
  std::string out;
  auto line = [&out](size_t count, auto field_at) {
    for (size_t i = 0; i < count; ++i) {
      if (i > 0) out += ',';
      out += csv_field(field_at(i));
    }
    out += "\r\n";
  };
  line(table.columns.size(), [&](size_t i) { return table.columns[i]; });
  for (const auto& row : table.rows) line(row.size(), [&](size_t i) { return cell_text(row[i], ""); });
  return out;
}

std::string render_json(const ResultTable& table) {
  return to_json(table).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<std::string> render(const ResultTable& table, const std::string& format) {
  if (format == "table") return render_table(table);
  if (format == "csv") return render_csv(table);
  if (format == "json") return render_json(table);
  return Error{"unknown format '" + format + "' (use table, csv or json)", ErrorKind::bad_input};
}

}  // namespace proctrail
