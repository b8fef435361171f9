// The collector aimed at fixture /proc trees.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>

#include "proctrail/procfs.hpp"
#include "recorder/collect/procfs_parse.hpp"
#include "tests/support/fake_proc.hpp"

namespace proctrail {
namespace {

using test::FakeProc;
using test::FakeProcess;

const ProcessSample* find(const ProcessTable& table, pid_t pid) {
  auto it = std::find_if(table.processes.begin(), table.processes.end(), [&](const auto& p) { return p.key.pid == pid; });
  return it == table.processes.end() ? nullptr : &*it;
}

class CollectorFixture : public ::testing::Test {
 protected:
  test::TempDir tmp;
  FakeProc proc{tmp.path()};
  ProcfsCollector collector() { return ProcfsCollector(ProcfsOptions{.proc_root = tmp.path(), .machine_id_path = tmp / "machine-id"}); }
};

TEST_F(CollectorFixture, ReadsHostFacts) {
  test::write_all(tmp / "machine-id", "deadbeef\n");
  auto host = collector().read_host();
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(host->boot_id, "0f6e5bd6-1111-2222-3333-444455556666");
  EXPECT_EQ(host->hostname, "fixture-host");
  EXPECT_EQ(host->kernel, "6.1.0-fixture #1 SMP");
  EXPECT_EQ(host->boot_time, 1795488708);
  EXPECT_EQ(host->machine_id, "deadbeef");
  EXPECT_GT(host->clock_ticks, 0);
}

TEST_F(CollectorFixture, MissingBootIdIsAClearError) {
  std::filesystem::remove(tmp / "sys/kernel/random/boot_id");
  auto host = collector().read_host();
  ASSERT_FALSE(host);
  EXPECT_NE(host.error().message.find("boot_id"), std::string::npos);
}

TEST_F(CollectorFixture, ReadsEveryFieldOfAProcess) {
  proc.add(FakeProcess{.pid = 1, .ppid = 0, .comm = "init", .start_ticks = 5, .argv = {"/sbin/init"}, .exe = "/sbin/init", .uid = 0});
  proc.add(FakeProcess{.pid = 300, .ppid = 1, .comm = "node", .start_ticks = 4000, .rss_pages = 1000, .threads = 11,
                       .argv = {"node", "/srv/mcp-server/dist/index.js", "--name", "a b"}, .exe = "/usr/bin/node",
                       .cwd = "/srv", .uid = 1000, .cgroup = "0::/user.slice/app.scope\n"});
  auto table = collector().collect();
  ASSERT_TRUE(table) << table.error().message;
  ASSERT_EQ(table->processes.size(), 2u);
  const auto* node = find(*table, 300);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->key.start_ticks, 4000u);
  EXPECT_EQ(node->ppid, 1);
  ASSERT_TRUE(node->parent);
  EXPECT_EQ(*node->parent, (ProcessKey{1, 5}));
  EXPECT_EQ(node->comm, "node");
  EXPECT_EQ(node->argv, "node /srv/mcp-server/dist/index.js --name 'a b'");
  EXPECT_EQ(node->exe, "/usr/bin/node");
  EXPECT_EQ(node->cwd, "/srv");
  EXPECT_EQ(node->uid, 1000u);
  EXPECT_EQ(node->threads, 11);
  EXPECT_EQ(node->rss_kb, 1000 * (::sysconf(_SC_PAGESIZE) / 1024));
  EXPECT_EQ(node->cgroup, "/user.slice/app.scope");
  EXPECT_EQ(node->pid_ns, 4026531836u);
  EXPECT_EQ(node->pgid, 300);
  EXPECT_EQ(node->tty_nr, 34816);
  EXPECT_FALSE(node->is_kernel_thread);
}

TEST_F(CollectorFixture, KernelThreadsAreFlaggedAndNotReadFurther) {
  proc.add(FakeProcess{.pid = 2, .ppid = 0, .comm = "kthreadd", .start_ticks = 1, .flags = kPfKthread, .argv = {}});
  auto table = collector().collect();
  ASSERT_TRUE(table);
  const auto* kthread = find(*table, 2);
  ASSERT_NE(kthread, nullptr);
  EXPECT_TRUE(kthread->is_kernel_thread);
  EXPECT_FALSE(kthread->argv);
  EXPECT_FALSE(kthread->exe);
  EXPECT_FALSE(kthread->parent);  // ppid 0: no parent
}

TEST_F(CollectorFixture, MalformedStatIsSkippedAndListedAsUnparsed) {
  proc.add(FakeProcess{.pid = 10, .start_ticks = 10});
  proc.write("11/stat", "11 (broken S 1 2\n");
  auto table = collector().collect();
  ASSERT_TRUE(table);
  EXPECT_EQ(table->processes.size(), 1u);
  EXPECT_EQ(table->unparsed_pids, std::vector<pid_t>{11});
  EXPECT_EQ(table->vanished, 0);
}

TEST_F(CollectorFixture, ProcessGoneBeforeStatIsCountedAsVanished) {
  proc.add(FakeProcess{.pid = 10, .start_ticks = 10});
  std::filesystem::create_directories(tmp / "12");  // directory listed, stat already gone (ENOENT)
  auto table = collector().collect();
  ASSERT_TRUE(table);
  EXPECT_EQ(table->processes.size(), 1u);
  EXPECT_EQ(table->vanished, 1);
  EXPECT_TRUE(table->unparsed_pids.empty());
}

TEST_F(CollectorFixture, UnreadableOptionalFilesAreUnknownNotErrors) {
  proc.add(FakeProcess{.pid = 20, .start_ticks = 20});
  std::filesystem::remove(tmp / "20/exe");
  std::filesystem::remove(tmp / "20/status");
  std::filesystem::remove(tmp / "20/cgroup");
  std::filesystem::remove(tmp / "20/cmdline");
  auto table = collector().collect();
  ASSERT_TRUE(table);
  const auto* p = find(*table, 20);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->exe);
  EXPECT_FALSE(p->uid);
  EXPECT_FALSE(p->cgroup);
  EXPECT_FALSE(p->argv);
  EXPECT_EQ(p->cwd, "/");
}

// A ppid whose current holder started after the child is a reused pid, not the parent.
TEST_F(CollectorFixture, ParentThatStartedLaterIsNotRecordedAsParent) {
  proc.add(FakeProcess{.pid = 50, .ppid = 40, .start_ticks = 100});
  proc.add(FakeProcess{.pid = 40, .ppid = 1, .start_ticks = 900});
  auto table = collector().collect();
  ASSERT_TRUE(table);
  const auto* child = find(*table, 50);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->ppid, 40);
  EXPECT_FALSE(child->parent);
}

TEST_F(CollectorFixture, ExcludesTheRecorderItself) {
  proc.add(FakeProcess{.pid = 60, .start_ticks = 60});
  proc.add(FakeProcess{.pid = 61, .start_ticks = 61});
  ProcfsCollector excluding(ProcfsOptions{.proc_root = tmp.path(), .exclude_pid = 61});
  auto table = excluding.collect();
  ASSERT_TRUE(table);
  ASSERT_EQ(table->processes.size(), 1u);
  EXPECT_EQ(table->processes[0].key.pid, 60);
  EXPECT_EQ(table->excluded, (ProcessKey{61, 61}));
}

TEST_F(CollectorFixture, NonNumericEntriesAreIgnored) {
  proc.add(FakeProcess{.pid = 70, .start_ticks = 70});
  std::filesystem::create_directories(tmp / "self");
  std::filesystem::create_directories(tmp / "12ab");
  auto table = collector().collect();
  ASSERT_TRUE(table);
  EXPECT_EQ(table->processes.size(), 1u);
  EXPECT_EQ(table->vanished, 0);
}

TEST_F(CollectorFixture, ReadsDescriptorsWithKindInodeAndMode) {
  proc.add(FakeProcess{.pid = 80, .start_ticks = 80});
  test::write_all(tmp / "data.txt", "x");
  proc.add_fd(80, 0, "pipe:[5001]", "pos:\t0\nflags:\t00\nmnt_id:\t14\nino:\t5001\n");
  proc.add_fd(80, 1, "pipe:[5002]", "pos:\t0\nflags:\t01\nmnt_id:\t14\nino:\t5002\n");
  proc.add_fd(80, 3, "socket:[6001]", "pos:\t0\nflags:\t02000002\nmnt_id:\t10\nino:\t6001\n");
  proc.add_fd(80, 4, (tmp / "data.txt").string(), "pos:\t1\nflags:\t0100002\nmnt_id:\t30\nino:\t1\n");
  proc.add_fd(80, 5, "anon_inode:[eventfd]", "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\n");
  auto table = collector().collect();
  ASSERT_TRUE(table) << table.error().message;
  const auto* p = find(*table, 80);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->fds);
  ASSERT_EQ(p->fds->size(), 5u);
  const auto& fds = *p->fds;
  EXPECT_EQ(fds[0].kind, "pipe");
  EXPECT_EQ(fds[0].inode, 5001u);
  EXPECT_EQ(fds[0].mode, "r");
  EXPECT_FALSE(fds[0].target);
  EXPECT_EQ(fds[1].mode, "w");
  EXPECT_EQ(fds[2].kind, "socket");
  EXPECT_EQ(fds[2].mode, "rw");
  EXPECT_EQ(fds[3].kind, "file");
  EXPECT_EQ(fds[3].target, (tmp / "data.txt").string());
  struct stat file_info {};
  ASSERT_EQ(::stat((tmp / "data.txt").c_str(), &file_info), 0);
  EXPECT_EQ(fds[3].inode, file_info.st_ino);  // from the stat, not fdinfo's "ino: 1"
  EXPECT_EQ(fds[3].dev, file_info.st_dev);
  EXPECT_EQ(fds[4].kind, "anon");
  EXPECT_EQ(fds[4].target, "anon_inode:[eventfd]");
  EXPECT_EQ(fds[4].inode, 1057u);
}

// Collects once and returns the hints a store would keep from that read.
CollectHints hints_from(const ProcessTable& table) {
  CollectHints hints;
  for (const auto& process : table.processes) {
    if (process.run_signature) hints.run_signatures[process.key] = *process.run_signature;
  }
  return hints;
}

TEST_F(CollectorFixture, IdleSingleThreadedProcessIsCarriedUntilItsSwitchCountMoves) {
  FakeProcess idle{.pid = 82, .start_ticks = 82};
  proc.add(idle);
  proc.add_fd(82, 0, "pipe:[5001]", "pos:\t0\nflags:\t00\n");
  auto first = collector().collect();
  ASSERT_TRUE(first);
  auto hints = hints_from(*first);
  ASSERT_EQ(hints.run_signatures.size(), 1u);

  auto again = collector().collect(hints);
  ASSERT_TRUE(again);
  EXPECT_TRUE(find(*again, 82)->fds_carried);
  EXPECT_FALSE(find(*again, 82)->fds);

  idle.voluntary_switches += 1;  // it ran and slept again
  proc.write("82/status", test::status_text(idle));
  auto after_run = collector().collect(hints);
  ASSERT_TRUE(after_run);
  EXPECT_FALSE(find(*after_run, 82)->fds_carried);
  ASSERT_TRUE(find(*after_run, 82)->fds);
  EXPECT_EQ(find(*after_run, 82)->fds->size(), 1u);
}

// The pcount-only signature missed this: a thread on a CPU while it was read can go on to change
// its descriptors and sleep without being switched in again. A running process gets no signature.
TEST_F(CollectorFixture, ProcessOnACpuWhenReadIsNeverCarried) {
  FakeProcess running{.pid = 83, .state = 'R', .start_ticks = 83};
  proc.add(running);
  proc.add_fd(83, 0, "pipe:[5001]", "pos:\t0\nflags:\t00\n");
  auto first = collector().collect();
  ASSERT_TRUE(first);
  EXPECT_FALSE(find(*first, 83)->run_signature);
  CollectHints stale;
  stale.run_signatures[find(*first, 83)->key] = 0;
  auto again = collector().collect(stale);
  ASSERT_TRUE(again);
  EXPECT_FALSE(find(*again, 83)->fds_carried);
  EXPECT_TRUE(find(*again, 83)->fds);
}

TEST_F(CollectorFixture, ThreadThatRanWithoutBeingSwitchedInAgainChangesTheSignature) {
  proc.add(FakeProcess{.pid = 84, .start_ticks = 84, .threads = 2});
  proc.write("84/task/84/schedstat", "1000 5 7\n");
  proc.write("84/task/85/schedstat", "2000 5 9\n");
  auto first = collector().collect();
  ASSERT_TRUE(first);
  ASSERT_TRUE(find(*first, 84)->run_signature);
  proc.write("84/task/85/schedstat", "2600 5 9\n");  // same pcount, more time on a CPU
  auto second = collector().collect();
  ASSERT_TRUE(second);
  ASSERT_TRUE(find(*second, 84)->run_signature);
  EXPECT_NE(*find(*first, 84)->run_signature, *find(*second, 84)->run_signature);
}

TEST_F(CollectorFixture, UnreadableFdDirectoryIsUnknownNotEmpty) {
  proc.add(FakeProcess{.pid = 81, .start_ticks = 81});  // no fd directory at all
  auto table = collector().collect();
  ASSERT_TRUE(table);
  const auto* p = find(*table, 81);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->fds);
}

TEST(Collector, MissingProcRootIsAClearError) {
  ProcfsCollector collector(ProcfsOptions{.proc_root = "/nonexistent/proc"});
  auto table = collector.collect();
  ASSERT_FALSE(table);
  EXPECT_NE(table.error().message.find("/nonexistent/proc"), std::string::npos);
}

TEST(Collector, ReadsTheRealProcAndFindsItself) {
  ProcfsCollector collector;
  auto table = collector.collect();
  ASSERT_TRUE(table) << table.error().message;
  const auto* self = find(*table, ::getpid());
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->ppid, ::getppid());
  ASSERT_TRUE(self->argv);
  EXPECT_NE(self->argv->find("proctrail_unit"), std::string::npos);
  EXPECT_TRUE(self->exe);
}

}  // namespace
}  // namespace proctrail
