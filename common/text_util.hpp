#pragma once
// Text helpers shared by the /proc and /proc/net parsers and the text the tool writes.
#include <charconv>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace proctrail::text {

// The whole token as an integer in `base`; false on anything else (empty, sign where unsigned, junk).
template <class Int>
bool parse_int(std::string_view token, Int& out, int base = 10) {
  if (token.empty()) return false;
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, out, base);
  return ec == std::errc() && ptr == end;
}

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Splits on runs of blanks (status uses tabs, stat and /proc/net spaces); stops after `limit` tokens.
inline std::vector<std::string_view> split_fields(std::string_view text,
                                                  size_t limit = std::numeric_limits<size_t>::max()) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size() && tokens.size() < limit) {
    while (i < text.size() && is_blank(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !is_blank(text[i])) ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

// Splits on every `separator` (empty pieces kept: "/a//b" → "", "a", "", "b").
inline std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      pieces.push_back(text.substr(start));
      return pieces;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// Appends `item` to a `separator`-separated list: "a, b" + "c" → "a, b, c"; "" + "c" → "c".
inline void append_item(std::string& list, std::string_view separator, std::string_view item) {
  if (!list.empty()) list += separator;
  list += item;
}

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\0')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  return text;
}

// Yields the lines of a /proc text file one at a time (without their '\n').
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace proctrail::text
