#pragma once
// One exit-code scheme for every subcommand. A subcommand that stops because of an Error returns
// exit_code_for(error) (through fail_with); the table below is both the top-level --help footer
// and the man page's EXIT STATUS section, so the three never disagree.
#include <span>
#include <string>
#include <string_view>

#include "proctrail/result.hpp"

namespace proctrail::cli::exit_code {

inline constexpr int ok = 0;
inline constexpr int failed = 1;          // the command could not do its job
inline constexpr int usage = 2;           // a bad request: the command line, or an option's value
inline constexpr int some_survived = 3;   // cleanup --yes: some targets were still running after it
inline constexpr int leaked = 2;          // exec --fail-on-leak: the command left something behind
inline constexpr int could_not_run = 125; // exec: the command could not be started
// exec otherwise passes its command's status through (128 + N when signal N ended it); cleanup --yes
// stopped by signal N (SIGINT, SIGTERM) exits 128 + N after recording what it did.
inline constexpr int signalled_base = 128;

}  // namespace proctrail::cli::exit_code

namespace proctrail::cli {

// usage for a bad_input Error, failed for every other kind.
int exit_code_for(const Error& error);

// Prints "proctrail: <message>" on stderr and returns exit_code_for(error).
int fail_with(const Error& error);

struct ExitCodeMeaning {
  std::string_view code;  // "0", "125", …
  std::string_view meaning;
};
std::span<const ExitCodeMeaning> exit_code_meanings();
// What the table leaves out: exec's pass-through and the hook's 0.
extern const std::string_view kExitCodeNote;

// The table as plain text, for the top-level --help footer.
std::string exit_codes_help();

}  // namespace proctrail::cli
