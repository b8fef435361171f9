#pragma once
// The command line as data, read from the CLI11 app that make_cli() builds: what the shell
// completions and the man page are generated from, so a new option or subcommand shows up in them
// without anyone listing it again.
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace proctrail::cli {

inline constexpr const char* kProgramName = "proctrail";

// What a value is completed with. CLI11's type name says it: "TEXT:{table,csv,json}" (IsMember),
// FILE, DIR or PATH (type_name or the Existing* checks), COMMAND (a program and its arguments).
enum class ValueKind { text, choices, files, directories, commands };

struct ValueSpec {
  ValueKind kind = ValueKind::text;
  std::vector<std::string> choices;  // ValueKind::choices
  std::string name;                  // the first segment of the type name: TEXT, INT, FILE, ...
};

// "TEXT:{table,csv,json}" → choices table, csv, json; "FILE" → files; "INT:INT in [1 - 9]" → text.
ValueSpec value_spec_of(std::string_view type_name);

struct OptionSpec {
  std::vector<std::string> names;  // "-o", "--output": short names first
  std::string description;
  std::string default_text;  // as captured by CLI11; empty when none
  bool takes_value = false;
  bool repeatable = false;  // a flag that counts (-vv)
  ValueSpec value;
};

struct PositionalSpec {
  std::string name;
  std::string description;
  bool required = false;
  bool many = false;  // takes every remaining argument
  ValueSpec value;
};

struct CommandSpec {
  std::vector<std::string> path;  // {"proctrail", "query", "leaks"}
  std::string description;
  std::vector<OptionSpec> options;    // its own
  std::vector<OptionSpec> inherited;  // its parents' that it also accepts (CLI11 fallthrough)
  std::vector<PositionalSpec> positionals;
  std::vector<CommandSpec> subcommands;

  std::string joined_path(char separator = ' ') const;
  // Its own options, then the inherited ones not shadowed by a name of its own.
  std::vector<OptionSpec> accepted_options() const;
};

// The tree under `app`; the root is named kProgramName (CLI11 names it after argv[0] once parsed).
CommandSpec describe_command(const CLI::App& app);

}  // namespace proctrail::cli
