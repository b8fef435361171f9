// Store::record_import and migration 011: an imported table is one chained snapshot of its own host,
// live recording is not disturbed by it, and a schema-10 trail migrates with every hash intact.
#include <gtest/gtest.h>

#include <fstream>

#include <SQLiteCpp/SQLiteCpp.h>

#include "import/parse.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/import.hpp"
#include "proctrail/query.hpp"
#include "recorder/store/schema.hpp"
#include "tests/support/history.hpp"
#include "tests/support/rows.hpp"

namespace proctrail {
namespace {

using test::host;
using test::sample;
using test::table;

std::vector<std::string> rows(SQLite::Database& db, const std::string& sql) { return test::query_rows(db, sql); }

int64_t scalar(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt64(); }

const int64_t kTakenAt = *parse_time_bound("2026-11-24T15:00:00Z", 0);

const char* const kPsEo =
    "    PID    PPID USER                      STARTED RSS COMMAND\n"
    "      1       0 root     Tue Nov 24 09:12:01 2026 100 /sbin/init\n"
    "    500       1 alice    Tue Nov 24 13:05:00 2026 2048 node mcp-server/index.js --stdio\n"
    "    501       1 alice    Tue Nov 24 13:40:00 2026 4096 node mcp-server/index.js --stdio\n"
    "    502     500 alice    Tue Nov 24 14:10:00 2026 1024 node mcp-server/index.js --stdio\n"
    "    503     999 alice    Tue Nov 24 14:20:00 2026 512 sh -c true\n"
    "garbage\n";

ImportSource source_of(const std::string& sha, const std::string& kind = "ps") {
  return ImportSource{.source = kind, .file_name = "evidence.txt", .file_sha256 = sha, .file_bytes = 123,
                      .taken_at_us = kTakenAt, .taken_at_source = "--taken-at", .host_name = std::nullopt,
                      .tag = "incident-7"};
}

class ImportStore : public test::StoreFixture {
 protected:
  SQLite::Database& db() { return store->database(); }
  ImportSummary import_ps(const std::string& text, const std::string& sha) {
    auto parsed = parse_ps(text, kTakenAt);
    EXPECT_TRUE(parsed) << parsed.error().message;
    auto summary = store->record_import(*parsed, source_of(sha));
    EXPECT_TRUE(summary) << summary.error().message;
    return summary ? *summary : ImportSummary{};
  }
};

TEST_F(ImportStore, APsFileBecomesOneChainedSnapshotOfItsOwnHost) {
  auto summary = import_ps(kPsEo, "aa11");
  EXPECT_EQ(summary.processes, 5);
  const std::string s = std::to_string(summary.snapshot_id);
  EXPECT_EQ(rows(db(), "SELECT trigger, tag, processes_seen, processes_new, started_at_us FROM snapshots"),
            std::vector<std::string>{"import|incident-7|5|5|" + std::to_string(kTakenAt)});
  EXPECT_EQ(rows(db(), "SELECT boot_id, machine_id, hostname, kernel, boot_time, clock_ticks FROM hosts"),
            std::vector<std::string>{"import:aa11|NULL|evidence.txt|ps -eo pid,ppid,user,started,rss,command|0|100"});
  EXPECT_EQ(rows(db(), "SELECT p.pid, p.start_ticks, p.ppid, p.parent_pid, p.rss_kb, q.user_name, p.uid, p.state, q.start_precision_s,"
                       " p.age_s FROM snapshot_processes p JOIN processes q ON q.process_id = p.process_id WHERE p.snapshot_id = " + s +
                       " AND p.pid IN (500, 502, 503) ORDER BY p.pid"),
            (std::vector<std::string>{
                "500|" + std::to_string((kTakenAt / 1'000'000 - 6900) * 100) + "|1|1|2048|alice|NULL|NULL|1|6900",
                "502|" + std::to_string((kTakenAt / 1'000'000 - 3000) * 100) + "|500|500|1024|alice|NULL|NULL|1|3000",
                "503|" + std::to_string((kTakenAt / 1'000'000 - 2400) * 100) + "|999|NULL|512|alice|NULL|NULL|1|2400"}));
  EXPECT_EQ(rows(db(), "SELECT argv FROM processes WHERE pid = 500"),
            std::vector<std::string>{"node mcp-server/index.js --stdio"});
  EXPECT_EQ(rows(db(), "SELECT source, format, lines_read, lines_taken, lines_skipped FROM imports"),
            std::vector<std::string>{"ps|ps -eo pid,ppid,user,started,rss,command|6|5|1"});
  EXPECT_EQ(rows(db(), "SELECT line_number, reason FROM import_skipped_lines"),
            std::vector<std::string>{"7|PID is not a number: 'garbage'"});
  auto verified = store->verify();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact()) << verified->problem;
}

// Regression: an imported snapshot was not written to the head log, so deleting the newest snapshot
// went unnoticed when it was an import.
TEST_F(ImportStore, AnImportIsNamedInTheHeadLogAndDeletingItIsCaught) {
  const auto summary = import_ps(kPsEo, "aa11");
  std::ifstream log(db_path.string() + ".head");
  std::string last, line;
  while (std::getline(log, line)) last = line;
  EXPECT_EQ(last, "snapshot " + std::to_string(summary.snapshot_id) + " " + summary.hash_hex);
  db().exec("DELETE FROM import_skipped_lines; DELETE FROM imports; DELETE FROM processes; DELETE FROM spawn_counts;"
            " DELETE FROM snapshots");
  auto verified = store->verify();
  ASSERT_TRUE(verified && verified->head_problem);
  EXPECT_NE(verified->head_problem->find("says snapshot " + std::to_string(summary.snapshot_id) + " was committed"),
            std::string::npos) << *verified->head_problem;
}

TEST_F(ImportStore, GroupsAndMemoryAnswerFromTheImport) {
  auto summary = import_ps(kPsEo, "bb22");
  auto trail = TrailReader::open(db_path);
  ASSERT_TRUE(trail) << trail.error().message;
  auto groups = query_groups(*trail, summary.snapshot_id, "mcp-server", "hour", {});
  ASSERT_TRUE(groups) << groups.error().message;
  ASSERT_EQ(groups->rows.size(), 2u) << render_table(*groups);
  EXPECT_EQ(std::get<std::string>(groups->rows[0][0]), "2026-11-24T13:00Z");
  EXPECT_EQ(std::get<int64_t>(groups->rows[0][1]), 2);
  EXPECT_EQ(std::get<int64_t>(groups->rows[0][2]), 6144);
  EXPECT_EQ(std::get<int64_t>(groups->rows[1][1]), 1);
  auto memory = query_memory(*trail, summary.snapshot_id, "argv", std::nullopt, {});
  ASSERT_TRUE(memory) << memory.error().message;
  ASSERT_FALSE(memory->rows.empty()) << "an import's processes (state unknown) are not zombies";
  EXPECT_EQ(std::get<int64_t>(memory->rows[0][1]), 3);
}

TEST_F(ImportStore, ImportingTheSameFileTwiceIsRefusedNamingItsSnapshot) {
  auto first = import_ps(kPsEo, "cc33");
  auto parsed = parse_ps(kPsEo, kTakenAt);
  auto again = store->record_import(*parsed, source_of("cc33"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "evidence.txt was already imported as snapshot " + std::to_string(first.snapshot_id));
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM snapshots"), 1);
}

TEST_F(ImportStore, AnImportBetweenLiveSnapshotsNeitherClosesNorReopensLiveProcesses) {
  auto live = table({sample(1, 0, 0, "/sbin/init"), sample(500, 100, 1, "node mcp-server/index.js --stdio")});
  auto before = record(live);
  auto imported = import_ps(kPsEo, "dd44");
  auto after = record(table({sample(1, 0, 0, "/sbin/init"), sample(500, 100, 1, "node mcp-server/index.js --stdio")}));
  EXPECT_EQ(after.created, 0);
  EXPECT_EQ(after.gone, 0);
  EXPECT_EQ(rows(db(), "SELECT pid, first_seen, gone_by FROM snapshot_processes WHERE snapshot_id = " +
                           std::to_string(after.snapshot_id) + " ORDER BY pid"),
            (std::vector<std::string>{"1|" + std::to_string(before.snapshot_id) + "|NULL",
                                      "500|" + std::to_string(before.snapshot_id) + "|NULL"}));
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM snapshot_processes WHERE snapshot_id = " + std::to_string(imported.snapshot_id)), 5);
  // A live host without a machine id whose hostname is the import's: its reboot closes its own rows only.
  auto rebooted = record(table({sample(1, 0, 0, "/sbin/init")}), {},
                         HostInfo{.boot_id = "boot-2", .machine_id = std::nullopt, .hostname = "evidence.txt"});
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM processes p JOIN hosts h USING (host_id)"
                         " WHERE h.boot_id LIKE 'import:%' AND p.gone_by IS NOT NULL"), 0);
  EXPECT_GT(rebooted.snapshot_id, 0);
  auto verified = store->verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact()) << verified->problem;
}

TEST_F(ImportStore, LsofDescriptorsResolvePipePeersAndSocketHolders) {
  auto parsed = parse_lsof(
      "p100\nR1\ncwriter\nu1000\nLalice\nfcwd\ntDIR\nn/home/alice\n"
      "f1\naw\ntFIFO\nD0xf\ni777\nnpipe\n"
      "f3\nau\ntIPv4\nd4242\nPTCP\nn127.0.0.1:5000\nTST=LISTEN\n"
      "p101\nR1\ncreader\nu1000\n"
      "f0\nar\ntFIFO\nD0xf\ni777\nnpipe\n");
  ASSERT_TRUE(parsed) << parsed.error().message;
  auto summary = store->record_import(*parsed, source_of("ee55", "lsof"));
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->fds, 3);
  EXPECT_EQ(summary->sockets, 1);
  const std::string s = std::to_string(summary->snapshot_id);
  EXPECT_EQ(rows(db(), "SELECT pid, fd, via, peer_pid, peer_fd FROM snapshot_fd_peers WHERE snapshot_id = " + s + " ORDER BY pid"),
            (std::vector<std::string>{"100|1|pipe|101|0", "101|0|pipe|100|1"}));
  EXPECT_EQ(rows(db(), "SELECT local_port, state, pid, fd FROM snapshot_sockets WHERE snapshot_id = " + s),
            std::vector<std::string>{"5000|LISTEN|100|3"});
  EXPECT_EQ(rows(db(), "SELECT pid, comm, cwd, uid, user_name, argv, start_time_us FROM processes ORDER BY pid"),
            (std::vector<std::string>{"100|writer|/home/alice|1000|alice|NULL|NULL", "101|reader|NULL|1000|NULL|NULL|NULL"}));
  auto verified = store->verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact()) << verified->problem;
}

// The processes table as migrations 001 and 004 left it (schema 10), for the migration test.
constexpr const char* kSchema10Processes = R"sql(
CREATE TABLE processes_v10 (
  process_id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL REFERENCES hosts(host_id), pid INTEGER NOT NULL,
  start_ticks INTEGER NOT NULL, start_time_us INTEGER NOT NULL, parent_pid INTEGER, parent_start_ticks INTEGER,
  parent_process_id INTEGER REFERENCES processes(process_id), ppid INTEGER NOT NULL, state TEXT NOT NULL,
  comm TEXT NOT NULL, exe TEXT, argv TEXT, cwd TEXT, uid INTEGER, euid INTEGER, pgid INTEGER NOT NULL,
  sid INTEGER NOT NULL, tty_nr INTEGER NOT NULL, threads INTEGER NOT NULL, rss_kb INTEGER NOT NULL,
  utime_ticks INTEGER NOT NULL, stime_ticks INTEGER NOT NULL, cgroup TEXT, pid_ns INTEGER,
  is_kernel_thread INTEGER NOT NULL, first_seen INTEGER NOT NULL REFERENCES snapshots(snapshot_id),
  gone_by INTEGER REFERENCES snapshots(snapshot_id), container_id TEXT, container_runtime TEXT, container_source TEXT);
INSERT INTO processes_v10 SELECT process_id, host_id, pid, start_ticks, start_time_us, parent_pid, parent_start_ticks,
  parent_process_id, ppid, state, comm, exe, argv, cwd, uid, euid, pgid, sid, tty_nr, threads, rss_kb, utime_ticks,
  stime_ticks, cgroup, pid_ns, is_kernel_thread, first_seen, gone_by, container_id, container_runtime, container_source
  FROM processes;
DROP TABLE processes;
ALTER TABLE processes_v10 RENAME TO processes;
CREATE UNIQUE INDEX processes_identity ON processes(host_id, pid, start_ticks);
DROP TABLE import_skipped_lines;
DROP TABLE imports;
DROP INDEX spawn_counts_by_parent;
DROP TABLE pruned_event_ranges;
DROP TABLE pruned_snapshots;
DROP TABLE prunes;
DROP TABLE process_activity_changes;
DROP TABLE activity_scan_state;
DROP TABLE process_memory_samples;
ALTER TABLE process_usage_changes DROP COLUMN swap_kb;
ALTER TABLE snapshots DROP COLUMN hook_reason;
ALTER TABLE snapshots DROP COLUMN hook_client_pid;
ALTER TABLE snapshots DROP COLUMN hook_client_start_ticks;
DROP INDEX cleanup_actions_intent;
ALTER TABLE cleanup_actions DROP COLUMN intent_action_id;
ALTER TABLE cleanup_runs DROP COLUMN start_ticks;
ALTER TABLE cleanup_runs DROP COLUMN interrupted;
ALTER TABLE cleanup_runs DROP COLUMN recovered_at_us;
ALTER TABLE cleanup_runs DROP COLUMN prev_hash;
ALTER TABLE cleanup_runs DROP COLUMN hash;
ALTER TABLE cleanup_runs DROP COLUMN end_hash;
PRAGMA user_version = 10;
)sql";

TEST_F(ImportStore, ASchema10TrailMigratesWithItsRowsAndHashesIntact) {
  auto init = sample(1, 0, 0, "/sbin/init");
  auto shell = test::child_of(init, sample(200, 50, 1, "bash"));
  shell.fds = std::vector<FdSample>{{.fd = 0, .kind = "pipe", .inode = 77, .mode = "r"}};
  auto first = table({init, shell});
  first.fds_collected = true;
  record(first);
  record(table({init, sample(300, 90, 1, "sleep 100")}));
  const auto hashes_before = rows(db(), "SELECT snapshot_id, hex(hash) FROM snapshots ORDER BY snapshot_id");
  const std::string every_v10_column =
      "SELECT process_id, host_id, pid, start_ticks, start_time_us, parent_pid, parent_start_ticks, parent_process_id, ppid,"
      " state, comm, exe, argv, cwd, uid, euid, pgid, sid, tty_nr, threads, rss_kb, utime_ticks, stime_ticks, cgroup,"
      " pid_ns, is_kernel_thread, first_seen, gone_by, container_id, container_runtime, container_source"
      " FROM processes ORDER BY process_id";
  const auto processes_before = rows(db(), every_v10_column);
  store.reset();
  {
    SQLite::Database raw(db_path.string(), SQLite::OPEN_READWRITE);  // foreign keys off, as SQLite opens
    for (const auto& view : rows(raw, "SELECT name FROM sqlite_master WHERE type = 'view'")) raw.exec("DROP VIEW " + view);
    raw.exec(kSchema10Processes);
    ASSERT_EQ(scalar(raw, "SELECT \"notnull\" FROM pragma_table_info('processes') WHERE name = 'ppid'"), 1);
  }
  auto reopened = Store::open(db_path);
  ASSERT_TRUE(reopened) << reopened.error().message;
  store.emplace(std::move(reopened.value()));
  EXPECT_EQ(store->schema_version(), schema::latest_version());
  EXPECT_EQ(scalar(db(), "SELECT \"notnull\" FROM pragma_table_info('processes') WHERE name = 'ppid'"), 0);
  EXPECT_EQ(scalar(db(), "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(rows(db(), every_v10_column), processes_before);
  EXPECT_EQ(processes_before.size(), 3u);
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM fds"), 1);
  EXPECT_EQ(scalar(db(), "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'processes'"
                         " AND name LIKE 'processes_%'"), 8);
  EXPECT_EQ(rows(db(), "SELECT snapshot_id, hex(hash) FROM snapshots ORDER BY snapshot_id"), hashes_before);
  auto verified = store->verify();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact()) << verified->problem;
  EXPECT_EQ(verified->snapshots_checked, 2);
  record(table({init}));  // and it records on
}

}  // namespace
}  // namespace proctrail
