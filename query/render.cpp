// Renderers: an aligned table for people, CSV and JSON for programs.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "proctrail/query.hpp"

namespace proctrail {
namespace {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// "\xNN" for a byte; "\u{NNNN}" for a code point.
void append_byte_escape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

void append_code_point_escape(std::string& out, uint32_t code_point) {
  char text[16];
  std::snprintf(text, sizeof text, "\\u{%04X}", static_cast<unsigned>(code_point));
  out += text;
}

// Code points a terminal acts on instead of showing: C0 and DEL, C1 (CSI is U+009B), and the
// bidirectional overrides and isolates that reorder what follows them (U+202A–U+202E, U+2066–U+2069).
bool is_terminal_control(uint32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f) ||
         (code_point >= 0x202a && code_point <= 0x202e) || (code_point >= 0x2066 && code_point <= 0x2069);
}

// The length of the valid UTF-8 sequence at `text[i]` and its code point; 0 when it is not one.
size_t utf8_sequence(std::string_view text, size_t i, uint32_t& code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  code_point = length == 1 ? lead : lead & (0x7f >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xc0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(k) & 0x3f);
  }
  static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kSmallest[length] || code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff)) return 0;
  return length;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t code_point = 0;
    const size_t length = utf8_sequence(text, i, code_point);
    if (length == 0) {
      append_byte_escape(out, static_cast<unsigned char>(text[i]));  // not UTF-8: a lone byte such as 0x9b
      ++i;
      continue;
    }
    if (code_point == '\n') {
      out += "\\n";
    } else if (code_point == '\t') {
      out += "\\t";
    } else if (code_point < 0x80 && is_terminal_control(code_point)) {
      append_byte_escape(out, static_cast<unsigned char>(code_point));
    } else if (is_terminal_control(code_point)) {
      append_code_point_escape(out, code_point);
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

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

std::string mib_text(double kb) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", kb / 1024);
  return text;
}

namespace {

// Memory columns are kept in kB (the unit in the name: rss_kb); a table shows them as MiB with one
// decimal, under the same name with _mib.
bool is_kb_column(std::string_view name) { return name.ends_with("_kb"); }

std::string table_header(const std::string& column) {
  if (!is_kb_column(column)) return column;
  return column.substr(0, column.size() - 3) + "_mib";
}

std::string mib_cell(const Cell& cell) {
  if (std::holds_alternative<int64_t>(cell)) return mib_text(static_cast<double>(std::get<int64_t>(cell)));
  if (std::holds_alternative<double>(cell)) return mib_text(std::get<double>(cell));
  return printable(cell_text(cell, "-"));
}

// What a reader adds up: instance and process counts, and memory.
bool is_summed_column(std::string_view name) {
  return is_kb_column(name) || name == "instances" || name == "processes" || name == "spawned";
}

// Display width in terminal columns: one per code point (escapes are ASCII; wide scripts are rare here).
size_t display_width(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xc0) != 0x80;
  return width;
}

// The first `width` columns of `text`, the last of them an ellipsis when anything was cut.
std::string fit(const std::string& text, size_t width) {
  if (display_width(text) <= width) return text;
  if (width == 0) return "";
  std::string out;
  size_t used = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool starts_code_point = (static_cast<unsigned char>(text[i]) & 0xc0) != 0x80;
    if (starts_code_point && ++used == width) break;
    out += text[i];
  }
  return out + "\u2026";
}

// Columns wider than this are shrunk, widest first, to fit the terminal; narrower ones (numbers, times,
// verdicts) are never cut.
constexpr size_t kShrinkableWidth = 24;
constexpr size_t kGap = 2;

// Lowers the widest columns to one common cap until the row fits `total` (or every shrinkable column
// is down to kShrinkableWidth: the line then overflows rather than lose every argv).
void fit_widths(std::vector<size_t>& widths, const std::vector<size_t>& floors, size_t total) {
  auto line_width = [&] {
    size_t sum = widths.empty() ? 0 : kGap * (widths.size() - 1);
    for (size_t w : widths) sum += w;
    return sum;
  };
  while (line_width() > total) {
    std::optional<size_t> widest;  // the widest column that may still shrink
    size_t next = 0;               // the width of the widest other column: lower it that far at most
    for (size_t k = 0; k < widths.size(); ++k) {
      if (widths[k] > floors[k] && (!widest || widths[k] > widths[*widest])) widest = k;
    }
    if (!widest) return;
    for (size_t k = 0; k < widths.size(); ++k) {
      if (k != *widest) next = std::max(next, widths[k]);
    }
    const size_t i = *widest;
    const size_t room = widths[i] - std::max(next, floors[i]);
    widths[i] -= std::max<size_t>(1, std::min(line_width() - total, room));
  }
}

std::vector<std::string> totals_row(const ResultTable& table) {
  std::vector<std::string> row(table.columns.size());
  bool any = false;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (!is_summed_column(table.columns[i])) continue;
    double sum = 0;
    bool integral = true;
    for (const auto& cells : table.rows) {
      if (std::holds_alternative<int64_t>(cells[i])) sum += static_cast<double>(std::get<int64_t>(cells[i]));
      if (std::holds_alternative<double>(cells[i])) {
        sum += std::get<double>(cells[i]);
        integral = false;
      }
    }
    const Cell total = integral ? Cell{static_cast<int64_t>(sum)} : Cell{sum};
    row[i] = is_kb_column(table.columns[i]) ? mib_cell(total) : cell_text(total, "-");
    any = true;
  }
  if (!any) return {};
  for (auto& cell : row) {
    if (cell.empty()) {
      cell = "total";
      break;
    }
  }
  return row;
}

}  // namespace

std::string render_table(const ResultTable& table, const TableLayout& layout) {
  std::vector<std::string> header;
  for (const auto& column : table.columns) header.push_back(table_header(column));
  std::vector<std::vector<std::string>> lines;
  for (const auto& row : table.rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < row.size(); ++i) {
      line.push_back(is_kb_column(table.columns[i]) ? mib_cell(row[i]) : printable(cell_text(row[i], "-")));
    }
    lines.push_back(std::move(line));
  }
  if (layout.totals && table.rows.size() >= 2) {
    if (auto totals = totals_row(table); !totals.empty()) lines.push_back(std::move(totals));
  }
  std::vector<size_t> widths, floors;
  for (const auto& name : header) widths.push_back(display_width(name));
  for (const auto& line : lines) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], display_width(line[i]));
  }
  for (size_t i = 0; i < widths.size(); ++i) {
    floors.push_back(std::min(widths[i], std::max(kShrinkableWidth, display_width(header[i]))));
  }
  if (layout.width > 0) fit_widths(widths, floors, layout.width);
  std::string out;
  auto emit = [&](const std::vector<std::string>& line) {
    for (size_t i = 0; i < line.size(); ++i) {
      const std::string cell = fit(line[i], widths[i]);
      out += cell;
      if (i + 1 < line.size()) out += std::string(widths[i] - display_width(cell) + kGap, ' ');
    }
    while (out.ends_with(' ')) out.pop_back();
    out += '\n';
  };
  emit(header);
  for (const auto& line : lines) emit(line);
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

Result<std::string> render(const ResultTable& table, const std::string& format, const TableLayout& layout) {
  if (format == "table") return render_table(table, layout);
  if (format == "csv") return render_csv(table);
  if (format == "json") return render_json(table);
  return Error{"unknown format '" + format + "' (use table, csv or json)", ErrorKind::bad_input};
}

}  // namespace proctrail
