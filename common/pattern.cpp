#include "common/pattern.hpp"

#include <re2/re2.h>

namespace proctrail {

Result<Pattern> Pattern::compile(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);   // the error is returned, not printed
  options.set_max_mem(64 << 20);   // a pattern whose automaton needs more is refused, not run
  auto compiled = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!compiled->ok()) {
    return Error{"bad regular expression '" + std::string(pattern) + "': " + compiled->error(), ErrorKind::bad_input};
  }
  return Pattern(std::move(compiled));
}

bool Pattern::search(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *compiled_);
}

std::string Pattern::quote(std::string_view literal) {
  return RE2::QuoteMeta(re2::StringPiece(literal.data(), literal.size()));
}

}  // namespace proctrail
