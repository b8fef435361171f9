// Shell completions and the man page, generated from make_cli()'s app. The expectations are read
// from the same app by walking it here, so a new option that the generators miss fails a test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/command_tree.hpp"
#include "cli/completion.hpp"

namespace proctrail::cli {
namespace {

struct Command {
  std::string path;  // "proctrail query leaks"
  const CLI::App* app;
};

void collect(const CLI::App& app, const std::string& path, std::vector<Command>& out) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    out.push_back({path + " " + sub->get_name(), sub});
    collect(*sub, path + " " + sub->get_name(), out);
  }
}

std::vector<Command> every_subcommand(const CLI::App& app) {
  std::vector<Command> commands;
  collect(app, "proctrail", commands);
  return commands;
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& name : option->get_snames()) names.push_back("-" + name);
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

// The text from `start` up to the first `end` after it; empty when `start` is missing.
std::string section(const std::string& text, const std::string& start, const std::string& end) {
  const size_t from = text.find(start);
  if (from == std::string::npos) return "";
  return text.substr(from, text.find(end, from + start.size()) - from);
}

// The single-quoted value after `name` in `text`: options='-h --help' → -h --help.
std::string quoted(const std::string& text, const std::string& name) {
  const std::string value = section(text, name + "'", "'\n");
  return value.empty() ? "" : value.substr(name.size() + 1);
}

bool has_word(const std::string& words, const std::string& word) {
  return (" " + words + " ").find(" " + word + " ") != std::string::npos;
}

class Generated : public ::testing::Test {
 protected:
  std::unique_ptr<Cli> cli = make_cli();
  std::vector<Command> commands = every_subcommand(cli->app);
};

TEST_F(Generated, TheWalkFindsNestedCommands) {
  std::vector<std::string> paths;
  for (const auto& command : commands) paths.push_back(command.path);
  EXPECT_NE(std::find(paths.begin(), paths.end(), "proctrail query groups"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "proctrail completion"), paths.end());
  EXPECT_GT(paths.size(), 20u);
}

TEST_F(Generated, BashOffersEverySubcommandAndEveryOptionOfEachCommand) {
  const std::string script = bash_completion(cli->app);
  for (const auto& command : commands) {
    const std::string arm = section(script, "    '" + command.path + "')\n", ";;");
    ASSERT_FALSE(arm.empty()) << command.path;
    const std::string options = quoted(arm, "options=");
    for (const auto& name : option_names(*command.app)) {
      EXPECT_TRUE(has_word(options, name)) << command.path << " " << name;
    }
    const std::string parent = command.path.substr(0, command.path.rfind(' '));
    const std::string subcommands = quoted(section(script, "    '" + parent + "')\n", ";;"), "subcommands=");
    EXPECT_TRUE(has_word(subcommands, command.app->get_name())) << command.path;
  }
}

TEST_F(Generated, BashNamesLiteralOptionsSubcommandsAndValues) {
  const std::string script = bash_completion(cli->app);
  const std::string exec = section(script, "    'proctrail exec')\n", ";;");
  EXPECT_NE(exec.find("--fail-on-leak"), std::string::npos);
  EXPECT_NE(exec.find("--db"), std::string::npos) << "a global option is accepted after the subcommand";
  EXPECT_NE(script.find("    'proctrail query groups')\n"), std::string::npos);
  EXPECT_NE(script.find("'proctrail query leaks|--format') _proctrail_words 'table csv json'"), std::string::npos);
  EXPECT_NE(script.find("'proctrail report|--format') _proctrail_words 'html md'"), std::string::npos);
  EXPECT_NE(script.find("'proctrail|--db') _proctrail_files"), std::string::npos);
  EXPECT_NE(script.find("'proctrail report|-o') _proctrail_files"), std::string::npos);
  EXPECT_NE(script.find("'proctrail exec|#0') _proctrail_commands"), std::string::npos);
  EXPECT_NE(script.find("'proctrail completion|#0') _proctrail_words 'bash zsh'"), std::string::npos);
  EXPECT_NE(script.find("complete -F _proctrail_complete proctrail"), std::string::npos);
}

TEST_F(Generated, BashMarksOptionsThatTakeAValue) {
  const std::string script = bash_completion(cli->app);
  const std::string valued = quoted(section(script, "    'proctrail exec')\n", ";;"), "valued=");
  EXPECT_TRUE(has_word(valued, "--grace")) << valued;
  EXPECT_TRUE(has_word(valued, "--db")) << valued;
  EXPECT_FALSE(has_word(valued, "--fail-on-leak")) << valued;
  EXPECT_FALSE(has_word(valued, "-v")) << valued;
}

TEST_F(Generated, ZshHasAFunctionPerCommandWithEveryOption) {
  const std::string script = zsh_completion(cli->app);
  EXPECT_TRUE(script.starts_with("#compdef proctrail\n"));
  for (const auto& command : commands) {
    std::string function = "_" + command.path;
    for (char& c : function) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    const std::string body = section(script, "\n" + function + "() {\n", "\n}\n");
    ASSERT_FALSE(body.empty()) << function;
    for (const auto& name : option_names(*command.app)) {
      EXPECT_TRUE(body.find(name + "[") != std::string::npos || body.find(name + "=[") != std::string::npos ||
                  body.find(name + "+[") != std::string::npos)
          << function << " " << name;
    }
  }
}

TEST_F(Generated, ZshDescribesSubcommandsAndCompletesChoicesAndFiles) {
  const std::string script = zsh_completion(cli->app);
  EXPECT_NE(script.find("'verify:Check the trail'\\''s hash chains, its schema and its head log: detects edited or removed rows'"), std::string::npos);
  EXPECT_NE(script.find("('groups') _proctrail_query_groups ;;"), std::string::npos);
  EXPECT_NE(script.find("'--format=[Output format]:format:(table csv json)'"), std::string::npos);
  EXPECT_NE(script.find("'--fail-on-leak[Exit 2 when anything leaked (else the command'\\''s status)]'"), std::string::npos);
  EXPECT_NE(script.find("'(-o --output)-o+[Output file (default ./proctrail-report-HOST-TIME.html)]:output:_files'"),
            std::string::npos);
  EXPECT_NE(script.find("'*-v[More log output on stderr (repeat for debug)]'"), std::string::npos);
  EXPECT_NE(script.find("'1:command:_command_names -e'"), std::string::npos);
}

TEST(ValueSpec, ChoicesFilesAndPlainTextFromTheTypeName) {
  auto choices = value_spec_of("TEXT:{table,csv,json}");
  EXPECT_EQ(choices.kind, ValueKind::choices);
  EXPECT_EQ(choices.choices, (std::vector<std::string>{"table", "csv", "json"}));
  EXPECT_EQ(choices.name, "TEXT");
  EXPECT_EQ(value_spec_of("TEXT:{low->1,high->2}").choices, (std::vector<std::string>{"low", "high"}));
  EXPECT_EQ(value_spec_of("FILE").kind, ValueKind::files);
  EXPECT_EQ(value_spec_of("TEXT:FILE").kind, ValueKind::files);
  EXPECT_EQ(value_spec_of("PATH(existing)").kind, ValueKind::files);
  EXPECT_EQ(value_spec_of("DIR").kind, ValueKind::directories);
  EXPECT_EQ(value_spec_of("COMMAND").kind, ValueKind::commands);
  auto range = value_spec_of("INT:INT in [4096 - 1073741824]");
  EXPECT_EQ(range.kind, ValueKind::text);
  EXPECT_EQ(range.name, "INT");
}

TEST_F(Generated, ManPageHasTheHeaderAndSections) {
  const std::string page = man_page(cli->app);
  EXPECT_NE(page.find("\n.TH PROCTRAIL 1 \"\" \"proctrail " PROCTRAIL_VERSION "\" \"User Commands\"\n"), std::string::npos);
  for (const char* heading : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "FILES", "EXIT STATUS", "SEE ALSO"}) {
    EXPECT_NE(page.find("\n.SH " + std::string(heading) + "\n"), std::string::npos) << heading;
  }
  EXPECT_NE(page.find(".SH NAME\nproctrail \\- record what processes ran"), std::string::npos);
  EXPECT_NE(page.find("\\fI~/.local/state/proctrail/trail.db\\fR"), std::string::npos);
  EXPECT_NE(page.find("\\fI$XDG_STATE_HOME/proctrail/trail.db\\fR"), std::string::npos);
  EXPECT_NE(page.find("\\fIproctrail.log\\fR"), std::string::npos);
}

TEST_F(Generated, ManPageDescribesEveryCommandAndItsOptions) {
  const std::string page = man_page(cli->app);
  for (const auto& command : commands) {
    const std::string words = command.path.substr(std::string("proctrail ").size());
    ASSERT_NE(page.find(".SS \"" + roff_escape(words) + "\"\n" + roff_escape(command.app->get_description())),
              std::string::npos)
        << words;
    for (const CLI::Option* option : command.app->get_options()) {
      if (option->get_lnames() == std::vector<std::string>{"help"}) continue;
      EXPECT_NE(page.find(roff_escape(option->get_description())), std::string::npos) << words << " " << option->get_name();
    }
  }
  EXPECT_NE(page.find(".TP\n\\fB\\-\\-fail\\-on\\-leak\\fR\nExit 2 when anything leaked"), std::string::npos);
  EXPECT_NE(page.find(".TP\n\\fB\\-\\-format\\fR \\fItable\\fR|\\:\\fIcsv\\fR|\\:\\fIjson\\fR\nOutput format (default: table)\n"),
            std::string::npos);
  EXPECT_NE(page.find("\\fBproctrail\\fR [\\fIglobal options\\fR] \\fBquery diff\\fR [\\fIoptions\\fR] \\fIA\\fR \\fIB\\fR\n"),
            std::string::npos);
}

TEST(RoffEscape, HyphensBackslashesAndLeadingControlCharacters) {
  EXPECT_EQ(roff_escape("--fail-on-leak"), "\\-\\-fail\\-on\\-leak");
  EXPECT_EQ(roff_escape("C:\\temp\\n"), "C:\\etemp\\en");
  EXPECT_EQ(roff_escape(".hidden file"), "\\&.hidden file");
  EXPECT_EQ(roff_escape("'quoted'"), "\\&'quoted'");
  EXPECT_EQ(roff_escape("a.b 'c'\n.d"), "a.b 'c'\n\\&.d");
  EXPECT_EQ(roff_escape("plain text"), "plain text");
}

TEST(RoffEscape, NonAsciiBecomesUnicodeGlyphs) {
  EXPECT_EQ(roff_escape("SIGTERM \u2192 SIGKILL"), "SIGTERM \\[u2192] SIGKILL");
  EXPECT_EQ(roff_escape("caf\u00e9 \u20ac"), "caf\\[u00E9] \\[u20AC]");
  EXPECT_EQ(roff_escape("\U0001F600"), "\\[u1F600]");
  EXPECT_EQ(roff_escape("bad \xff byte"), "bad \\[uFFFD] byte");
  EXPECT_EQ(roff_escape("cut \xe2\x86"), "cut \\[uFFFD]\\[uFFFD]") << "each byte of a cut sequence is replaced";
}

}  // namespace
}  // namespace proctrail::cli
