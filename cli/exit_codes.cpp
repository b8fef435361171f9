#include "cli/exit_codes.hpp"

#include <array>

#include "cli/app.hpp"

namespace proctrail::cli {
namespace {

constexpr std::array kMeanings = {
    ExitCodeMeaning{"0", "Success."},
    ExitCodeMeaning{"1", "The command could not do its job: no trail, a corrupt, busy or newer trail, a broken hash "
                         "chain, a failed write."},
    ExitCodeMeaning{"2", "A bad request: the command line could not be parsed (an unknown command among them), or an option's value is malformed (a "
                         "duration, a time, a regular expression, an SQL statement). Also exec --fail-on-leak when "
                         "the command left something behind."},
    ExitCodeMeaning{"3", "cleanup: some targets survived."},
    ExitCodeMeaning{"125", "exec: the command could not be run."},
};

constexpr size_t kHelpWidth = 100;

// `text` broken at spaces into lines of at most kHelpWidth, each after `indent`; the first line's
// indent is already written by the caller.
std::string wrapped(std::string_view text, size_t indent) {
  std::string out;
  size_t column = indent;
  while (!text.empty()) {
    const size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    if (column > indent && column + 1 + word.size() > kHelpWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  }
  return out;
}

}  // namespace

const std::string_view kExitCodeNote =
    "exec otherwise exits with its command's status (128 + N when signal N ended it); cleanup --yes stopped by "
    "SIGINT or SIGTERM (N) exits 128 + N once it has recorded what it did; snap --hook always exits 0.";

int exit_code_for(const Error& error) {
  return error.kind == ErrorKind::bad_input ? exit_code::usage : exit_code::failed;
}

int fail_with(const Error& error) {
  print_error(error.message);
  return exit_code_for(error);
}

std::span<const ExitCodeMeaning> exit_code_meanings() { return kMeanings; }

std::string exit_codes_help() {
  constexpr size_t kIndent = 7;  // "  125  "
  std::string text = "Exit status:\n";
  for (const auto& [code, meaning] : kMeanings) {
    text += "  " + std::string(code) + std::string(kIndent - 2 - code.size(), ' ') + wrapped(meaning, kIndent) + "\n";
  }
  return text + wrapped(kExitCodeNote, 0);
}

}  // namespace proctrail::cli
