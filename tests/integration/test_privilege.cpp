// Privilege guarantees, tried as an unprivileged user (uid/gid 65534 through setpriv) against the
// real binary and the real /proc: snap records what it may read and marks the rest unreadable
// without failing; cleanup leaves other users' processes alone; the trail and its log are private.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;

const std::string kBinary = PROCTRAIL_BIN;
constexpr uid_t kNobody = 65534;

using test::Ran;

// Runs proctrail as uid/gid 65534 with no supplementary groups.
Ran run_as_nobody(std::vector<std::string> args, const std::string& stdin_text = "") {
  std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_captured(argv, stdin_text);
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

class Privilege : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run proctrail as another user";
    if (std::system("command -v setpriv >/dev/null 2>&1") != 0) GTEST_SKIP() << "no setpriv";
    // nobody may pass through the temporary folder and write only in its own part of it.
    std::filesystem::permissions(tmp.path(), std::filesystem::perms(0711));
    std::filesystem::create_directory(home);
    ASSERT_EQ(::chown(home.c_str(), kNobody, kNobody), 0);
  }

  test::TempDir tmp;
  std::filesystem::path home = tmp / "nobody";
  std::filesystem::path state = home / "state";  // proctrail creates it
  std::filesystem::path db = state / "trail.db";
  std::string tag = std::to_string(std::random_device{}());
};

TEST_F(Privilege, NonRootSnapRecordsWhatItMayReadMarksTheRestUnreadableAndNeverFails) {
  Child own({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", "-c",
             "exec -a proctrail-test-own-" + tag + " sleep 1000"});
  ASSERT_TRUE(test::eventually([&] { return test::read_all("/proc/" + std::to_string(own.pid()) + "/cmdline")
                                                .starts_with("proctrail-test-own"); }));
  Ran ran = run_as_nobody({"--db", db.string(), "snap", "--tag", "as-nobody"});
  ASSERT_EQ(ran.code, 0) << ran.err;
  EXPECT_TRUE(ran.out.starts_with("snapshot 1: ")) << ran.out;

  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  EXPECT_GT(trail.execAndGet("SELECT fds_unreadable FROM snapshot_collections WHERE snapshot_id = 1").getInt64(), 0)
      << "root's processes' descriptors are not ours to read, and are counted as such";
  // pid 1 is recorded from what anyone may read (stat, cmdline), its private links left NULL.
  EXPECT_EQ(trail.execAndGet("SELECT count(*) FROM processes WHERE pid = 1 AND exe IS NULL AND cwd IS NULL").getInt64(), 1);
  // Our own process is recorded whole.
  SQLite::Statement mine(trail, "SELECT exe IS NOT NULL, cwd IS NOT NULL, uid FROM processes WHERE pid = ?1");
  mine.bind(1, own.pid());
  ASSERT_TRUE(mine.executeStep());
  EXPECT_EQ(mine.getColumn(0).getInt(), 1);
  EXPECT_EQ(mine.getColumn(1).getInt(), 1);
  EXPECT_EQ(mine.getColumn(2).getInt64(), kNobody);
  // Leak evidence: root's environments are not ours to read and are said to be unread, not guessed;
  // our own process's environment was read (it carries no marker, and nothing is unread).
  EXPECT_EQ(trail.execAndGet("SELECT unreadable FROM processes WHERE pid = 1").getString(), "environ");
  SQLite::Statement evidence(trail, "SELECT unreadable IS NULL FROM processes WHERE pid = ?1");
  evidence.bind(1, own.pid());
  ASSERT_TRUE(evidence.executeStep());
  EXPECT_EQ(evidence.getColumn(0).getInt(), 1);
  own.kill_and_wait();
}

TEST_F(Privilege, TheTrailItsFolderAndItsLogAreCreatedPrivateToTheirOwner) {
  Ran ran = run_as_nobody({"--db", db.string(), "snap", "--hook", "--wait"}, "{\"hook_event_name\":\"Stop\"}");
  ASSERT_EQ(ran.code, 0) << ran.err;
  EXPECT_EQ(mode_of(state), 0700u);
  EXPECT_EQ(mode_of(db), 0600u);
  EXPECT_EQ(mode_of(state / "proctrail.log"), 0600u);
  struct stat info {};
  ASSERT_EQ(::stat(db.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, kNobody);
}

TEST_F(Privilege, ATrailTheUserMayOnlyReadIsRefusedForWritingWithTheReasonAndLeftAsItWas) {
  const auto root_db = tmp / "root-trail.db";
  Child snap({kBinary, "--db", root_db.string(), "snap"}, {.pipe_stdout = true});
  snap.read_stdout();
  ASSERT_EQ(snap.wait(), 0);
  std::filesystem::permissions(root_db, std::filesystem::perms(0644));
  const std::string before = test::read_all(root_db);

  Ran write = run_as_nobody({"--db", root_db.string(), "snap"});
  EXPECT_NE(write.code, 0);
  EXPECT_EQ(write.err, "proctrail: opening " + root_db.string() + ": no permission to write " + root_db.string() +
                           " (owner uid 0, mode 0644; read-only to uid 65534)\n");
  // Reading needs the -wal and -shm the recorder keeps (0600, root's): named as the obstacle.
  Ran read = run_as_nobody({"--db", root_db.string(), "query", "leaks"});
  EXPECT_NE(read.code, 0);
  EXPECT_NE(read.err.find("no permission to use " + root_db.string() + "-wal"), std::string::npos) << read.err;
  EXPECT_EQ(std::count(read.err.begin(), read.err.end(), '\n'), 1) << read.err;
  EXPECT_EQ(test::read_all(root_db), before);
}

TEST_F(Privilege, NonRootCleanupLeavesAnotherUsersProcessAloneEvenWithAllUsers) {
  Child root_owned({"bash", "-c", "exec -a proctrail-test-root-" + tag + " sleep 1000"});
  ASSERT_TRUE(test::eventually([&] { return test::read_all("/proc/" + std::to_string(root_owned.pid()) + "/cmdline")
                                                .starts_with("proctrail-test-root"); }));
  for (const char* all_users : {"", "--all-users"}) {
    SCOPED_TRACE(all_users);
    std::vector<std::string> args = {"--db", db.string(), "cleanup", "--match", "^proctrail-test-root-" + tag, "--yes"};
    if (*all_users) args.push_back(all_users);
    Ran ran = run_as_nobody(args);
    EXPECT_NE(ran.out.find("belongs to uid 0"), std::string::npos) << ran.out << ran.err;
    EXPECT_EQ(::kill(root_owned.pid(), 0), 0) << "the root-owned process was signalled";
  }
  SQLite::Database trail(db.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(trail.execAndGet("SELECT group_concat(signal || ' ' || outcome, ', ') FROM cleanup_actions").getString(),
            "none protected, none protected")
      << "each run audits the declined target";
  root_owned.kill_and_wait();
}

}  // namespace
}  // namespace proctrail
