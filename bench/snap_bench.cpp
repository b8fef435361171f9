// Snapshot benchmark (issue 2): N real idle processes, each holding a pipe and a unix socket pair;
// paired rounds of `proctrail snap` (new database, first snapshot, steady), the floor reader and `ps`;
// then the storage
// cost of steady snapshots. Every child is started here and killed here, by its pid.
//
// usage: bench_snap PROCTRAIL FLOOR_READER [--processes 1000] [--rounds 21] [--steady 100] [--dir DIR]
//        [--descriptors [--inherit PIPES | --chain LEVELS]] [--evidence-cost] [--hold (start them, wait for stdin to close)]
// --descriptors also measures the bytes a steady snapshot adds (--steady of them) and ends with one
// line "ratios: first_floor=… repeated_first=… lsof_first=… steady_bytes=…" for bench/run-snap-bench.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "proctrail/store.hpp"

namespace {

// An empty trail, created and migrated through the library (untimed): the first snapshot then finds
// every process new. (`proctrail verify` no longer creates a trail it is pointed at: issue 22.)
void make_empty_trail(const std::string& path) {
  auto store = proctrail::Store::open(path);
  if (!store) {
    std::fprintf(stderr, "creating %s: %s\n", path.c_str(), store.error().message.c_str());
    std::exit(1);
  }
}


std::vector<pid_t> g_children;

void kill_children() {
  for (pid_t pid : g_children) ::kill(pid, SIGKILL);
  for (pid_t pid : g_children) ::waitpid(pid, nullptr, 0);  // chain members too: we are their subreaper
  g_children.clear();
}

// Issue 3's descriptor-heavy case as a chain: level 1 is our child, level i+1 the child of level i.
// Each level opens one pipe (both ends) and inherits every pipe above it, so level i holds 2i pipe
// descriptors plus stdio: 707 levels ≈ 500,000 descriptors. Each level reports its pid up a shared
// pipe; we are the chain's subreaper, so every level is killed and reaped by its pid.
void spawn_chain(int levels) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  int report[2];
  if (::pipe(report) != 0) std::exit(1);
  pid_t first = ::fork();
  if (first < 0) std::exit(1);
  if (first == 0) {
    ::close(report[0]);
    for (int level = 1;; ++level) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int pipe_fds[2];
      if (::pipe(pipe_fds) != 0) ::_exit(1);
      pid_t self = ::getpid();
      if (::write(report[1], &self, sizeof self) != sizeof self) ::_exit(1);
      if (level == levels) break;
      pid_t next = ::fork();
      if (next < 0) ::_exit(1);
      if (next > 0) break;  // this level stays; the child goes on down the chain
    }
    ::close(report[1]);
    while (true) ::pause();
  }
  ::close(report[1]);
  pid_t pid;
  while (::read(report[0], &pid, sizeof pid) == sizeof pid) {
    g_children.push_back(pid);
    if (static_cast<int>(g_children.size()) == levels) break;
  }
  ::close(report[0]);
  if (static_cast<int>(g_children.size()) != levels) {
    std::fprintf(stderr, "the chain stopped at level %zu\n", g_children.size());
    kill_children();
    std::exit(1);
  }
}

void on_signal(int) {
  kill_children();
  ::_exit(130);
}

// Each child: a pipe and a socketpair, then sleeps until killed (or until we die). With `inherit`
// > 0 the harness first opens that many pipes, which every child inherits (issue 3's descriptor-heavy
// case: 1,000 children x 500 inherited descriptors = 500,000).
void spawn_idle(int count, int inherit = 0) {
  for (int i = 0; i < inherit; ++i) {
    int shared[2];
    if (::pipe(shared) != 0) {
      std::perror("pipe (raise the descriptor limit?)");
      std::exit(1);
    }
  }
  int ready[2];
  if (::pipe(ready) != 0) std::exit(1);
  for (int i = 0; i < count; ++i) {
    pid_t pid = ::fork();
    if (pid < 0) {
      std::perror("fork");
      kill_children();
      std::exit(1);
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int pipe_fds[2], socket_fds[2];
      if (::pipe(pipe_fds) != 0 || ::socketpair(AF_UNIX, SOCK_STREAM, 0, socket_fds) != 0) ::_exit(1);
      char byte = 1;
      if (::write(ready[1], &byte, 1) != 1) ::_exit(1);
      while (true) ::pause();
    }
    g_children.push_back(pid);
  }
  ::close(ready[1]);
  char byte;
  for (int i = 0; i < count; ++i) {
    if (::read(ready[0], &byte, 1) != 1) {
      std::fprintf(stderr, "a child failed to start\n");
      kill_children();
      std::exit(1);
    }
  }
  ::close(ready[0]);
}

// Runs argv with stdout/stderr to /dev/null (stdin from `stdin_file` if given); returns wall milliseconds.
double timed_run(const std::vector<std::string>& argv, const std::string& stdin_file = "") {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    if (!stdin_file.empty()) ::dup2(::open(stdin_file.c_str(), O_RDONLY), 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto end = std::chrono::steady_clock::now();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "command failed: %s\n", argv[0].c_str());
    kill_children();
    std::exit(1);
  }
  return std::chrono::duration<double, std::milli>(end - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// One row of a results table: the command, then the median, min and max of its times.
void print_row(const char* name, const std::vector<double>& v) {
  std::printf("| %s | %.1f | %.1f | %.1f |\n", name, median(v), *std::min_element(v.begin(), v.end()),
              *std::max_element(v.begin(), v.end()));
}

int64_t db_bytes(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return db.execAndGet("PRAGMA page_count").getInt64() * db.execAndGet("PRAGMA page_size").getInt64();
}

// What `steady` snapshots of the unchanged machine add to a fresh trail (after `warm` snapshots),
// and the one row of totals `totals_sql` gives over it afterwards.
struct SteadyStorage {
  int64_t bytes = 0;
  std::vector<int64_t> totals;
};

SteadyStorage steady_storage(const std::vector<std::string>& snap_cmd, const std::string& db_path, int warm, int steady,
                             const char* totals_sql) {
  for (int i = 0; i < warm; ++i) timed_run(snap_cmd);
  const int64_t before = db_bytes(db_path);
  for (int i = 0; i < steady; ++i) timed_run(snap_cmd);
  SteadyStorage storage;
  storage.bytes = db_bytes(db_path) - before;
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, totals_sql);
  q.executeStep();
  for (int c = 0; c < q.getColumnCount(); ++c) storage.totals.push_back(q.getColumn(c).getInt64());
  return storage;
}

// Issue 3: snapshots with descriptors and sockets against the floor (--fds), lsof and ss.
int descriptor_rounds(const std::string& proctrail, const std::string& floor_reader, const std::string& dir,
                      int rounds, int processes, int inherit, int chain, int steady) {
  const std::string repeated_db = dir + "/repeated.db";
  const std::vector<std::string> floor_cmd = {floor_reader, "--fds"};
  const std::vector<std::string> lsof_cmd = {"lsof", "-n", "-P"};
  const std::vector<std::string> ss_cmd = {"ss", "-anp"};
  const std::vector<std::string> repeated_cmd = {proctrail, "--db", repeated_db, "snap"};
  timed_run(floor_cmd);
  timed_run(repeated_cmd);
  std::vector<double> floor_ms, first_ms, repeated_ms, lsof_ms, ss_ms, first_ratio, repeated_to_first, lsof_to_first;
  for (int round = 0; round < rounds; ++round) {
    const std::string first_db = dir + "/first-" + std::to_string(round) + ".db";
    make_empty_trail(first_db);
    std::vector<int> order = {0, 1, 2, 3, 4};
    std::rotate(order.begin(), order.begin() + round % 5, order.end());
    double f = 0, s1 = 0, s2 = 0, l = 0, ss = 0;
    for (int which : order) {
      if (which == 0) f = timed_run(floor_cmd);
      if (which == 1) s1 = timed_run({proctrail, "--db", first_db, "snap"});
      if (which == 2) s2 = timed_run(repeated_cmd);
      if (which == 3) l = timed_run(lsof_cmd);
      if (which == 4) ss = timed_run(ss_cmd);
    }
    floor_ms.push_back(f);
    first_ms.push_back(s1);
    repeated_ms.push_back(s2);
    lsof_ms.push_back(l);
    ss_ms.push_back(ss);
    first_ratio.push_back(s1 / f);
    repeated_to_first.push_back(s2 / s1);
    lsof_to_first.push_back(l / s1);
  }
  // Storage (issue 24: a steady snapshot of case (a) adds at most 1 KB): a fresh trail, two
  // snapshots (the second judges activity once), then `steady` snapshots of the unchanged machine.
  const auto storage = steady_storage({proctrail, "--db", dir + "/size.db", "snap"}, dir + "/size.db", 2, steady,
                                      "SELECT sum(fds_new), sum(fds_gone), sum(fds_carried) FROM snapshot_collections"
                                      " WHERE snapshot_id > 2");
  const int64_t fds_new = storage.totals[0], fds_gone = storage.totals[1], carried = storage.totals[2];
  kill_children();
  std::filesystem::remove_all(dir);
  if (chain > 0) {
    std::printf("a chain of %d processes, level i holding the 2i pipe descriptors of the levels above it"
                " (%lld in all, with stdio)\n",
                chain, static_cast<long long>(chain) * (chain + 1) + 3LL * chain);
  } else {
    std::printf("idle processes started: %d, each holding a pipe and a unix socketpair (7 descriptors with stdio)"
                " plus %d inherited descriptors\n",
                processes, 2 * inherit);
  }
  std::printf("paired rounds: %d (order rotated each round)\n\n", rounds);
  std::printf("| command | median ms | min ms | max ms |\n|---|---:|---:|---:|\n");
  print_row("floor --fds (links, fdinfo, /proc/net tables)", floor_ms);
  print_row("proctrail snap, first snapshot (empty trail)", first_ms);
  print_row("proctrail snap, repeated (idle machine)", repeated_ms);
  print_row("lsof -n -P", lsof_ms);
  print_row("ss -anp", ss_ms);
  std::printf("\nmedian of paired ratios: first / floor = %.2f; repeated / first = %.2f; lsof / first = %.2f\n",
              median(first_ratio), median(repeated_to_first), median(lsof_to_first));
  const double steady_bytes = steady > 0 ? static_cast<double>(storage.bytes) / steady : 0;
  std::printf("steady-state storage with descriptors: %lld bytes over %d snapshots = %.0f bytes per snapshot "
              "(%lld descriptors new, %lld gone, %lld process tables carried in total)\n",
              static_cast<long long>(storage.bytes), steady, steady_bytes, static_cast<long long>(fds_new),
              static_cast<long long>(fds_gone), static_cast<long long>(carried));
  // One line for bench/run-snap-bench to check.
  std::printf("ratios: first_floor=%.2f repeated_first=%.2f lsof_first=%.2f steady_bytes=%.0f\n", median(first_ratio),
              median(repeated_to_first), median(lsof_to_first), steady_bytes);
  return 0;
}

}  // namespace

// Issue 19: what the verdicts' evidence (session markers, I/O counts, smaps_rollup, activity rows)
// adds to a process snapshot, as paired ratios against the same binary with --no-leak-evidence.
int evidence_rounds(const std::string& proctrail, const std::string& dir, int rounds, int steady) {
  const std::string with_db = dir + "/steady-with.db", without_db = dir + "/steady-without.db";
  const std::vector<std::string> with_cmd = {proctrail, "--db", with_db, "snap", "--no-descriptors"};
  const std::vector<std::string> without_cmd = {proctrail, "--db", without_db, "snap", "--no-descriptors", "--no-leak-evidence"};
  timed_run(with_cmd);
  timed_run(without_cmd);
  std::vector<double> first_with, first_without, steady_with, steady_without, first_ratio, steady_ratio;
  for (int round = 0; round < rounds; ++round) {
    const std::string a = dir + "/first-with-" + std::to_string(round) + ".db";
    const std::string b = dir + "/first-without-" + std::to_string(round) + ".db";
    make_empty_trail(a);
    make_empty_trail(b);
    std::vector<int> order = {0, 1, 2, 3};
    std::rotate(order.begin(), order.begin() + round % 4, order.end());
    double fw = 0, fo = 0, sw = 0, so = 0;
    for (int which : order) {
      if (which == 0) fw = timed_run({proctrail, "--db", a, "snap", "--no-descriptors"});
      if (which == 1) fo = timed_run({proctrail, "--db", b, "snap", "--no-descriptors", "--no-leak-evidence"});
      if (which == 2) sw = timed_run(with_cmd);
      if (which == 3) so = timed_run(without_cmd);
    }
    first_with.push_back(fw);
    first_without.push_back(fo);
    steady_with.push_back(sw);
    steady_without.push_back(so);
    first_ratio.push_back(fw / fo);
    steady_ratio.push_back(sw / so);
  }
  const std::string size_db = dir + "/size.db";
  timed_run({proctrail, "--db", size_db, "snap", "--no-descriptors"});
  timed_run({proctrail, "--db", size_db, "snap", "--no-descriptors"});  // the second sight judges activity once
  const int64_t before = db_bytes(size_db);
  for (int i = 0; i < steady; ++i) timed_run({proctrail, "--db", size_db, "snap", "--no-descriptors"});
  const int64_t after = db_bytes(size_db);
  int64_t activity_rows = 0, memory_rows = 0;
  {
    SQLite::Database db(size_db, SQLite::OPEN_READONLY);
    activity_rows = db.execAndGet("SELECT count(*) FROM process_activity_changes WHERE snapshot_id > 2").getInt64();
    memory_rows = db.execAndGet("SELECT count(*) FROM process_memory_samples WHERE snapshot_id > 2").getInt64();
  }
  kill_children();
  std::filesystem::remove_all(dir);
  std::printf("paired rounds: %d (order rotated each round)\n\n", rounds);
  std::printf("| command | median ms | min ms | max ms |\n|---|---:|---:|---:|\n");
  print_row("snap, first snapshot, with leak evidence", first_with);
  print_row("snap, first snapshot, --no-leak-evidence", first_without);
  print_row("snap, steady, with leak evidence", steady_with);
  print_row("snap, steady, --no-leak-evidence", steady_without);
  std::printf("\nmedian of paired ratios with / without: first %.2f; steady %.2f\n", median(first_ratio),
              median(steady_ratio));
  std::printf("steady-state storage with evidence: %lld bytes over %d snapshots = %.0f bytes per snapshot "
              "(%lld activity rows, %lld memory samples)\n",
              static_cast<long long>(after - before), steady, static_cast<double>(after - before) / steady,
              static_cast<long long>(activity_rows), static_cast<long long>(memory_rows));
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_snap PROCTRAIL FLOOR_READER [--processes N] [--rounds R] [--steady S] [--dir DIR]\n");
    return 2;
  }
  std::string proctrail = argv[1], floor_reader = argv[2];
  int processes = 1000, rounds = 21, steady = 100;
  std::string dir = "/tmp/proctrail-bench";
  bool descriptors = false;
  bool evidence_cost = false;
  int inherit = 0;
  int chain = 0;
  bool hold = false;
  for (int i = 3; i < argc; ++i) {
    if (std::string(argv[i]) == "--descriptors") descriptors = true;
    if (std::string(argv[i]) == "--hold") hold = true;
    if (std::string(argv[i]) == "--evidence-cost") evidence_cost = true;
  }
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--descriptors" || flag == "--hold" || flag == "--evidence-cost") {
      --i;
      continue;
    }
    if (flag == "--processes") processes = std::stoi(argv[i + 1]);
    if (flag == "--rounds") rounds = std::stoi(argv[i + 1]);
    if (flag == "--steady") steady = std::stoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--inherit") inherit = std::stoi(argv[i + 1]);
    if (flag == "--chain") chain = std::stoi(argv[i + 1]);
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);

  if (chain > 0) {
    spawn_chain(chain);
  } else {
    spawn_idle(processes, inherit);
  }
  if (hold) {  // for profiling by hand: keep the idle processes until stdin closes
    std::printf("holding %d idle processes; close stdin to stop\n", processes);
    std::fflush(stdout);
    char byte;
    while (::read(STDIN_FILENO, &byte, 1) > 0) {
    }
    kill_children();
    return 0;
  }
  if (evidence_cost) return evidence_rounds(proctrail, dir, rounds, steady);
  if (descriptors) return descriptor_rounds(proctrail, floor_reader, dir, rounds, processes, inherit, chain, steady);
  const std::string steady_db = dir + "/steady.db";
  const std::vector<std::string> floor_cmd = {floor_reader};
  const std::vector<std::string> ps_cmd = {"ps", "-eo", "pid,ppid,lstart,rss,stat,args"};
  // Issue 2 measures process snapshots: descriptors and sockets (issue 3) are left out here.
  const std::vector<std::string> steady_cmd = {proctrail, "--db", steady_db, "snap", "--no-descriptors"};
  timed_run(floor_cmd);  // warm the caches and the page cache of the binaries
  timed_run(ps_cmd);
  timed_run(steady_cmd);  // steady.db now holds the first snapshot

  const std::string payload = dir + "/payload.json";
  {
    FILE* out = std::fopen(payload.c_str(), "w");
    std::fputs(R"({"session_id":"bench","transcript_path":"/tmp/t.jsonl","cwd":"/tmp","hook_event_name":"SessionStart"})", out);
    std::fclose(out);
  }
  const std::vector<std::string> hook_cmd = {proctrail, "--db", steady_db, "snap", "--hook", "--no-descriptors"};
  std::vector<double> floor_ms, created_ms, first_ms, steady_ms, hook_ms, ps_ms, created_ratio, first_ratio, steady_ratio;
  for (int round = 0; round < rounds; ++round) {
    // An empty trail (created and migrated, untimed) for the first snapshot: every process is new.
    const std::string first_db = dir + "/first-" + std::to_string(round) + ".db";
    make_empty_trail(first_db);
    // Rotate the order so no command always runs right after another.
    std::vector<int> order = {0, 1, 2, 3, 4, 5};
    std::rotate(order.begin(), order.begin() + round % 6, order.end());
    double f = 0, c = 0, s1 = 0, s2 = 0, p = 0, h = 0;
    for (int which : order) {
      if (which == 0) f = timed_run(floor_cmd);
      if (which == 1) c = timed_run({proctrail, "--db", dir + "/new-" + std::to_string(round) + ".db", "snap", "--no-descriptors"});
      if (which == 2) s1 = timed_run({proctrail, "--db", first_db, "snap", "--no-descriptors"});
      if (which == 3) s2 = timed_run(steady_cmd);
      if (which == 4) p = timed_run(ps_cmd);
      if (which == 5) h = timed_run(hook_cmd, payload);
    }
    hook_ms.push_back(h);
    floor_ms.push_back(f);
    created_ms.push_back(c);
    first_ms.push_back(s1);
    steady_ms.push_back(s2);
    ps_ms.push_back(p);
    created_ratio.push_back(c / f);
    first_ratio.push_back(s1 / f);
    steady_ratio.push_back(s2 / f);
  }

  // Storage: a fresh trail, one snapshot, then `steady` snapshots of the unchanged machine.
  const auto storage = steady_storage({proctrail, "--db", dir + "/size.db", "snap", "--no-descriptors"}, dir + "/size.db", 1,
                                      steady,
                                      "SELECT max(processes_seen), sum(processes_changed), sum(processes_new),"
                                      " sum(processes_gone) FROM snapshots WHERE snapshot_id > 1");
  const int64_t seen = storage.totals[0], changes = storage.totals[1], created = storage.totals[2], gone = storage.totals[3];
  kill_children();
  std::filesystem::remove_all(dir);

  std::printf("idle processes started: %d (each with a pipe and a unix socketpair); processes seen by snap: %lld\n",
              processes, static_cast<long long>(seen));
  std::printf("paired rounds: %d (order rotated each round)\n\n", rounds);
  std::printf("| command | median ms | min ms | max ms |\n|---|---:|---:|---:|\n");
  print_row("floor (raw read of the same /proc files)", floor_ms);
  print_row("proctrail snap, new database (create + migrate + first snapshot)", created_ms);
  print_row("proctrail snap, first snapshot (empty trail: every process new)", first_ms);
  print_row("proctrail snap, steady (nothing changed)", steady_ms);
  print_row("proctrail snap --hook (payload on stdin, steady)", hook_ms);
  print_row("ps -eo pid,ppid,lstart,rss,stat,args", ps_ms);
  std::printf("\nmedian of paired ratios to the floor: new database %.2f; first snapshot %.2f; steady %.2f; "
              "ps %.2f (ratio of medians)\n",
              median(created_ratio), median(first_ratio), median(steady_ratio), median(ps_ms) / median(floor_ms));
  std::printf("steady-state storage: %lld bytes over %d snapshots = %.0f bytes per snapshot "
              "(%lld change rows, %lld new, %lld gone in total)\n",
              static_cast<long long>(storage.bytes), steady, static_cast<double>(storage.bytes) / steady,
              static_cast<long long>(changes), static_cast<long long>(created), static_cast<long long>(gone));
  return 0;
}
