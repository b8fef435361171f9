// The exit-code scheme, run as users run the binary: a malformed option value is 2 in every
// subcommand that takes one (as a command line CLI11 cannot parse is), a trail that cannot be used
// is 1, and `--help` and the man page list the codes.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

const std::string kFixture = std::string(PROCTRAIL_IMPORT_FIXTURES) + "/procps_ps_ef.txt";  // no line is skipped

test::Ran run(std::vector<std::string> args) {
  args.insert(args.begin(), PROCTRAIL_BIN);
  return test::run_captured(args);
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

int64_t lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class ExitCodes : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::filesystem::path db = tmp / "trail.db";

  test::Ran run_on(const std::filesystem::path& trail, std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", trail.string()});
    return run(args);
  }
};

TEST_F(ExitCodes, AMalformedDurationOrTimeIsAUsageErrorInEveryCommandThatTakesOne) {
  ASSERT_EQ(run_on(db, {"snap", "--no-containers"}).code, 0);
  const std::string before = test::read_all(db);
  const std::vector<std::vector<std::string>> commands = {
      {"prune", "--older-than", "3 parsecs"},
      {"cleanup", "--older-than", "soon", "--no-containers"},
      {"cleanup", "--match", "x", "--grace", "soon", "--no-containers"},
      {"query", "containers", "--older-than", "soon"},
      {"query", "orphans", "--since", "yesterday"},
      {"query", "spawn-rate", "--until", "later"},
      {"snapshots", "--since", "yesterday"},
      {"report", "--since", "yesterday", "-o", (tmp / "report.html").string()},
      {"watch", "--interval", "soon"},
      {"snap", "--docker-timeout", "soon"},
      {"exec", "--grace", "soon", "--", "true"},
      {"import", "ps", kFixture, "--taken-at", "yesterday"},
      {"install-timer", "--interval", "soon", "--cron"},
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(joined(command));
    test::Ran r = run_on(db, command);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(r.err.starts_with("proctrail: ")) << r.err;
  }
  EXPECT_EQ(test::read_all(db), before) << "a refused request wrote nothing";
  EXPECT_FALSE(std::filesystem::exists(tmp / "report.html"));
}

TEST_F(ExitCodes, MalformedQueriesAreUsageErrorsAndAbsentAnswersAreFailures) {
  ASSERT_EQ(run_on(db, {"snap", "--no-containers"}).code, 0);
  EXPECT_EQ(run_on(db, {"query", "reachable", "--match", "(unclosed"}).code, 2);
  EXPECT_EQ(run_on(db, {"sql", "SELEC 1"}).code, 2);
  EXPECT_EQ(run_on(db, {"sql", "DELETE FROM snapshots"}).code, 2);
  EXPECT_EQ(run_on(db, {"query", "peers", "--pid", "1", "--snapshot", "last~x"}).code, 2);
  EXPECT_EQ(run_on(db, {"query", "peers", "--pid", "1", "--snapshot", "99"}).code, 1);
  EXPECT_EQ(run_on(db, {"query", "timeline", "--pid", "999999999"}).code, 1);
  EXPECT_EQ(run_on(tmp / "absent.db", {"query", "leaks"}).code, 1);
}

TEST_F(ExitCodes, ACommandLineThatDoesNotParseIsAUsageError) {
  for (const std::vector<std::string>& command : {std::vector<std::string>{"query", "holders"},
                                                  {"snap", "--format", "yaml"},
                                                  {"--no-such-option", "snap"},
                                                  {"no-such-command"},
                                                  {}}) {
    SCOPED_TRACE(joined(command));
    EXPECT_EQ(run_on(db, command).code, 2);
  }
  EXPECT_FALSE(std::filesystem::exists(db));
  EXPECT_EQ(run({"--help"}).code, 0);
  EXPECT_EQ(run({"query", "--help"}).code, 0);
  EXPECT_EQ(run({"--version"}).code, 0);
}

TEST_F(ExitCodes, ATrailThatCannotBeUsedIsAFailureInEveryCommand) {
  SQLite::Database(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE).exec("CREATE TABLE notes (text TEXT)");
  const auto garbage = tmp / "garbage.db";
  test::write_all(garbage, std::string(4096, 'z'));
  const std::vector<std::vector<std::string>> commands = {
      {"snap", "--no-containers"},
      {"verify"},
      {"query", "leaks"},
      {"sql", "SELECT 1"},
      {"snapshots"},
      {"report", "-o", (tmp / "report.html").string()},
      {"prune", "--older-than", "1d"},
      {"import", "ps", kFixture, "--taken-at", "1m"},
      {"cleanup", "--match", "^nothing-matches-this$", "--no-containers"},
  };
  for (const auto& trail : {db, garbage}) {
    const std::string before = test::read_all(trail);
    for (const auto& command : commands) {
      SCOPED_TRACE(trail.filename().string() + ": " + joined(command));
      test::Ran r = run_on(trail, command);
      EXPECT_EQ(r.code, 1) << r.err;
      EXPECT_EQ(lines(r.err), 1) << r.err;
    }
    EXPECT_EQ(test::read_all(trail), before);
  }
}

TEST_F(ExitCodes, HelpAndTheManPageListTheCodes) {
  test::Ran help = run({"--help"});
  ASSERT_EQ(help.code, 0);
  const size_t footer = help.out.find("Exit status:\n");
  ASSERT_NE(footer, std::string::npos) << help.out;
  test::Ran page = run({"man"});
  ASSERT_EQ(page.code, 0);
  const size_t section = page.out.find("\n.SH EXIT STATUS\n");
  ASSERT_NE(section, std::string::npos);
  for (const char* code : {"0", "1", "2", "3", "125"}) {
    EXPECT_NE(help.out.find(std::string("\n  ") + code + " ", footer), std::string::npos) << code;
    EXPECT_NE(page.out.find(std::string(".TP\n") + code + "\n", section), std::string::npos) << code;
  }
  EXPECT_NE(help.out.find("128 + N", footer), std::string::npos);
  EXPECT_EQ(page.out.find("100 and above"), std::string::npos) << "CLI11's own codes are no longer used";
  EXPECT_EQ(run({"snap", "--help"}).out.find("Exit status:"), std::string::npos);
}

TEST_F(ExitCodes, AnUnknownCommandIsAUsageErrorThatNamesTheNearestCommandAndTouchesNoTrail) {
  auto typo = run_on(db, {"snpa", "--tag", "x"});
  EXPECT_EQ(typo.code, 2) << typo.err;
  EXPECT_EQ(typo.err, "proctrail: unknown command 'snpa'; did you mean 'snap'? (proctrail --help lists the commands)\n");
  EXPECT_FALSE(std::filesystem::exists(db));
  auto nothing_near = run_on(db, {"frobnicate"});
  EXPECT_EQ(nothing_near.code, 2);
  EXPECT_EQ(nothing_near.err, "proctrail: unknown command 'frobnicate' (proctrail --help lists the commands)\n");
  EXPECT_EQ(run_on(db, {"snpa", "--hook"}).code, 0) << "a hook never fails its caller";
}

}  // namespace
}  // namespace proctrail
