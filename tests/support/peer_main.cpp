// proctrail_test_peer: a real process holding sockets for the integration tests. Prints one line
// when ready, then sleeps until killed (by the test, by its pid).
//   tcp-listen             listen on 127.0.0.1, print the port, accept and keep connections
//   tcp-connect PORT       connect to 127.0.0.1:PORT, print "connected"
//   unix-listen PATH       listen on PATH, print "listening", accept and keep connections
//   unix-connect PATH      connect to PATH, print "connected"
//   socketpair             socketpair(); a forked child keeps one end; print the child's pid
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
  std::perror(what);
  std::exit(1);
}

void ready(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

[[noreturn]] void accept_forever(int listener) {
  std::vector<int> kept;
  while (true) {
    int connection = ::accept(listener, nullptr, nullptr);
    if (connection >= 0) kept.push_back(connection);
  }
}

sockaddr_un unix_address(const char* path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path, sizeof address.sun_path - 1);
  return address;
}

}  // namespace

int main(int argc, char** argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test that started us
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "tcp-listen") {
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind");
    if (::listen(listener, 16) != 0) fail("listen");
    socklen_t size = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
    ready(std::to_string(ntohs(address.sin_port)));
    accept_forever(listener);
  }
  if (mode == "tcp-connect" && argc > 2) {
    int sock = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
    if (::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("connect");
    ready("connected");
    while (true) ::pause();
  }
  if (mode == "unix-listen" && argc > 2) {
    int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
    auto address = unix_address(argv[2]);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind");
    if (::listen(listener, 16) != 0) fail("listen");
    ready("listening");
    accept_forever(listener);
  }
  if (mode == "unix-connect" && argc > 2) {
    int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
    auto address = unix_address(argv[2]);
    if (::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("connect");
    ready("connected");
    while (true) ::pause();
  }
  if (mode == "socketpair") {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) fail("socketpair");
    pid_t child = ::fork();
    if (child == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::close(pair[0]);
      while (true) ::pause();
    }
    ::close(pair[1]);
    ready(std::to_string(child));
    while (true) ::pause();
  }
  std::fprintf(stderr, "usage: proctrail_test_peer tcp-listen|tcp-connect PORT|unix-listen PATH|unix-connect PATH|socketpair\n");
  return 2;
}
