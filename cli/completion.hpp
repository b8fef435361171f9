#pragma once
// Shell completions and the man page, generated from the CLI11 app (cli/command_tree.hpp reads it).
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace proctrail::cli {

// A bash script: _proctrail_complete (COMPREPLY from compgen), registered with `complete -F`.
std::string bash_completion(const CLI::App& app);
// A zsh script (#compdef proctrail): one _arguments function per command. Works autoloaded from
// $fpath as _proctrail, or sourced after compinit.
std::string zsh_completion(const CLI::App& app);

// proctrail.1 in roff (man macros).
std::string man_page(const CLI::App& app);
// Text safe in a roff line: \ → \e, - → \-, a leading . or ' guarded, non-ASCII as \[uXXXX].
std::string roff_escape(std::string_view text);

}  // namespace proctrail::cli
