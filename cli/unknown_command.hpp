#pragma once
// "proctrail snpa" → "unknown command 'snpa'; did you mean 'snap'?" instead of CLI11's "The following
// arguments were not expected".
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proctrail::cli {

// The word that should name a subcommand (the first argument after the global options, argv[0]
// excluded), when it names none of `names`. nullopt when it is a known name or there is none.
std::optional<std::string> unknown_command(const std::vector<std::string>& args, const std::vector<std::string>& names);

// The name nearest to `word`: the only one it is a prefix of, else the closest within two edits
// (insertions, deletions, substitutions, swaps of neighbours). nullopt when none is that close.
std::optional<std::string> nearest_command(std::string_view word, const std::vector<std::string>& names);

// The one line printed for an unknown command.
std::string unknown_command_message(const std::string& word, const std::vector<std::string>& names);

}  // namespace proctrail::cli
