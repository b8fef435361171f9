// `proctrail man`: proctrail.1, written from the command tree at run time.
#include <cstdio>
#include <cstring>

#include "cli/command_tree.hpp"
#include "cli/completion.hpp"
#include "cli/exit_codes.hpp"
#include "proctrail/paths.hpp"

namespace proctrail::cli {
namespace {

// "a, b" + "c" → "a, b, c"; "" + "c" → "c".
void append_item(std::string& list, std::string_view separator, std::string_view item) {
  if (!list.empty()) list += separator;
  list += item;
}

// The code point of the UTF-8 sequence at text[i], advancing i past it; U+FFFD when malformed.
char32_t next_code_point(std::string_view text, size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i++]);
  const int length = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : -1;
  if (length < 0 || i + length > text.size()) return U'\uFFFD';
  char32_t code = lead & (0x3F >> length);
  for (int k = 0; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i]);
    if ((next & 0xC0) != 0x80) return U'\uFFFD';
    code = (code << 6) | (next & 0x3F);
    ++i;
  }
  return code;
}

std::string glyph(char32_t code) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\[u%04X]", static_cast<unsigned>(code));
  return buffer;
}

std::string bold(std::string_view text) { return "\\fB" + roff_escape(text) + "\\fR"; }
std::string italic(std::string_view text) { return "\\fI" + roff_escape(text) + "\\fR"; }

bool is_help(const OptionSpec& option) {
  for (const auto& name : option.names) {
    if (name == "--help") return true;
  }
  return false;
}

std::string value_text(const ValueSpec& value) {
  if (value.kind != ValueKind::choices) return italic(value.name);
  std::string text;  // table|csv|json, where a line may break after each bar (\:)
  for (const auto& choice : value.choices) append_item(text, "|\\:", italic(choice));
  return text;
}

std::string option_entry(const OptionSpec& option) {
  std::string tag;
  for (const auto& name : option.names) append_item(tag, ", ", bold(name));
  if (option.takes_value) tag += " " + value_text(option.value);
  std::string description = roff_escape(option.description);
  if (!option.default_text.empty()) description += " (default: " + roff_escape(option.default_text) + ")";
  return ".TP\n" + tag + "\n" + description + "\n";
}

std::string positional_entry(const PositionalSpec& positional) {
  return ".TP\n" + italic(positional.name) + (positional.many ? " ..." : "") + "\n" +
         roff_escape(positional.description) + "\n";
}

std::string command_words(const CommandSpec& command) {
  std::string words;
  for (size_t i = 1; i < command.path.size(); ++i) append_item(words, " ", command.path[i]);
  return words;
}

std::string synopsis_line(const CommandSpec& command) {
  std::string line = bold(kProgramName) + " [" + italic("global options") + "] " + bold(command_words(command)) +
                     " [" + italic("options") + "]";
  for (const auto& positional : command.positionals) {
    std::string word = italic(positional.name) + (positional.many ? " ..." : "");
    line += positional.required ? " " + word : " [" + word + "]";
  }
  return line + "\n";
}

void add_synopsis(const CommandSpec& command, std::string& out) {
  if (command.subcommands.empty()) out += synopsis_line(command);
  for (const auto& sub : command.subcommands) add_synopsis(sub, out);
}

void add_command(const CommandSpec& command, std::string& out) {
  out += ".SS \"" + roff_escape(command_words(command)) + "\"\n" + roff_escape(command.description) + "\n";
  for (const auto& positional : command.positionals) out += positional_entry(positional);
  for (const auto& option : command.options) {
    if (!is_help(option)) out += option_entry(option);
  }
  for (const auto& sub : command.subcommands) add_command(sub, out);
}

// "proctrail: what it does" → "what it does".
std::string summary_of(const std::string& description) {
  const std::string prefix = std::string(kProgramName) + ": ";
  return description.starts_with(prefix) ? description.substr(prefix.size()) : description;
}

// Where default_db_path puts the trail when `variable` is the only one set, with the variable
// written as $NAME (HOME as ~).
std::string default_db_with(const char* variable) {
  const std::string shown = std::strcmp(variable, "HOME") == 0 ? "~" : std::string("$") + variable;
  auto path = default_db_path([&](const char* name) { return std::strcmp(name, variable) == 0 ? shown.c_str() : nullptr; });
  return path ? path->string() : shown;
}

std::string files_section() {
  const std::string home_db = default_db_with("HOME");
  const std::string log = log_path_for(home_db).filename().string();
  return ".SH FILES\n.TP\n" + italic(home_db) + "\nThe trail database when neither " + bold("--db") + " nor " +
         bold("$PROCTRAIL_DB") + " nor " + bold("$XDG_STATE_HOME") + " is set; with " + bold("$XDG_STATE_HOME") +
         " set it is " + italic(default_db_with("XDG_STATE_HOME")) + ", and " + bold("$PROCTRAIL_DB") +
         " names it outright.\n.TP\n" + italic(log) + "\nBeside the database: what " + bold("snap --hook") +
         " could not say on stderr.\n";
}

// From the table the --help footer shows too (cli/exit_codes.cpp).
std::string exit_status_section() {
  std::string out = ".SH EXIT STATUS\n";
  for (const auto& [code, meaning] : exit_code_meanings()) out += ".TP\n" + std::string(code) + "\n" + roff_escape(meaning) + "\n";
  return out + ".PP\n" + roff_escape(kExitCodeNote) + "\n";
}

constexpr std::string_view kSeeAlso = R"(.SH SEE ALSO
.BR sqlite3 (1),
.BR proc (5)
)";

}  // namespace

std::string roff_escape(std::string_view text) {
  std::string escaped;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const bool line_start = i == 0 || text[i - 1] == '\n';
    if (static_cast<unsigned char>(c) >= 0x80) {
      escaped += glyph(next_code_point(text, i));
      continue;
    }
    ++i;
    if (line_start && (c == '.' || c == '\'')) escaped += "\\&";
    if (c == '\\') {
      escaped += "\\e";
    } else if (c == '-') {
      escaped += "\\-";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string man_page(const CLI::App& app) {
  const CommandSpec root = describe_command(app);
  const std::string version = app.version().empty() ? std::string(kProgramName) : app.version();
  std::string out = ".\\\" proctrail.1, generated by `proctrail man` from the command-line definition.\n";
  out += ".TH PROCTRAIL 1 \"\" \"" + roff_escape(version) + "\" \"User Commands\"\n";
  out += ".nh\n.ad l\n";  // no hyphenated paths or option names, ragged right
  out += ".SH NAME\n" + std::string(kProgramName) + " \\- " + roff_escape(summary_of(root.description)) + "\n";
  out += ".SH SYNOPSIS\n.nf\n";
  add_synopsis(root, out);
  out += ".fi\n.SH DESCRIPTION\n" + bold(kProgramName) + ": " + roff_escape(summary_of(root.description)) + ".\n" +
         "The global options may come before or after the command.\n";
  out += ".SH OPTIONS\n";
  for (const auto& option : root.options) out += option_entry(option);
  out += ".SH COMMANDS\nEach command also takes " + bold("-h") + ", " + bold("--help") + ".\n";
  for (const auto& command : root.subcommands) add_command(command, out);
  return out + files_section() + exit_status_section() + std::string(kSeeAlso);
}

}  // namespace proctrail::cli
