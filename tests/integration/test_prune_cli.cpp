// `proctrail prune` run as a user runs it, on a trail built through the library with snapshot times
// spread over the last two months (the binary cuts from the real clock).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include "proctrail/store.hpp"
#include "common/fs_util.hpp"
#include "tests/support/child.hpp"
#include "tests/support/history.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

const std::string kBinary = PROCTRAIL_BIN;
constexpr int64_t kDay = 86'400'000'000;

using RunResult = test::Ran;

RunResult run(std::vector<std::string> args) {
  args.insert(args.begin(), kBinary);
  return test::run_captured(args);
}

int64_t lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class PruneBinary : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::filesystem::path db = tmp / "trail.db";

  // One snapshot a day for `days` days up to now, each with `per_day` short-lived servers (closed by
  // the next snapshot) beside a long-lived init.
  void record_history(int days, int per_day) {
    auto store = Store::open(db);
    ASSERT_TRUE(store) << store.error().message;
    const int64_t now = fs::clock_us(CLOCK_REALTIME);
    const auto init = test::sample(1, 1, 0, "/sbin/init");
    for (int day = 0; day < days; ++day) {
      std::vector<ProcessSample> processes = {init};
      for (int i = 0; i < per_day; ++i) {
        const int pid = 1000 + day * per_day + i;
        processes.push_back(test::child_of(init, test::sample(pid, static_cast<uint64_t>(pid), 1,
            "node /home/user/.npm/_npx/0123456789abcdef/node_modules/mcp-server/dist/index.js --stdio")));
      }
      auto t = test::table(processes);
      t.started_at_us = t.ended_at_us = now - (days - 1 - day) * kDay - 60'000'000;
      SnapshotRequest request;
      request.requested_boottime_ns = t.started_boottime_ns;  // asked for as it began: never coalesced
      auto recorded = store->record(test::host(), request, [&](const CollectHints&) { return Result<ProcessTable>(t); });
      ASSERT_TRUE(recorded) << recorded.error().message;
    }
  }

  int64_t file_size() { return static_cast<int64_t>(std::filesystem::file_size(db)); }
};

TEST_F(PruneBinary, PruneWithVacuumShrinksTheFileAndTheTrailStillVerifies) {
  record_history(60, 150);
  const int64_t before = file_size();
  RunResult pruned = run({"--db", db.string(), "prune", "--older-than", "30d", "--vacuum"});
  ASSERT_EQ(pruned.code, 0) << pruned.err;
  EXPECT_EQ(lines(pruned.out), 1) << pruned.out;
  EXPECT_TRUE(pruned.out.starts_with("pruned ")) << pruned.out;
  EXPECT_NE(pruned.out.find("processes 4350"), std::string::npos) << pruned.out;  // servers closed by days 1-29
  EXPECT_NE(pruned.out.find("vacuum freed "), std::string::npos) << pruned.out;
  const int64_t after = file_size();
  EXPECT_LT(after, before * 3 / 4) << before << " → " << after;
  RecordProperty("bytes_before", std::to_string(before));
  RecordProperty("bytes_after", std::to_string(after));

  RunResult verified = run({"--db", db.string(), "verify"});
  EXPECT_EQ(verified.code, 0) << verified.err;
  EXPECT_NE(verified.out.find("verified 60 snapshots (30 checked link-only"), std::string::npos) << verified.out;

  RunResult again = run({"--db", db.string(), "prune", "--older-than", "30d"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(again.out.starts_with("nothing to prune: ")) << again.out;
  EXPECT_EQ(lines(again.out), 1);
}

TEST_F(PruneBinary, DryRunPrintsWhatWouldGoAndLeavesTheFileByteForByte) {
  record_history(40, 20);
  const std::string before = test::read_all(db);
  RunResult dry = run({"--db", db.string(), "prune", "--older-than", "30d", "--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_TRUE(dry.out.starts_with("dry run: would prune ")) << dry.out;
  EXPECT_NE(dry.out.find("processes 180"), std::string::npos) << dry.out;  // servers closed by days 1-9
  EXPECT_NE(dry.out.find("nothing was changed"), std::string::npos) << dry.out;
  EXPECT_EQ(test::read_all(db), before);
}

TEST_F(PruneBinary, JsonFormatGivesTheCountsAndTheVacuumAsOneObject) {
  record_history(40, 20);
  RunResult dry = run({"--db", db.string(), "prune", "--older-than", "30d", "--dry-run", "--format", "json"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_EQ(lines(dry.out), 1) << dry.out;
  const auto planned = nlohmann::json::parse(dry.out);
  EXPECT_EQ(planned["dry_run"], true);
  EXPECT_TRUE(planned["prune_id"].is_null());
  EXPECT_EQ(planned["deleted"]["processes"], 180) << dry.out;  // servers closed by days 1-9
  EXPECT_EQ(planned["deleted"]["events"], 0) << dry.out;        // every table, zeros included
  EXPECT_TRUE(planned["vacuum"].is_null());

  RunResult pruned = run({"--db", db.string(), "prune", "--older-than", "30d", "--vacuum", "--format", "json"});
  ASSERT_EQ(pruned.code, 0) << pruned.err;
  const auto done = nlohmann::json::parse(pruned.out);
  EXPECT_EQ(done["dry_run"], false);
  EXPECT_EQ(done["prune_id"], 1) << pruned.out;
  EXPECT_EQ(done["deleted"], planned["deleted"]);
  EXPECT_EQ(done["rows_deleted"], planned["rows_deleted"]);
  EXPECT_EQ(done["nothing_to_prune"], false);
  ASSERT_TRUE(done["vacuum"].is_object()) << pruned.out;
  EXPECT_EQ(done["vacuum"]["bytes_freed"].get<int64_t>(),
            done["vacuum"]["bytes_before"].get<int64_t>() - done["vacuum"]["bytes_after"].get<int64_t>());
  EXPECT_GT(done["vacuum"]["bytes_freed"].get<int64_t>(), 0) << pruned.out;

  RunResult again = run({"--db", db.string(), "prune", "--older-than", "30d", "--format", "json"});
  ASSERT_EQ(again.code, 0) << again.err;
  const auto nothing = nlohmann::json::parse(again.out);
  EXPECT_EQ(nothing["nothing_to_prune"], true);
  EXPECT_TRUE(nothing["prune_id"].is_null());
  EXPECT_EQ(nothing["rows_deleted"], 0);
}

TEST_F(PruneBinary, BadDurationsAreOneLineAndTouchNothing) {
  record_history(3, 2);
  const std::string before = test::read_all(db);
  for (const std::string bad : {"-3d", "3 parsecs", "0s"}) {
    RunResult r = run({"--db", db.string(), "prune", "--older-than=" + bad});  // "=": a leading '-' is a value
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("proctrail: --older-than: ")) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
  }
  EXPECT_EQ(test::read_all(db), before);
}

TEST_F(PruneBinary, ANewerOrForeignDatabaseIsRefusedUntouched) {
  record_history(3, 2);
  {
    SQLite::Database database(db.string(), SQLite::OPEN_READWRITE);
    database.exec("PRAGMA user_version = 999");
  }
  const std::string newer = test::read_all(db);
  RunResult r = run({"--db", db.string(), "prune", "--older-than", "1d"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("newer proctrail"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1);
  EXPECT_EQ(test::read_all(db), newer);

  auto foreign = tmp / "other.db";
  test::write_all(foreign, std::string(4096, 'z'));
  RunResult garbage = run({"--db", foreign.string(), "prune", "--older-than", "1d"});
  EXPECT_EQ(garbage.code, 1);
  EXPECT_NE(garbage.err.find("not a SQLite database"), std::string::npos) << garbage.err;
  EXPECT_EQ(test::read_all(foreign), std::string(4096, 'z'));
}

TEST_F(PruneBinary, AMissingTrailIsNotCreated) {
  RunResult r = run({"--db", db.string(), "prune", "--older-than", "1d"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no trail at"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db));
}

// As root the mode bits do not stop a write, so the binary runs as nobody (setpriv) on a file it may
// read but not write.
TEST_F(PruneBinary, AReadOnlyTrailIsRefusedWithOneLineAndLeftAlone) {
  record_history(40, 5);
  ::chmod(tmp.path().c_str(), 0755);
  ::chmod(db.c_str(), 0444);
  const std::string before = test::read_all(db);
  std::vector<std::string> args = {"--db", db.string(), "prune", "--older-than", "30d"};
  if (::geteuid() == 0) {
    if (!std::filesystem::exists("/usr/bin/setpriv")) GTEST_SKIP() << "root without setpriv: the file cannot be read-only";
    args.insert(args.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kBinary});
  } else {
    args.insert(args.begin(), kBinary);
  }
  test::Child child(args, {.pipe_stdin = true, .pipe_stdout = true, .pipe_stderr = true});
  child.close_stdin();
  RunResult r;
  r.out = child.read_stdout();
  r.err = child.read_stderr();
  r.code = child.wait();
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_all(db), before);
}

}  // namespace
}  // namespace proctrail
