#pragma once
// Regular expressions over untrusted text: argv in --match selectors, SQL's REGEXP, the report's
// filters, the recorder's memory reads. RE2 (Debian's libre2): matching is linear in the text and uses
// no recursion, so a 2 MB Java classpath or a pattern such as ^(a+)+$ finishes in bounded time and
// cannot overflow the stack (std::regex recursed per character and crashed on a 30 KB argv). The
// syntax is RE2's (https://github.com/google/re2/wiki/Syntax): Perl-like, without backreferences or
// lookaround.
#include <memory>
#include <string>
#include <string_view>

#include "proctrail/result.hpp"

namespace re2 {
class RE2;
}

namespace proctrail {

class Pattern {
 public:
  // A bad pattern is a bad_input error naming it and saying why.
  static Result<Pattern> compile(std::string_view pattern);
  // Whether the pattern matches anywhere in `text`.
  bool search(std::string_view text) const;
  // A pattern that matches `literal` exactly where it occurs.
  static std::string quote(std::string_view literal);

 private:
  explicit Pattern(std::shared_ptr<const re2::RE2> compiled) : compiled_(std::move(compiled)) {}
  std::shared_ptr<const re2::RE2> compiled_;
};

}  // namespace proctrail
