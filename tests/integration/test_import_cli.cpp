// `proctrail import` run as a user runs it: the fixtures of tests/fixtures/import, then questions
// asked of the imported snapshot, and a round trip through this machine's own ps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

const std::string kBinary = PROCTRAIL_BIN;
const std::filesystem::path kFixtures = PROCTRAIL_IMPORT_FIXTURES;

using RunResult = test::Ran;

RunResult run(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), kBinary);
  return test::run_captured(args, "", std::move(env));
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  return parts;
}

std::vector<std::string> tokens(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream stream(line);
  for (std::string token; stream >> token;) out.push_back(token);
  return out;
}

// `query groups --format json` as (started → instances, rss_kb).
std::map<std::string, std::pair<int64_t, int64_t>> groups_of(const std::string& json_text) {
  std::map<std::string, std::pair<int64_t, int64_t>> groups;
  for (const auto& row : nlohmann::json::parse(json_text)) {
    groups[row["started"].get<std::string>()] = {row["instances"].get<int64_t>(), row["rss_kb"].get<int64_t>()};
  }
  return groups;
}

class Import : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::string db = (tmp / "trail.db").string();
  // In UTC unless `zone` says otherwise: ps times are read in the importing machine's zone by default.
  RunResult import(const std::string& kind, const std::filesystem::path& file, std::vector<std::string> extra = {},
                   const std::string& zone = "UTC") {
    std::vector<std::string> args = {"--db", db, "import", kind, file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args, {"TZ=" + zone});
  }
  RunResult ask(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db});
    return run(args);
  }
};

const std::vector<std::string> kTakenAt = {"--taken-at", "2026-11-24T15:00:00Z"};

// The seed's pipeline: `grep mcp-server | awk '{print $9}' | sort | uniq -c` with RSS ($6) summed.
std::map<std::string, std::pair<int64_t, int64_t>> hand_count_macos(const std::string& text) {
  std::map<std::string, std::pair<int64_t, int64_t>> by_started;
  for (const auto& line : split(text, '\n')) {
    if (line.find("mcp-server") == std::string::npos) continue;
    auto fields = tokens(line);
    auto& group = by_started[fields.at(8)];
    ++group.first;
    group.second += std::stoll(fields.at(5));
  }
  return by_started;
}

TEST_F(Import, MacosPsAuxOf94ServersAnswersGroupsLikeTheAwkPipeline) {
  const auto file = kFixtures / "macos_ps_aux.txt";
  RunResult r = import("ps", file, kTakenAt);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "imported 98 processes from " + file.string() +
                       " (ps aux (macOS), 100 lines: 98 taken, 2 skipped) as snapshot 1\n");
  EXPECT_NE(r.err.find(file.string() + ":75: skipped: PID is not a number: 'kvm_getprocs:'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file.string() + ":101: skipped: PID is not a number: '6200x'"), std::string::npos) << r.err;

  auto groups = ask({"query", "groups", "--match", "mcp-server", "--snapshot", "1", "--format", "json"});
  ASSERT_EQ(groups.code, 0) << groups.err;
  auto hand = hand_count_macos(test::read_all(file));
  ASSERT_EQ(hand.size(), 3u);
  const std::map<std::string, std::pair<int64_t, int64_t>> expected = {
      {"2026-11-22T09:00Z", hand.at("Sun09AM")}, {"2026-11-23T11:00Z", hand.at("Mon11AM")}, {"2026-11-24T09:00Z", hand.at("9:15AM")}};
  EXPECT_EQ(groups_of(groups.out), expected) << groups.out;
  EXPECT_EQ(hand.at("Sun09AM").first + hand.at("Mon11AM").first + hand.at("9:15AM").first, 94);

  auto memory = ask({"query", "memory", "--format", "json"});
  ASSERT_EQ(memory.code, 0) << memory.err;
  auto top = nlohmann::json::parse(memory.out).at(0);
  EXPECT_EQ(top["instances"], 94);
  EXPECT_NE(top["argv"].get<std::string>().find("mcp-server-filesystem"), std::string::npos);
  auto snapshots = ask({"snapshots", "--format", "json"});
  ASSERT_EQ(snapshots.code, 0) << snapshots.err;
  auto listed = nlohmann::json::parse(snapshots.out).at(0);
  EXPECT_EQ(listed["trigger"], "import");
  EXPECT_EQ(listed["taken_at"], "2026-11-24T15:00:00Z");
  EXPECT_EQ(listed["processes_seen"], 98);
  auto verify = ask({"verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
}

TEST_F(Import, EveryFixtureImportsWithItsLayoutRecognised) {
  const std::vector<std::tuple<std::string, std::string, std::string, int>> cases = {
      {"ps", "procps_ps_aux.txt", "ps aux (procps)", 7},
      {"ps", "procps_ps_ef.txt", "ps -ef", 5},
      {"ps", "procps_ps_eo_lstart.txt", "ps -eo pid,ppid,user,started,elapsed,rss,vsz,stat,command", 4},
      {"ps", "macos_ps_ef.txt", "ps -ef", 4},
      {"lsof", "lsof_linux.txt", "lsof -F", 2},
      {"lsof", "lsof_macos.txt", "lsof -F", 1},
  };
  for (const auto& [kind, name, format, processes] : cases) {
    RunResult r = import(kind, kFixtures / name, {"--taken-at", "2026-11-24T15:00:00Z", "--format", "json", "--host", "box"});
    ASSERT_EQ(r.code, 0) << name << ": " << r.err;
    auto json = nlohmann::json::parse(r.out);
    EXPECT_EQ(json["format"], format) << name;
    EXPECT_EQ(json["processes"], processes) << name;
  }
  EXPECT_EQ(ask({"verify"}).code, 0);
  // The long argv is kept whole.
  auto long_argv = ask({"sql", "SELECT length(argv) AS n FROM processes WHERE pid = 2001", "--format", "csv"});
  ASSERT_EQ(long_argv.code, 0) << long_argv.err;
  EXPECT_GT(std::stoi(split(long_argv.out, '\n').at(1)), 4096);
}

TEST_F(Import, LinuxLsofAnswersPeersAndHolders) {
  RunResult r = import("lsof", kFixtures / "lsof_linux.txt", kTakenAt);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 2 processes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("with 8 descriptors and 4 sockets"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("skipped: p is not a pid: 'NaN'"), std::string::npos) << r.err;
  auto peers = ask({"query", "peers", "--pid", "20007", "--format", "json"});
  ASSERT_EQ(peers.code, 0) << peers.err;
  EXPECT_NE(peers.out.find("20010"), std::string::npos) << peers.out;
  auto holders = ask({"query", "holders", "--inode", "8349931", "--format", "json"});
  ASSERT_EQ(holders.code, 0) << holders.err;
  EXPECT_EQ(nlohmann::json::parse(holders.out).size(), 2u) << holders.out;
}

TEST_F(Import, TheSameFileTwiceIsRefused) {
  ASSERT_EQ(import("ps", kFixtures / "procps_ps_ef.txt", kTakenAt).code, 0);
  RunResult again = import("ps", kFixtures / "procps_ps_ef.txt", kTakenAt);
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "proctrail: " + (kFixtures / "procps_ps_ef.txt").string() + " was already imported as snapshot 1\n");
}

TEST_F(Import, UnreadableUnrecognisedOrEmptyFilesFailWithAClearMessage) {
  RunResult missing = import("ps", tmp / "absent.txt");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("absent.txt: No such file or directory"), std::string::npos) << missing.err;
  test::write_all(tmp / "ls.txt", "total 0\n-rw-r--r-- 1 root root 0 Nov 24 09:12 x\n");
  RunResult not_ps = import("ps", tmp / "ls.txt");
  EXPECT_EQ(not_ps.code, 1);
  EXPECT_EQ(not_ps.err, "proctrail: " + (tmp / "ls.txt").string() + ": not ps output (no PID column in the header line)\n");
  test::write_all(tmp / "header.txt", "  PID CMD\n  abc nothing\n");
  RunResult nothing = import("ps", tmp / "header.txt");
  EXPECT_EQ(nothing.code, 1);
  EXPECT_NE(nothing.err.find("no process could be read"), std::string::npos) << nothing.err;
  EXPECT_FALSE(std::filesystem::exists(db) && ask({"snapshots", "--format", "csv"}).out.find("import") != std::string::npos);
}

TEST_F(Import, AnImportBetweenTwoSnapsIsAskedByItsSnapshotId) {
  ASSERT_EQ(ask({"snap", "--no-descriptors", "--no-containers"}).code, 0);
  ASSERT_EQ(import("ps", kFixtures / "macos_ps_aux.txt", kTakenAt).code, 0);
  auto second = ask({"snap", "--no-descriptors", "--no-containers"});
  ASSERT_EQ(second.code, 0) << second.err;
  auto groups = ask({"query", "groups", "--match", "mcp-server", "--snapshot", "2", "--format", "json"});
  ASSERT_EQ(groups.code, 0) << groups.err;
  EXPECT_EQ(groups_of(groups.out).size(), 3u) << groups.out;
  EXPECT_EQ(ask({"verify"}).code, 0);
}

// Issue 22: after an import, `last` (the default snapshot) meant the imported file, and spawn-rate
// counted the file's processes with the machine's own. Live answers now leave an import out until it
// is named by --host (or --snapshot), and an import without descriptors is never called unreachable.
TEST_F(Import, LiveAnswersLeaveAnImportOutUntilItsHostIsNamed) {
  ASSERT_EQ(ask({"snap", "--no-descriptors", "--no-containers"}).code, 0);
  auto live_rate = ask({"query", "spawn-rate", "--per", "day", "--format", "json"});
  ASSERT_EQ(live_rate.code, 0) << live_rate.err;
  std::vector<std::string> options = kTakenAt;
  options.insert(options.end(), {"--host", "laptop"});
  ASSERT_EQ(import("ps", kFixtures / "macos_ps_aux.txt", options).code, 0);

  EXPECT_EQ(ask({"query", "spawn-rate", "--per", "day", "--format", "json"}).out, live_rate.out)
      << "the import's processes are not counted among the machine's";
  auto laptop_rate = ask({"query", "spawn-rate", "--per", "day", "--host", "laptop", "--format", "json"});
  ASSERT_EQ(laptop_rate.code, 0) << laptop_rate.err;
  EXPECT_NE(laptop_rate.out.find("mcp-server"), std::string::npos) << laptop_rate.out;

  auto live_groups = ask({"query", "groups", "--match", "/Users/alice/.npm/_npx/mcp-server", "--format", "json"});
  ASSERT_EQ(live_groups.code, 0) << live_groups.err;
  EXPECT_EQ(groups_of(live_groups.out).size(), 0u) << "last is the live snapshot, not the import: " << live_groups.out;
  auto laptop_groups = ask({"query", "groups", "--match", "/Users/alice/.npm/_npx/mcp-server", "--host", "laptop", "--format", "json"});
  EXPECT_EQ(groups_of(laptop_groups.out).size(), 3u) << laptop_groups.out;

  auto reachable = ask({"query", "reachable", "--match", "/Users/alice/.npm/_npx/mcp-server", "--host", "laptop", "--format", "json"});
  ASSERT_EQ(reachable.code, 0) << reachable.err;
  const auto verdicts = nlohmann::json::parse(reachable.out);
  ASSERT_FALSE(verdicts.empty());
  for (const auto& row : verdicts) EXPECT_EQ(row["verdict"], "unknown") << "ps recorded no descriptors: " << row;

  auto nowhere = ask({"query", "orphans", "--host", "no-such-host"});
  EXPECT_EQ(nowhere.code, 1);
  EXPECT_NE(nowhere.err.find("for --host no-such-host, has no such snapshot"), std::string::npos) << nowhere.err;
}

// "Tue Nov 24 09:12:01 2026" → "2026-11-24T09:00Z".
std::string hour_of_lstart(const std::vector<std::string>& lstart) {
  static const std::map<std::string, std::string> kMonths = {
      {"Jan", "01"}, {"Feb", "02"}, {"Mar", "03"}, {"Apr", "04"}, {"May", "05"}, {"Jun", "06"},
      {"Jul", "07"}, {"Aug", "08"}, {"Sep", "09"}, {"Oct", "10"}, {"Nov", "11"}, {"Dec", "12"}};
  std::string day = lstart.at(2).size() == 1 ? "0" + lstart.at(2) : lstart.at(2);
  return lstart.at(4) + "-" + kMonths.at(lstart.at(1)) + "-" + day + "T" + lstart.at(3).substr(0, 2) + ":00Z";
}

TEST_F(Import, RoundTripThroughThisMachinesPs) {
  const auto file = tmp / "ps.txt";
  const std::string command =
      "TZ=UTC ps -eo pid,ppid,user,lstart,etime,rss,vsz,stat,args > '" + file.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::map<std::string, std::pair<int64_t, int64_t>> hand;
  int64_t lines = 0;
  for (const auto& line : split(test::read_all(file), '\n')) {
    auto fields = tokens(line);
    if (fields.size() < 12 || fields[0] == "PID") continue;
    ++lines;
    auto& group = hand[hour_of_lstart({fields.begin() + 3, fields.begin() + 8})];
    ++group.first;
    group.second += std::stoll(fields[9]);
  }
  ASSERT_GT(lines, 1);
  RunResult r = import("ps", file);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("imported " + std::to_string(lines) + " processes"), std::string::npos) << r.out;
  auto groups = ask({"query", "groups", "--match", ".", "--format", "json"});
  ASSERT_EQ(groups.code, 0) << groups.err;
  EXPECT_EQ(groups_of(groups.out), hand) << groups.out;
}

// The same processes listed by ps in UTC and at UTC+05:30 (a POSIX TZ string: no tzdata needed).
TEST_F(Import, PsFromAMachineInAnotherZoneStartsAtTheSameUtcTimes) {
  const auto in_utc = tmp / "utc.txt";
  const auto in_india = tmp / "india.txt";
  const std::string columns = " ps -o pid,lstart,args -p 1 -p " + std::to_string(::getpid()) + " > '";
  ASSERT_EQ(std::system(("TZ=UTC" + columns + in_utc.string() + "'").c_str()), 0);
  ASSERT_EQ(std::system(("TZ=IST-5:30" + columns + in_india.string() + "'").c_str()), 0);
  ASSERT_NE(test::read_all(in_utc), test::read_all(in_india));  // the printed times differ

  RunResult utc = import("ps", in_utc, {"--taken-at", "1m", "--format", "json"});
  ASSERT_EQ(utc.code, 0) << utc.err;
  EXPECT_EQ(nlohmann::json::parse(utc.out)["utc_offset"], "+00:00") << utc.out;
  RunResult flagged = import("ps", in_india, {"--taken-at", "1m", "--utc-offset", "+05:30", "--format", "json"});
  ASSERT_EQ(flagged.code, 0) << flagged.err;
  EXPECT_EQ(nlohmann::json::parse(flagged.out)["utc_offset"], "+05:30") << flagged.out;
  const auto copy = tmp / "india-again.txt";  // the same bytes would be refused as imported already
  std::filesystem::copy_file(in_india, copy);
  { std::ofstream(copy, std::ios::app) << '\n'; }
  RunResult zoned = import("ps", copy, {"--taken-at", "1m"}, "IST-5:30");
  ASSERT_EQ(zoned.code, 0) << zoned.err;
  EXPECT_NE(zoned.out.find("local times read at UTC+05:30"), std::string::npos) << zoned.out;

  auto starts = ask({"sql",
                     "SELECT i.utc_offset_s AS zone_offset, (SELECT group_concat(pid || '@' || start_time_us, ' ')"
                     "   FROM (SELECT pid, start_time_us FROM processes WHERE first_seen = i.snapshot_id ORDER BY pid)) AS starts"
                     " FROM imports i ORDER BY i.import_id",
                     "--format", "json"});
  ASSERT_EQ(starts.code, 0) << starts.err;
  auto rows = nlohmann::json::parse(starts.out);
  ASSERT_EQ(rows.size(), 3u) << starts.out;
  EXPECT_EQ(rows[0]["zone_offset"], 0);
  EXPECT_EQ(rows[1]["zone_offset"], 19800);
  EXPECT_EQ(rows[2]["zone_offset"], 19800);
  EXPECT_EQ(rows[1]["starts"], rows[0]["starts"]) << starts.out;
  EXPECT_EQ(rows[2]["starts"], rows[0]["starts"]) << starts.out;
  EXPECT_EQ(ask({"verify"}).code, 0);
}

TEST_F(Import, ABadUtcOffsetIsOneLineAndImportsNothing) {
  RunResult r = import("ps", kFixtures / "procps_ps_aux.txt", {"--taken-at", "1m", "--utc-offset", "+25:00"});
  EXPECT_EQ(r.code, 2) << "a malformed option value is a usage error";
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_NE(r.err.find("--utc-offset"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db));
}

}  // namespace
}  // namespace proctrail
