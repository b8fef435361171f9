// --match and SQL's REGEXP: any pattern over any text, as users and argv supply them. The input is a
// pattern, a NUL, then the text; the printable() escaping of terminal output rides along.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/pattern.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string_view pattern = input.substr(0, split);
  const std::string_view text = split == std::string_view::npos ? input : input.substr(split + 1);
  if (auto compiled = proctrail::Pattern::compile(pattern)) compiled->search(text);
  proctrail::Pattern::compile(proctrail::Pattern::quote(text));
  return 0;
}
