// Issue 19: leak verdicts on a scenario with known truth. Starts real processes (leaked and healthy,
// each labelled with the verdict it should get), records them with `proctrail snap`, asks
// `proctrail query leaks`, and prints precision and recall per verdict. Every process it starts is
// killed by its pid at the end (orphans too: they are its own, reparented).
//
// usage: bench_verdicts PROCTRAIL [--dir DIR]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Started {
  pid_t pid = 0;
  int stdin_fd = -1;   // the write end this bench holds (-1: none)
  int stdout_fd = -1;  // the read end of its stdout (-1: none)
  std::string truth;   // the verdict it should get; "" for a healthy process
  std::string what;
};

std::vector<Started> g_started;
std::vector<pid_t> g_orphans;  // reparented away: killed by pid, awaited by /proc

// Starts argv with its stdin on a pipe this bench holds (or /dev/null) and stdout on a pipe (or /dev/null).
Started start(const std::vector<std::string>& argv, const std::string& truth, const std::string& what, bool hold_stdin,
              bool read_stdout, const std::vector<std::string>& env = {}) {
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  if (hold_stdin && ::pipe2(in, O_CLOEXEC) != 0) std::exit(2);
  if (read_stdout && ::pipe2(out, O_CLOEXEC) != 0) std::exit(2);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(hold_stdin ? in[0] : null_fd, 0);
    ::dup2(read_stdout ? out[1] : null_fd, 1);
    ::dup2(null_fd, 2);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  Started s{pid, -1, -1, truth, what};
  if (hold_stdin) {
    ::close(in[0]);
    s.stdin_fd = in[1];
  }
  if (read_stdout) {
    ::close(out[1]);
    s.stdout_fd = out[0];
  }
  return s;
}

std::string read_all(int fd) {
  std::string text;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  return text;
}

std::string read_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

// A client in its own session that starts `count` servers with its stdin and exits: orphans of a dead family.
std::vector<pid_t> orphans_of_a_dead_client(const std::string& server, int count) {
  std::string script = "exec 3<&0;";
  for (int i = 0; i < count; ++i) script += " " + server + " <&3 3<&- >/dev/null 2>&1 & echo $!;";
  Started client = start({"setsid", "sh", "-c", script}, "", "client", true, true);
  std::istringstream lines(read_all(client.stdout_fd));
  ::waitpid(client.pid, nullptr, 0);
  ::close(client.stdout_fd);
  std::vector<pid_t> pids;
  for (std::string line; std::getline(lines, line);) pids.push_back(static_cast<pid_t>(std::stol(line)));
  g_started.push_back({0, client.stdin_fd, -1, "", "client stdin"});  // keeps the servers' stdin open
  return pids;
}

std::string run(const std::vector<std::string>& argv, const std::string& input = "") {
  Started s = start(argv, "", "", true, true);
  if (!input.empty() && ::write(s.stdin_fd, input.data(), input.size()) < 0) std::perror("write");
  ::close(s.stdin_fd);
  std::string out = read_all(s.stdout_fd);
  ::close(s.stdout_fd);
  int status = 0;
  ::waitpid(s.pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::fprintf(stderr, "command failed: %s\n", argv[0].c_str());
  return out;
}

std::string state_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const size_t close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? "" : text.substr(close + 2, 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_verdicts PROCTRAIL [--dir DIR]\n");
    return 2;
  }
  const std::string proctrail = argv[1];
  std::string dir = "/tmp/proctrail-bench-verdicts";
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--dir") dir = argv[i + 1];
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = dir + "/trail.db";
  ::signal(SIGPIPE, SIG_IGN);

  // Leaked, with the verdict each should get.
  for (pid_t pid : orphans_of_a_dead_client("sleep 3901", 3)) g_orphans.push_back(pid), g_started.push_back({pid, -1, -1, "orphaned", "server of a client that exited"});
  for (pid_t pid : orphans_of_a_dead_client("sleep 3902", 2)) g_orphans.push_back(pid), g_started.push_back({pid, -1, -1, "orphaned", "server of another client that exited"});
  std::vector<Started> generations;
  for (int g = 0; g < 3; ++g) {
    if (g > 0) std::this_thread::sleep_for(std::chrono::milliseconds(600));  // a restart: a new start burst
    generations.push_back(start({"cat"}, g < 2 ? "abandoned" : "", g < 2 ? "older generation" : "newest generation", true, true));
  }
  for (int i = 0; i < 2; ++i) {
    g_started.push_back(start({"sleep", "3903"}, "outlived-session", "server of an ended session", true, false,
                              {"CLAUDE_CODE_SESSION_ID=bench-ended"}));
  }
  g_started.push_back(start({"sh", "-c", "while :; do :; done"}, "spinning", "spinning child", true, false));
  Started unreachable = start({"sleep", "3904"}, "unreachable", "stdin writer gone", true, false);
  ::close(unreachable.stdin_fd);
  unreachable.stdin_fd = -1;
  g_started.push_back(unreachable);

  // Healthy.
  std::vector<Started> pool;
  for (int i = 0; i < 3; ++i) pool.push_back(start({"cat"}, "", "worker of a pool started together", true, true));
  {
    std::string script = "sleep 3905 </dev/null >/dev/null 2>&1 & echo $!";
    Started client = start({"setsid", "sh", "-c", script}, "", "", false, true);
    const pid_t daemon = static_cast<pid_t>(std::stol(read_all(client.stdout_fd)));
    ::waitpid(client.pid, nullptr, 0);
    g_orphans.push_back(daemon);
    g_started.push_back({daemon, -1, -1, "", "daemon (stdin on /dev/null)"});
  }
  g_started.push_back(start({"sleep", "3906"}, "", "server of a live session", true, false, {"CLAUDE_CODE_SESSION_ID=bench-live"}));
  g_started.push_back(start({"sleep", "3907"}, "", "server of a session cleared (/clear)", true, false,
                            {"CLAUDE_CODE_SESSION_ID=bench-cleared"}));
  g_started.push_back(start({"sleep", "3908"}, "", "idle child its parent holds", true, false));
  for (auto& g : generations) g_started.push_back(g);
  for (auto& p : pool) g_started.push_back(p);

  auto talk = [](Started& s, const std::string& text) {
    if (::write(s.stdin_fd, (text + "\n").data(), text.size() + 1) < 0) std::perror("write");
    read_line(s.stdout_fd);
  };
  talk(generations.back(), "warm-up");
  for (auto& worker : pool) talk(worker, "warm-up");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let every start settle before the first sight
  run({proctrail, "--db", db, "snap"});
  talk(generations.back(), "tools/list");
  for (auto& worker : pool) talk(worker, "job");
  run({proctrail, "--db", db, "snap", "--hook", "--wait"},
      R"({"session_id":"bench-ended","hook_event_name":"SessionEnd","reason":"logout"})");
  run({proctrail, "--db", db, "snap", "--hook", "--wait"},
      R"({"session_id":"bench-cleared","hook_event_name":"SessionEnd","reason":"clear"})");
  // The spinner's read/write syscalls are known from its second run on: a third sight judges it.
  run({proctrail, "--db", db, "snap"});
  for (auto& worker : pool) talk(worker, "job");
  talk(generations.back(), "tools/call");
  run({proctrail, "--db", db, "snap"});
  const std::string answer =
      run({proctrail, "--db", db, "query", "leaks", "--idle-for", "0s", "--session-grace", "0s", "--format", "json"});

  std::map<pid_t, std::string> given;
  for (const auto& row : nlohmann::json::parse(answer)) {
    if (row["kind"] == "process") given[row["pid"].get<pid_t>()] = row["verdict"].get<std::string>();
  }
  const std::vector<std::string> verdicts = {"outlived-session", "orphaned", "abandoned", "spinning", "unreachable"};
  std::map<std::string, int> given_count, right, expected;
  int leaks = 0, healthy = 0, leaks_found = 0, healthy_flagged = 0;
  std::printf("| process | truth | verdict given |\n|---|---|---|\n");
  for (const auto& s : g_started) {
    if (s.pid == 0) continue;
    const auto it = given.find(s.pid);
    const std::string verdict = it == given.end() ? "" : it->second;
    std::printf("| %s (%d) | %s | %s |\n", s.what.c_str(), s.pid, s.truth.empty() ? "healthy" : s.truth.c_str(),
                verdict.empty() ? "-" : verdict.c_str());
    if (!s.truth.empty()) {
      ++leaks;
      ++expected[s.truth];
      if (!verdict.empty()) ++leaks_found;
    } else {
      ++healthy;
      if (!verdict.empty()) ++healthy_flagged;
    }
    if (!verdict.empty()) ++given_count[verdict];
    if (!verdict.empty() && verdict == s.truth) ++right[verdict];
  }
  std::printf("\n| verdict | expected | given | right | precision | recall |\n|---|--:|--:|--:|--:|--:|\n");
  for (const auto& v : verdicts) {
    const double precision = given_count[v] ? 100.0 * right[v] / given_count[v] : 100.0;
    const double recall = expected[v] ? 100.0 * right[v] / expected[v] : 100.0;
    std::printf("| %s | %d | %d | %d | %.0f %% | %.0f %% |\n", v.c_str(), expected[v], given_count[v], right[v], precision, recall);
  }
  std::printf("\nleaked processes: %d, given a verdict: %d (recall %.0f %%); healthy processes: %d, given a verdict: %d"
              " (precision %.0f %%)\n",
              leaks, leaks_found, 100.0 * leaks_found / leaks, healthy, healthy_flagged,
              100.0 * leaks_found / std::max(1, leaks_found + healthy_flagged));

  for (const auto& s : g_started) {
    if (s.stdin_fd >= 0) ::close(s.stdin_fd);
    if (s.stdout_fd >= 0) ::close(s.stdout_fd);
    if (s.pid > 0) ::kill(s.pid, SIGKILL);
  }
  for (const auto& s : g_started) {
    if (s.pid > 0) ::waitpid(s.pid, nullptr, WNOHANG);
  }
  while (::waitpid(-1, nullptr, 0) > 0) {
  }
  for (pid_t pid : g_orphans) {
    for (int i = 0; i < 500 && std::filesystem::exists("/proc/" + std::to_string(pid)) && state_of(pid) != "Z"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
