// The completion scripts in real shells and the man page through groff, from the built binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;

const std::string kBinary = PROCTRAIL_BIN;

using Output = test::Ran;

Output run(const std::vector<std::string>& argv) { return test::run_captured(argv); }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) result.push_back(line);
  }
  std::sort(result.begin(), result.end());
  return result;
}

bool on_path(const std::string& program) {
  return run({"sh", "-c", "command -v \"$1\"", "sh", program}).code == 0;
}

// COMPREPLY, sorted, after bash completes the last of `words` (a bash array literal, quoted).
std::vector<std::string> bash_completes(const std::string& words) {
  const std::string script = "source <(\"$1\" completion bash) || exit 3\n"
                             "COMP_WORDS=(" + words + ")\n"
                             "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                             "_proctrail_complete\n"
                             "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  Output output = run({"bash", "-c", script, "bash", kBinary});
  EXPECT_EQ(output.code, 0) << output.err;
  EXPECT_EQ(output.err, "");
  return lines(output.out);
}

using Words = std::vector<std::string>;

TEST(BashCompletion, OffersSubcommands) {
  EXPECT_EQ(bash_completes("proctrail qu"), Words{"query"});
  EXPECT_EQ(bash_completes("proctrail query g"), Words{"groups"});
  EXPECT_EQ(bash_completes("proctrail --db x.db -v s"), (Words{"snap", "snapshots", "sql"}));
}

TEST(BashCompletion, OffersTheOptionsOfTheSubcommandAndTheGlobalOnes) {
  EXPECT_EQ(bash_completes("proctrail exec --fa"), Words{"--fail-on-leak"});
  EXPECT_EQ(bash_completes("proctrail snap --d"), (Words{"--db", "--docker-socket", "--docker-timeout"}));
}

TEST(BashCompletion, OffersTheChoicesOfAnOption) {
  EXPECT_EQ(bash_completes("proctrail query leaks --format ''"), (Words{"csv", "json", "table"}));
  EXPECT_EQ(bash_completes("proctrail query leaks --format j"), Words{"json"});
  EXPECT_EQ(bash_completes("proctrail query leaks --format = j"), Words{"json"}) << "--format=j, split by bash at the =";
  EXPECT_EQ(bash_completes("proctrail query leaks --format=j"), Words{"--format=json"}) << "with = not a word break";
  EXPECT_EQ(bash_completes("proctrail completion ''"), (Words{"bash", "zsh"}));
}

TEST(BashCompletion, AValueIsNotTakenForASubcommandOrCompletedAsOne) {
  EXPECT_EQ(bash_completes("proctrail snap --tag ''"), Words{});
  EXPECT_EQ(bash_completes("proctrail --db snap --f"), Words{}) << "snap is --db's value, not the subcommand";
}

TEST(BashCompletion, FileOptionsCompleteFileNames) {
  test::TempDir tmp;
  test::write_all(tmp / "trail-one.db", "");
  EXPECT_EQ(bash_completes("proctrail --db " + (tmp / "trail-o").string()), Words{(tmp / "trail-one.db").string()});
  EXPECT_EQ(bash_completes("proctrail report -o " + (tmp / "tr").string()), Words{(tmp / "trail-one.db").string()});
}

TEST(BashCompletion, ExecCompletesAProgramAfterTheDoubleDash) {
  auto programs = bash_completes("proctrail exec --fail-on-leak -- bas");
  EXPECT_NE(std::find(programs.begin(), programs.end(), "bash"), programs.end());
}

TEST(ZshCompletion, TheScriptParses) {
  if (!on_path("zsh")) GTEST_SKIP() << "zsh is not installed";
  test::TempDir tmp;
  Output script = run({kBinary, "completion", "zsh"});
  ASSERT_EQ(script.code, 0) << script.err;
  test::write_all(tmp / "_proctrail", script.out);
  Output check = run({"zsh", "-n", (tmp / "_proctrail").string()});
  EXPECT_EQ(check.code, 0) << check.err;
  EXPECT_EQ(check.err, "");
}

TEST(CompletionCommand, RefusesAnUnknownShell) {
  Output output = run({kBinary, "completion", "fish"});
  EXPECT_NE(output.code, 0);
  EXPECT_NE(output.err.find("fish not in {bash,zsh}"), std::string::npos) << output.err;
}

// The subcommand names under "Subcommands:" in `proctrail ARGS --help`.
std::vector<std::string> help_subcommands(std::vector<std::string> args) {
  args.insert(args.begin(), kBinary);
  args.push_back("--help");
  std::istringstream in(run(args).out);
  std::vector<std::string> names;
  bool listing = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("Subcommands:")) {
      listing = true;
    } else if (listing && line.starts_with("  ")) {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else {
      listing = false;
    }
  }
  return names;
}

TEST(ManPage, RendersWithoutWarningsAndNamesEverySubcommand) {
  if (!on_path("groff")) GTEST_SKIP() << "groff is not installed";
  test::TempDir tmp;
  Output page = run({kBinary, "man", "--output", (tmp / "proctrail.1").string()});
  ASSERT_EQ(page.code, 0) << page.err;
  Output utf8 = run({"groff", "-man", "-Tutf8", "-ww", (tmp / "proctrail.1").string()});
  EXPECT_EQ(utf8.code, 0);
  EXPECT_EQ(utf8.err, "") << "groff warned";
  Output text = run({"groff", "-man", "-Tascii", "-ww", "-rLL=300n", "-P-cbou", (tmp / "proctrail.1").string()});
  ASSERT_EQ(text.code, 0) << text.err;
  auto top = help_subcommands({});
  ASSERT_GT(top.size(), 10u);
  for (const auto& name : top) EXPECT_NE(text.out.find("   " + name + "\n"), std::string::npos) << name;
  auto questions = help_subcommands({"query"});
  ASSERT_GT(questions.size(), 5u);
  for (const auto& name : questions) EXPECT_NE(text.out.find("   query " + name + "\n"), std::string::npos) << name;
  EXPECT_NE(text.out.find("--fail-on-leak"), std::string::npos);
}

TEST(ManPage, TheBuildWritesTheSamePageBesideTheBinary) {
  const auto built = std::filesystem::path(kBinary).parent_path() / "proctrail.1";
  ASSERT_TRUE(std::filesystem::exists(built)) << built;
  Output page = run({kBinary, "man"});
  ASSERT_EQ(page.code, 0) << page.err;
  EXPECT_EQ(test::read_all(built), page.out);
}

TEST(ManPage, AnUnwritableOutputIsOneLineAndExit1) {
  test::TempDir tmp;
  Output output = run({kBinary, "man", "-o", (tmp / "missing/proctrail.1").string()});
  EXPECT_EQ(output.code, 1);
  EXPECT_EQ(output.err, "proctrail: man: cannot write " + (tmp / "missing/proctrail.1").string() + "\n");
}

}  // namespace
}  // namespace proctrail
