#pragma once
// Real child processes for integration tests. Every child is stopped by the pid it got back:
// the destructor SIGKILLs and reaps it if the test did not.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace proctrail::test {

struct SpawnOptions {
  bool pipe_stdin = false;
  bool pipe_stdout = false;
  bool pipe_stderr = false;
  std::vector<std::string> env;  // extra NAME=VALUE entries
  int stdin_fd = -1;             // without pipe_stdin: this descriptor becomes the child's stdin
  int stdout_fd = -1;            // without pipe_stdout: this descriptor becomes the child's stdout
  int stderr_fd = -1;            // without pipe_stderr: this descriptor becomes the child's stderr
};

class Child {
 public:
  Child(const std::vector<std::string>& argv, SpawnOptions options = {}) {
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (options.pipe_stdin && ::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    if (options.pipe_stdout && ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    if (options.pipe_stderr && ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      if (options.pipe_stdin) ::dup2(in[0], 0);
      if (!options.pipe_stdin && options.stdin_fd >= 0) ::dup2(options.stdin_fd, 0);
      if (options.pipe_stdout) ::dup2(out[1], 1);
      if (!options.pipe_stdout && options.stdout_fd >= 0) ::dup2(options.stdout_fd, 1);
      if (options.pipe_stderr) ::dup2(err[1], 2);
      if (!options.pipe_stderr && options.stderr_fd >= 0) ::dup2(options.stderr_fd, 2);
      for (const auto& e : options.env) ::putenv(const_cast<char*>(e.c_str()));
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    if (options.pipe_stdin) {
      ::close(in[0]);
      stdin_fd_ = in[1];
    }
    if (options.pipe_stdout) {
      ::close(out[1]);
      stdout_fd_ = out[0];
    }
    if (options.pipe_stderr) {
      ::close(err[1]);
      stderr_fd_ = err[0];
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    close_stdin();
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    if (stderr_fd_ >= 0) ::close(stderr_fd_);
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }

  void write_stdin(const std::string& text) {
    if (::write(stdin_fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      throw std::runtime_error("write to child stdin");
    }
  }
  void close_stdout() {
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
  void close_stdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  // Reads stdout up to and including the first newline (or EOF).
  std::string read_line() {
    std::string line;
    char c;
    while (::read(stdout_fd_, &c, 1) == 1) {
      if (c == '\n') break;
      line += c;
    }
    return line;
  }
  static std::string read_fd_to_end(int fd) {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
    return text;
  }
  std::string read_stdout() { return read_fd_to_end(stdout_fd_); }
  std::string read_stderr() { return read_fd_to_end(stderr_fd_); }

  // Waits for exit; returns the exit code, or 128+signal.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Waits up to `limit`; returns -1 if still running.
  int wait_for(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  void kill_and_wait() {
    ::kill(pid_, SIGKILL);
    wait();
  }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  bool reaped_ = false;
};

// Runs a command to completion: its exit code and stdout (trailing newline removed).
struct CommandOutput {
  int status = -1;
  std::string out;
};
inline CommandOutput run_command(const std::vector<std::string>& argv) {
  Child child(argv, {.pipe_stdout = true});
  CommandOutput output;
  output.out = child.read_stdout();
  while (!output.out.empty() && output.out.back() == '\n') output.out.pop_back();
  output.status = child.wait();
  return output;
}

// Runs a command to completion with stdin fed `stdin_text` (then closed) and extra environment
// NAME=VALUE entries: its exit code, stdout and stderr.
struct Ran {
  int code = -1;
  std::string out, err;
};
inline Ran run_captured(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                        std::vector<std::string> env = {}) {
  Child child(argv, {.pipe_stdin = true, .pipe_stdout = true, .pipe_stderr = true, .env = std::move(env)});
  if (!stdin_text.empty()) child.write_stdin(stdin_text);
  child.close_stdin();
  Ran ran;
  ran.out = child.read_stdout();
  ran.err = child.read_stderr();
  ran.code = child.wait();
  return ran;
}

// Polls `predicate` until true or `limit` passes.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return predicate();
}

}  // namespace proctrail::test
