// Errors carry a kind that callers branch on; these pin the kinds where they are known, and the
// CLI's one mapping from a kind to an exit code.
#include <gtest/gtest.h>

#include <set>

#include <SQLiteCpp/SQLiteCpp.h>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/paths.hpp"
#include "proctrail/query.hpp"
#include "proctrail/store.hpp"
#include "recorder/store/schema.hpp"
#include "tests/support/history.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

constexpr ErrorKind kEveryKind[] = {ErrorKind::failed,       ErrorKind::not_found,    ErrorKind::permission,
                                    ErrorKind::busy,         ErrorKind::corrupt,      ErrorKind::newer_schema,
                                    ErrorKind::older_schema, ErrorKind::bad_input,    ErrorKind::unavailable};

TEST(ErrorKind, AnErrorIsFailedUnlessToldAndWithinKeepsTheKind) {
  const Error plain{"reading x: broken"};
  EXPECT_EQ(plain.kind, ErrorKind::failed);
  const Error wrapped = Error{"bad duration 'x'", ErrorKind::bad_input}.within("--grace");
  EXPECT_EQ(wrapped.message, "--grace: bad duration 'x'");
  EXPECT_EQ(wrapped.kind, ErrorKind::bad_input);
}

TEST(ErrorKind, EveryKindHasItsOwnName) {
  std::set<std::string_view> names;
  for (ErrorKind kind : kEveryKind) names.insert(error_kind_name(kind));
  EXPECT_EQ(names.size(), std::size(kEveryKind));
  EXPECT_EQ(error_kind_name(ErrorKind::not_found), "not_found");
  EXPECT_EQ(error_kind_name(ErrorKind::bad_input), "bad_input");
}

TEST(ErrorKind, MalformedDurationsAndTimesAreBadInput) {
  EXPECT_EQ(parse_duration("3 parsecs").error().kind, ErrorKind::bad_input);
  EXPECT_EQ(parse_duration("0s").error().kind, ErrorKind::bad_input);
  EXPECT_EQ(parse_time_bound("yesterday", 0).error().kind, ErrorKind::bad_input);
}

TEST(ErrorKind, NoPlaceForTheTrailIsNotFound) {
  auto path = default_db_path([](const char*) -> const char* { return nullptr; });
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().kind, ErrorKind::not_found);
}

// ---- the store and the reader, on trails that are not as they should be ----

class TrailKinds : public test::StoreFixture {
 protected:
  std::filesystem::path other = tmp / "other.db";

  void record_some(int snapshots, int processes) {
    for (int s = 0; s < snapshots; ++s) {
      std::vector<ProcessSample> samples;
      for (int p = 0; p < processes; ++p) {
        samples.push_back(test::sample(100 + p, 1000 + static_cast<uint64_t>(p), 1,
                                       "worker --id " + std::to_string(p) + " --round " + std::to_string(s),
                                       10'000 + s * 5'000));
      }
      record(test::table(std::move(samples)));
    }
  }
};

TEST_F(TrailKinds, ANewerSchemaIsNewerSchemaForTheStoreAndTheReader) {
  record_some(1, 3);
  store->database().exec("PRAGMA user_version = " + std::to_string(schema::latest_version() + 1));
  store.reset();
  auto opened = Store::open(db_path);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::newer_schema) << opened.error().message;
  auto reader = TrailReader::open(db_path);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().kind, ErrorKind::newer_schema) << reader.error().message;
}

TEST_F(TrailKinds, AnotherProgramsSqliteFileIsCorrupt) {
  {
    SQLite::Database foreign(other.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    foreign.exec("CREATE TABLE notes (text TEXT)");
  }
  auto opened = Store::open(other);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::corrupt) << opened.error().message;
  auto reader = TrailReader::open(other);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().kind, ErrorKind::corrupt) << reader.error().message;
}

TEST_F(TrailKinds, AFileThatIsNotSqliteIsCorrupt) {
  test::write_all(other, std::string(8192, 'x'));
  auto opened = Store::open(other);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::corrupt) << opened.error().message;
  auto reader = TrailReader::open(other);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().kind, ErrorKind::corrupt) << reader.error().message;
}

TEST_F(TrailKinds, ATruncatedTrailIsCorrupt) {
  record_some(6, 300);
  store->database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  store.reset();
  std::filesystem::resize_file(db_path, std::filesystem::file_size(db_path) / 2);
  std::filesystem::remove(db_path.string() + "-wal");
  std::filesystem::remove(db_path.string() + "-shm");
  // Where the damage shows depends on the pages a call reads: at open, or when the chain is walked.
  auto opened = Store::open(db_path);
  const Error error = opened ? opened->verify().error() : opened.error();
  EXPECT_EQ(error.kind, ErrorKind::corrupt) << error.message;
}

TEST_F(TrailKinds, AReaderOfAMissingTrailIsNotFoundAndCreatesNothing) {
  auto reader = TrailReader::open(tmp / "absent.db");
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().kind, ErrorKind::not_found) << reader.error().message;
  EXPECT_FALSE(std::filesystem::exists(tmp / "absent.db"));
}

TEST_F(TrailKinds, AStoreInAMissingFolderIsNotFound) {
  auto opened = Store::open(tmp / "no/such/dir/trail.db");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::not_found) << opened.error().message;
}

TEST_F(TrailKinds, AWriterHeldOffPastItsTimeoutIsBusy) {
  record_some(1, 3);
  SQLite::Database holder(db_path.string(), SQLite::OPEN_READWRITE);
  holder.exec("BEGIN IMMEDIATE");
  auto second = Store::open(db_path, StoreOptions{.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(second) << second.error().message;
  auto pruned = second->prune(PruneOptions{.cut_us = 1});
  ASSERT_FALSE(pruned);
  EXPECT_EQ(pruned.error().kind, ErrorKind::busy) << pruned.error().message;
  holder.exec("ROLLBACK");
}

TEST_F(TrailKinds, QuestionsSayWhatIsMissingAndWhatWasMalformed) {
  record_some(1, 3);
  auto trail = TrailReader::open(db_path);
  ASSERT_TRUE(trail) << trail.error().message;
  EXPECT_EQ(trail->resolve_snapshot("99").error().kind, ErrorKind::not_found);
  EXPECT_EQ(trail->resolve_snapshot("no-such-tag").error().kind, ErrorKind::not_found);
  EXPECT_EQ(trail->resolve_snapshot("last~x").error().kind, ErrorKind::bad_input);
  EXPECT_EQ(query_timeline(*trail, 99'999, std::nullopt).error().kind, ErrorKind::not_found);
  auto regex = query_reachable(*trail, 1, "(unclosed");
  ASSERT_FALSE(regex);
  EXPECT_EQ(regex.error().kind, ErrorKind::bad_input) << regex.error().message;
  EXPECT_TRUE(query_reachable(*trail, 1, ".")) << "a good pattern after a bad one is not blamed";
  EXPECT_EQ(trail->run_sql("SELEC 1").error().kind, ErrorKind::bad_input);
  EXPECT_EQ(trail->run_sql("DELETE FROM snapshots").error().kind, ErrorKind::bad_input);
  EXPECT_EQ(trail->run_sql("SELECT 1; SELECT 2").error().kind, ErrorKind::bad_input);
  EXPECT_EQ(trail->run_sql("SELECT 'x' REGEXP '(unclosed'").error().kind, ErrorKind::bad_input);
  EXPECT_EQ(query_containers(*trail, 1, ContainerFilter{.label = "novalue"}).error().kind, ErrorKind::bad_input);
}

// ---- the CLI's one exit-code scheme ----

TEST(ExitCodes, BadInputIsAUsageErrorAndEveryOtherKindAFailure) {
  for (ErrorKind kind : kEveryKind) {
    const int expected = kind == ErrorKind::bad_input ? cli::exit_code::usage : cli::exit_code::failed;
    EXPECT_EQ(cli::exit_code_for(Error{"x", kind}), expected) << error_kind_name(kind);
  }
  EXPECT_EQ(cli::exit_code::usage, 2);
  EXPECT_EQ(cli::exit_code::failed, 1);
  EXPECT_EQ(cli::exit_code::some_survived, 3);
  EXPECT_EQ(cli::exit_code::could_not_run, 125);
}

TEST(ExitCodes, TheHelpFooterAndTheManPageListTheSameCodes) {
  auto cli = cli::make_cli();
  const std::string help = cli->app.help();
  const std::string page = cli::man_page(cli->app);
  const size_t section = page.find("\n.SH EXIT STATUS\n");
  ASSERT_NE(section, std::string::npos);
  EXPECT_NE(help.find("Exit status:\n"), std::string::npos) << help;
  for (const auto& [code, meaning] : cli::exit_code_meanings()) {
    EXPECT_NE(help.find("\n  " + std::string(code) + " "), std::string::npos) << code;
    EXPECT_NE(page.find(".TP\n" + std::string(code) + "\n", section), std::string::npos) << code;
  }
  EXPECT_EQ(cli->command("snap")->help().find("Exit status:"), std::string::npos) << "the footer is the top level's";
}

}  // namespace
}  // namespace proctrail
