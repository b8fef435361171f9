// Descriptors and sockets of real processes, and the questions over them (issue 3). Every process
// is started here and killed here, by its pid; traffic stays on 127.0.0.1 and unix sockets.
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/query.hpp"
#include "proctrail/recorder.hpp"
#include "tests/support/answers.hpp"
#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;
using test::eventually;

const std::string kPeer = PROCTRAIL_TEST_PEER;

using test::column;

// Rows whose `key` column equals `value`, as a smaller table.
ResultTable rows_where(const ResultTable& table, const std::string& key, const std::string& value) {
  ResultTable out{table.columns, {}};
  auto keys = column(table, key);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == value) out.rows.push_back(table.rows[i]);
  }
  return out;
}

int64_t inode_of(int fd) {
  struct stat info {};
  ::fstat(fd, &info);
  return static_cast<int64_t>(info.st_ino);
}

int count_socket_fds(pid_t pid) {
  int sockets = 0;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ignored)) {
    std::error_code link_error;
    auto target = std::filesystem::read_symlink(entry.path(), link_error);
    if (!link_error && target.string().starts_with("socket:[")) ++sockets;
  }
  return sockets;
}

class Descriptors : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::optional<Store> store;
  ProcfsCollector collector;
  SocketCollector sockets;
  int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);

  void SetUp() override {
    auto opened = Store::open(tmp / "trail.db");
    ASSERT_TRUE(opened) << opened.error().message;
    store.emplace(std::move(opened.value()));
  }
  void TearDown() override { ::close(dev_null); }

  int64_t snap() {
    Recorder recorder(*store, collector, &sockets);
    auto summary = recorder.snapshot(SnapshotRequest{});
    EXPECT_TRUE(summary) << summary.error().message;
    EXPECT_TRUE(summary->sockets_source.starts_with("sock_diag")) << summary->sockets_source;
    return summary ? summary->snapshot_id : 0;
  }
  TrailReader reader() {
    auto trail = TrailReader::open(tmp / "trail.db");
    EXPECT_TRUE(trail) << trail.error().message;
    return std::move(trail.value());
  }
};

TEST_F(Descriptors, ParentWritingIntoChildStdinIsThePeerAtTheWriteEnd) {
  Child child({"sleep", "7771"}, {.pipe_stdin = true, .stdout_fd = dev_null});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists("/proc/" + std::to_string(child.pid()) + "/fd/0"); }));
  int64_t s = snap();
  auto trail = reader();
  auto peers = query_peers(trail, s, child.pid(), std::nullopt);
  ASSERT_TRUE(peers) << peers.error().message;
  auto stdin_rows = rows_where(*peers, "fd", "0");
  ASSERT_EQ(stdin_rows.rows.size(), 1u) << render_table(*peers);
  EXPECT_EQ(column(stdin_rows, "mode"), std::vector<std::string>{"r"});
  EXPECT_EQ(column(stdin_rows, "via"), std::vector<std::string>{"pipe"});
  EXPECT_EQ(column(stdin_rows, "peer_pid"), std::vector<std::string>{std::to_string(::getpid())});
  EXPECT_EQ(column(stdin_rows, "peer_mode"), std::vector<std::string>{"w"});
  child.kill_and_wait();
}

TEST_F(Descriptors, PipeInheritedByThreeProcessesListsAllHoldersWithTheirEnds) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  std::vector<std::unique_ptr<Child>> readers;
  for (int i = 0; i < 3; ++i) {
    readers.push_back(std::make_unique<Child>(std::vector<std::string>{"sleep", "7772"},
                                              test::SpawnOptions{.stdin_fd = pipe_fds[0], .stdout_fd = dev_null}));
  }
  for (auto& r : readers) {
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists("/proc/" + std::to_string(r->pid()) + "/fd/0"); }));
  }
  ::close(pipe_fds[0]);  // the test keeps only the write end
  int64_t s = snap();
  auto trail = reader();
  auto holders = query_holders(trail, s, inode_of(pipe_fds[1]));
  ASSERT_TRUE(holders) << holders.error().message;
  for (auto& r : readers) {
    auto mine = rows_where(*holders, "pid", std::to_string(r->pid()));
    EXPECT_EQ(column(mine, "mode"), std::vector<std::string>{"r"}) << render_table(*holders);
    EXPECT_EQ(column(mine, "fd"), std::vector<std::string>{"0"});
  }
  EXPECT_EQ(column(rows_where(*holders, "pid", std::to_string(::getpid())), "mode"), std::vector<std::string>{"w"});
  EXPECT_EQ(holders->rows.size(), 4u) << render_table(*holders);
  ::close(pipe_fds[1]);
  for (auto& r : readers) r->kill_and_wait();
}

TEST_F(Descriptors, SocketpairEndsArePeersAcrossProcesses) {
  Child pair({kPeer, "socketpair"}, {.pipe_stdout = true, .stdin_fd = dev_null});
  pid_t other = std::stoi(pair.read_line());
  int64_t s = snap();
  auto trail = reader();
  auto peers = query_peers(trail, s, pair.pid(), std::nullopt);
  ASSERT_TRUE(peers) << peers.error().message;
  auto unix_rows = rows_where(*peers, "via", "unix-peer");
  ASSERT_EQ(unix_rows.rows.size(), 1u) << render_table(*peers);
  EXPECT_EQ(column(unix_rows, "peer_pid"), std::vector<std::string>{std::to_string(other)});
  ::kill(other, SIGKILL);  // the helper's own child: started for this test, stopped by its pid
  pair.kill_and_wait();
}

TEST_F(Descriptors, TcpListenerWithOneClientIsListeningWithOneConnectionAndPeersPairTheEndpoints) {
  Child server({kPeer, "tcp-listen"}, {.pipe_stdout = true, .stdin_fd = dev_null});
  std::string port = server.read_line();
  server.close_stdout();  // nobody holds the far end of its stdout any more
  Child client({kPeer, "tcp-connect", port}, {.pipe_stdout = true, .stdin_fd = dev_null});
  ASSERT_EQ(client.read_line(), "connected");
  ASSERT_TRUE(eventually([&] { return count_socket_fds(server.pid()) == 2; }));  // listener + accepted
  int64_t s = snap();
  auto trail = reader();
  auto reachable = trail.select(
      "SELECT verdict, listening_sockets, connections FROM snapshot_reachability WHERE snapshot_id = ?1 AND pid = ?2",
      {s, static_cast<int64_t>(server.pid())});
  ASSERT_TRUE(reachable) << reachable.error().message;
  EXPECT_EQ(column(*reachable, "verdict"), std::vector<std::string>{"listening"}) << render_table(*reachable);
  EXPECT_EQ(column(*reachable, "listening_sockets"), std::vector<std::string>{"1"});
  EXPECT_EQ(column(*reachable, "connections"), std::vector<std::string>{"1"});

  auto peers = query_peers(trail, s, client.pid(), std::nullopt);
  ASSERT_TRUE(peers) << peers.error().message;
  auto tcp = rows_where(*peers, "via", "tcp-endpoint");
  EXPECT_EQ(column(tcp, "peer_pid"), std::vector<std::string>{std::to_string(server.pid())}) << render_table(*peers);
  client.kill_and_wait();
  server.kill_and_wait();
}

TEST_F(Descriptors, UnixServerAndClientArePeersAndTheServerListens) {
  const std::string path = (tmp / "server.sock").string();
  Child server({kPeer, "unix-listen", path}, {.pipe_stdout = true, .stdin_fd = dev_null});
  ASSERT_EQ(server.read_line(), "listening");
  server.close_stdout();
  Child client({kPeer, "unix-connect", path}, {.pipe_stdout = true, .stdin_fd = dev_null});
  ASSERT_EQ(client.read_line(), "connected");
  ASSERT_TRUE(eventually([&] { return count_socket_fds(server.pid()) == 2; }));
  int64_t s = snap();
  auto trail = reader();
  auto peers = query_peers(trail, s, client.pid(), std::nullopt);
  ASSERT_TRUE(peers) << peers.error().message;
  auto unix_rows = rows_where(*peers, "via", "unix-peer");
  EXPECT_EQ(column(unix_rows, "peer_pid"), std::vector<std::string>{std::to_string(server.pid())}) << render_table(*peers);
  auto reachable = query_reachable(trail, s, "unix-listen " + path);
  ASSERT_TRUE(reachable) << reachable.error().message;
  auto mine = rows_where(*reachable, "pid", std::to_string(server.pid()));
  EXPECT_EQ(column(mine, "verdict"), std::vector<std::string>{"listening"}) << render_table(*reachable);
  EXPECT_EQ(column(mine, "connections"), std::vector<std::string>{"1"});
  auto sockets_seen = trail.select("SELECT count(*) AS n FROM snapshot_sockets WHERE snapshot_id = ?1 AND path = ?2",
                                   {s, path});
  ASSERT_TRUE(sockets_seen);
  EXPECT_GE(column(*sockets_seen, "n"), std::vector<std::string>{"2"});
  client.kill_and_wait();
  server.kill_and_wait();
}

// A server in a network namespace of its own (as in a container) is invisible to sock_diag in ours:
// the recorder enters that namespace to read its sockets, so the client's peer is still named.
TEST_F(Descriptors, ServerInAnotherNetworkNamespaceIsStillThePeer) {
  if (::geteuid() != 0) GTEST_SKIP() << "entering another network namespace needs root";
  const std::string path = (tmp / "server.sock").string();
  Child server({"unshare", "--net", kPeer, "unix-listen", path}, {.pipe_stdout = true, .stdin_fd = dev_null});
  ASSERT_EQ(server.read_line(), "listening");
  server.close_stdout();
  Child client({kPeer, "unix-connect", path}, {.pipe_stdout = true, .stdin_fd = dev_null});
  ASSERT_EQ(client.read_line(), "connected");
  ASSERT_TRUE(eventually([&] { return count_socket_fds(server.pid()) == 2; }));
  const auto server_ns = std::filesystem::read_symlink("/proc/" + std::to_string(server.pid()) + "/ns/net").string();
  ASSERT_NE(server_ns, std::filesystem::read_symlink("/proc/self/ns/net").string());

  Recorder recorder(*store, collector, &sockets);
  auto summary = recorder.snapshot(SnapshotRequest{});
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_NE(summary->sockets_source.find("netns " + server_ns.substr(5, server_ns.size() - 6) + ": sock_diag"),
            std::string::npos)
      << summary->sockets_source;
  auto trail = reader();
  auto peers = query_peers(trail, summary->snapshot_id, client.pid(), std::nullopt);
  ASSERT_TRUE(peers) << peers.error().message;
  EXPECT_EQ(column(rows_where(*peers, "via", "unix-peer"), "peer_pid"), std::vector<std::string>{std::to_string(server.pid())})
      << render_table(*peers);
  auto reachable = query_reachable(trail, summary->snapshot_id, "unix-listen " + path);
  ASSERT_TRUE(reachable) << reachable.error().message;
  EXPECT_EQ(column(rows_where(*reachable, "pid", std::to_string(server.pid())), "verdict"),
            std::vector<std::string>{"listening"})
      << render_table(*reachable);
  client.kill_and_wait();
  server.kill_and_wait();
}

TEST_F(Descriptors, ChildIsUnreachableOnceTheWriterOfItsStdinExits) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  Child writer({"sleep", "7774"}, {.stdin_fd = dev_null, .stdout_fd = pipe_fds[1]});
  Child reader_child({"sleep", "7775"}, {.stdin_fd = pipe_fds[0], .stdout_fd = dev_null});
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ASSERT_TRUE(eventually([&] {
    std::ifstream in("/proc/" + std::to_string(reader_child.pid()) + "/cmdline");
    return std::string(std::istreambuf_iterator<char>(in), {}).starts_with("sleep");
  }));
  int64_t before = snap();
  auto verdict_of = [&](int64_t snapshot) {
    auto trail = reader();
    auto reachable = query_reachable(trail, snapshot, "^sleep 7775$");
    EXPECT_TRUE(reachable) << reachable.error().message;
    return column(rows_where(*reachable, "pid", std::to_string(reader_child.pid())), "verdict");
  };
  EXPECT_EQ(verdict_of(before), std::vector<std::string>{"connected"});
  writer.kill_and_wait();
  int64_t after = snap();
  EXPECT_EQ(verdict_of(after), std::vector<std::string>{"unreachable"});
  reader_child.kill_and_wait();
}

TEST_F(Descriptors, ClosedDescriptorIsClosedAndAProcessTakesItsDescriptorsWithIt) {
  Child child({"sleep", "7776"}, {.pipe_stdin = true, .stdout_fd = dev_null});
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists("/proc/" + std::to_string(child.pid()) + "/fd/0"); }));
  int64_t s1 = snap();
  child.kill_and_wait();
  int64_t s2 = snap();
  auto trail = reader();
  auto left = trail.select("SELECT count(*) AS n FROM fds f JOIN processes p USING (process_id)"
                           " WHERE p.pid = ?1 AND f.gone_by IS NULL",
                           {static_cast<int64_t>(child.pid())});
  ASSERT_TRUE(left);
  EXPECT_EQ(column(*left, "n"), std::vector<std::string>{"0"});
  auto closed = trail.select("SELECT DISTINCT f.gone_by AS gone FROM fds f JOIN processes p USING (process_id)"
                             " WHERE p.pid = ?1 AND f.first_seen = ?2",
                             {static_cast<int64_t>(child.pid()), s1});
  ASSERT_TRUE(closed);
  EXPECT_EQ(column(*closed, "gone"), std::vector<std::string>{std::to_string(s2)});
  auto verified = store->verify();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->first_bad_snapshot) << verified->problem;
}

}  // namespace
}  // namespace proctrail

namespace proctrail {
namespace {

// Issue 3 item 4: an idle process's descriptors are carried over unread; one that ran is re-read.
TEST(DescriptorCarryOver, IdleProcessIsCarriedAndOneThatOpenedADescriptorIsReRead) {
  test::TempDir tmp;
  auto store = Store::open(tmp / "trail.db");
  ASSERT_TRUE(store) << store.error().message;
  ProcfsCollector collector;
  Recorder recorder(*store, collector);
  int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  test::Child idle({"sleep", "7781"}, {.stdin_fd = dev_null, .stdout_fd = dev_null});
  test::Child opener({"sh", "-c", "read line; exec 7</dev/null; read line"}, {.pipe_stdin = true, .stdout_fd = dev_null});
  ASSERT_TRUE(test::eventually([&] {
    std::ifstream in("/proc/" + std::to_string(idle.pid()) + "/cmdline");
    return std::string(std::istreambuf_iterator<char>(in), {}).starts_with("sleep");
  }));
  ASSERT_TRUE(recorder.snapshot({}));
  opener.write_stdin("go\n");  // the shell runs and opens fd 7
  ASSERT_TRUE(test::eventually([&] { return std::filesystem::exists("/proc/" + std::to_string(opener.pid()) + "/fd/7"); }));
  auto second = recorder.snapshot({});
  ASSERT_TRUE(second) << second.error().message;

  auto& db = store->database();
  EXPECT_GT(db.execAndGet("SELECT fds_carried FROM snapshot_collections WHERE snapshot_id = " +
                          std::to_string(second->snapshot_id)).getInt64(), 0);
  auto fds_of = [&](pid_t pid) {
    return db.execAndGet("SELECT group_concat(fd) FROM (SELECT fd FROM snapshot_fds WHERE snapshot_id = " +
                         std::to_string(second->snapshot_id) + " AND pid = " + std::to_string(pid) + " ORDER BY fd)")
        .getString();
  };
  auto listing = [](pid_t pid) {  // what /proc says now, in the same form
    std::vector<int> numbers;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
      numbers.push_back(std::stoi(entry.path().filename().string()));
    }
    std::sort(numbers.begin(), numbers.end());
    std::string text;
    for (int n : numbers) {
      if (!text.empty()) text += ',';
      text += std::to_string(n);
    }
    return text;
  };
  EXPECT_EQ(fds_of(idle.pid()), listing(idle.pid()));  // carried over, still recorded as open
  EXPECT_EQ(fds_of(opener.pid()), listing(opener.pid()));  // it ran: re-read
  EXPECT_NE(("," + fds_of(opener.pid()) + ",").find(",7,"), std::string::npos);  // with its new descriptor
  opener.kill_and_wait();
  idle.kill_and_wait();
  ::close(dev_null);
}

}  // namespace
}  // namespace proctrail

namespace proctrail {
namespace {

// Issue 24 item 2: a process that has not run is carried only while its descriptor count is
// unchanged. Two processes share one descriptor table (clone CLONE_FILES, without CLONE_THREAD):
// the first sleeps in pause() and never runs again; the second, woken, opens a descriptor in the
// shared table. The sleeper's run signature is unchanged, its count is not: it must be re-read.
TEST(DescriptorCarryOver, SleeperWhoseSharedTableGainedADescriptorIsReRead) {
  struct stat own {};
  if (::stat("/proc/self/fd", &own) != 0 || own.st_size == 0) GTEST_SKIP() << "kernel < 6.2: no descriptor count";
  test::TempDir tmp;
  auto store = Store::open(tmp / "trail.db");
  ASSERT_TRUE(store) << store.error().message;
  ProcfsCollector collector;
  Recorder recorder(*store, collector);
  int go[2], ready[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t sleeper = ::fork();
  ASSERT_GE(sleeper, 0);
  if (sleeper == 0) {
    // The opener: a process of its own (own pid, own signal handling) on the sleeper's table.
    const long opener = ::syscall(SYS_clone, CLONE_FILES | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (opener < 0) ::_exit(1);
    if (opener == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      char byte = 0;
      if (::read(go[0], &byte, 1) != 1) ::_exit(1);
      if (::open("/dev/null", O_RDONLY) < 0) ::_exit(1);  // lands in the shared table
      if (::write(ready[1], &byte, 1) != 1) ::_exit(1);
      while (true) ::pause();
    }
    pid_t ids[1] = {static_cast<pid_t>(opener)};
    if (::write(ready[1], ids, sizeof ids) != sizeof ids) ::_exit(1);
    while (true) ::pause();
  }
  pid_t opener = 0;
  ASSERT_EQ(::read(ready[0], &opener, sizeof opener), static_cast<ssize_t>(sizeof opener));
  auto stopped = [&] {
    ::kill(opener, SIGKILL);
    ::kill(sleeper, SIGKILL);
    ::waitpid(sleeper, nullptr, 0);  // the opener is the sleeper's child: reaped by init once both die
    for (int fd : {go[0], go[1], ready[0], ready[1]}) ::close(fd);
  };
  auto state_of = [](pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto paren = text.rfind(')');
    return paren == std::string::npos || paren + 2 >= text.size() ? '?' : text[paren + 2];
  };
  ASSERT_TRUE(eventually([&] { return state_of(sleeper) == 'S' && state_of(opener) == 'S'; }));
  auto count_now = [&] {
    struct stat info {};
    ::stat(("/proc/" + std::to_string(sleeper) + "/fd").c_str(), &info);
    return info.st_size;
  };
  const auto before = count_now();
  ASSERT_TRUE(recorder.snapshot({}));
  char byte = 1;
  ASSERT_EQ(::write(go[1], &byte, 1), 1);
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(count_now(), before + 1);
  auto second = recorder.snapshot({});
  ASSERT_TRUE(second) << second.error().message;

  auto& db = store->database();
  auto fds_of = [&](pid_t pid) {
    return db.execAndGet("SELECT count(*) FROM snapshot_fds WHERE snapshot_id = " + std::to_string(second->snapshot_id) +
                         " AND pid = " + std::to_string(pid)).getInt64();
  };
  EXPECT_EQ(fds_of(sleeper), before + 1) << "the sleeper was carried with its old table";
  EXPECT_EQ(fds_of(opener), before + 1);
  stopped();
}

}  // namespace
}  // namespace proctrail
