// Container membership from cgroup text, the Engine API's replies, and a daemon that misbehaves.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "proctrail/containers.hpp"
#include "recorder/collect/container_parse.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

const std::string kId = "a4167b8e5fac6484db19fe655ee61fce578e20f09b6eef3d1cd303f57423f6ec";
const std::string kOther = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

ContainerRef ref(const std::string& runtime, const std::string& id) { return ContainerRef{runtime, id, "cgroup"}; }

TEST(ParseContainerRef, DockerCgroupfsOnCgroupV1) {
  std::string text = "9:name=systemd:/docker/" + kId + "\n8:pids:/docker/" + kId + "\n0::/docker/" + kId + "\n";
  EXPECT_EQ(parse_container_ref(text), ref("docker", kId));
}

TEST(ParseContainerRef, DockerSystemdScopeOnCgroupV2) {
  EXPECT_EQ(parse_container_ref("0::/system.slice/docker-" + kId + ".scope\n"), ref("docker", kId));
}

TEST(ParseContainerRef, PodmanScopeAndCgroupfsButNotItsConmon) {
  EXPECT_EQ(parse_container_ref("0::/machine.slice/libpod-" + kId + ".scope/container\n"), ref("podman", kId));
  EXPECT_EQ(parse_container_ref("0::/libpod_parent/libpod-" + kId + "\n"), ref("podman", kId));
  EXPECT_FALSE(parse_container_ref("0::/machine.slice/libpod-conmon-" + kId + ".scope\n"));
}

TEST(ParseContainerRef, KubernetesRuntimes) {
  EXPECT_EQ(parse_container_ref("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9d1c.slice/"
                                "cri-containerd-" + kId + ".scope\n"),
            ref("cri-containerd", kId));
  EXPECT_EQ(parse_container_ref("0::/kubepods.slice/kubepods-burstable.slice/crio-" + kId + ".scope\n"), ref("crio", kId));
  EXPECT_EQ(parse_container_ref("11:memory:/kubepods/besteffort/pod9d1c-77/" + kId + "\n"), ref("cri", kId));
}

TEST(ParseContainerRef, LxcAndNspawnMachines) {
  EXPECT_EQ(parse_container_ref("0::/lxc.payload.web1/init.scope\n"), ref("lxc", "web1"));
  EXPECT_EQ(parse_container_ref("4:memory:/lxc/web2\n"), ref("lxc", "web2"));
  EXPECT_EQ(parse_container_ref("0::/machine.slice/machine-deb\\x2dtest.scope/payload\n"), ref("systemd-nspawn", "deb-test"));
}

TEST(ParseContainerRef, DockerInDockerNamesTheInnerContainer) {
  EXPECT_EQ(parse_container_ref("0::/docker/" + kOther + "/docker/" + kId + "\n"), ref("docker", kId));
}

TEST(ParseContainerRef, HostProcessesAndLookalikesAreNotContainers) {
  EXPECT_FALSE(parse_container_ref("0::/user.slice/user-1000.slice/session-2.scope\n"));
  EXPECT_FALSE(parse_container_ref("0::/system.slice/docker.service\n"));  // the daemon itself
  EXPECT_FALSE(parse_container_ref("0::/docker/not-an-id\n"));
  EXPECT_FALSE(parse_container_ref("0::/system.slice/docker-" + kId.substr(1) + ".scope\n"));  // 63 digits
  EXPECT_FALSE(parse_container_ref(""));
  EXPECT_FALSE(parse_container_ref("garbage without colons\n"));
}

TEST(ParseDockerTime, NanosecondsUtcOffsetsAndTheZeroTime) {
  // date -u -d 2026-11-24T05:46:59Z +%s → 1795499219
  EXPECT_EQ(parse_docker_time_us("2026-11-24T05:46:59.470321675Z"), 1795499219470321);
  EXPECT_EQ(parse_docker_time_us("2026-11-24T05:46:59Z"), 1795499219000000);
  EXPECT_EQ(parse_docker_time_us("2026-11-24T07:46:59.5+02:00"), 1795499219500000);
  EXPECT_FALSE(parse_docker_time_us("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_docker_time_us("yesterday"));
  EXPECT_FALSE(parse_docker_time_us("2026-13-24T05:46:59Z"));
}

TEST(ParseContainerList, ReadsTheListFields) {
  auto list = parse_container_list(R"([{"Id":")" + kId + R"(","Names":["/blissful_vaughan"],
      "Image":"proctrail-test/busybox:1","Command":"/bin/sleep 1000","Created":1795499229,
      "Labels":{"z.last":"1","com.docker.compose.project":"shop"},"State":"running","Status":"Up 5 seconds"}])");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  const auto& c = list->front();
  EXPECT_EQ(c.id, kId);
  EXPECT_EQ(c.name, "blissful_vaughan");
  EXPECT_EQ(c.image, "proctrail-test/busybox:1");
  EXPECT_EQ(c.command, "/bin/sleep 1000");
  EXPECT_EQ(c.created_at_us, 1795499229000000);
  EXPECT_EQ(c.state, "running");
  ASSERT_EQ(c.labels.size(), 2u);
  EXPECT_EQ(c.labels[0].first, "com.docker.compose.project");  // sorted by key
}

TEST(ParseContainerList, RefusesWhatIsNotAContainerList) {
  EXPECT_TRUE(parse_container_list("<html>").error().message.starts_with("bad reply"));
  EXPECT_TRUE(parse_container_list(R"({"message":"x"})").error().message.starts_with("bad reply"));
  EXPECT_TRUE(parse_container_list(R"([{"Names":[]}])").error().message.starts_with("bad reply"));
  auto empty = parse_container_list("[]");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(ApplyContainerInspect, ExitedContainerHasExitCodeAndNoPid) {
  ContainerSample sample;
  sample.id = kId;
  auto applied = apply_container_inspect(R"({"Created":"2026-11-24T05:47:09.1Z","State":{"Status":"exited",
      "Pid":0,"ExitCode":3,"StartedAt":"2026-11-24T05:47:09.5Z","FinishedAt":"2026-11-24T05:47:10Z"}})", sample);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(sample.state, "exited");
  EXPECT_EQ(sample.exit_code, 3);
  EXPECT_FALSE(sample.init_pid);
  EXPECT_EQ(sample.started_at_us, 1795499229500000);
  EXPECT_EQ(sample.finished_at_us, 1795499230000000);
  EXPECT_EQ(sample.created_at_us, 1795499229100000);
}

TEST(ApplyContainerInspect, NeverStartedHasNoTimes) {
  ContainerSample sample;
  auto applied = apply_container_inspect(R"({"State":{"Status":"created","Pid":0,"ExitCode":0,
      "StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"}})", sample);
  ASSERT_TRUE(applied);
  EXPECT_FALSE(sample.started_at_us);
  EXPECT_FALSE(sample.finished_at_us);
  EXPECT_FALSE(apply_container_inspect("[1]", sample));
  EXPECT_FALSE(apply_container_inspect(R"({"State":7})", sample));
}

TEST(DefaultDockerSocket, FollowsAUnixDockerHostOnly) {
  const char* saved = std::getenv("DOCKER_HOST");
  std::string saved_value = saved ? saved : "";
  ::setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock", 1);
  EXPECT_EQ(default_docker_socket(), "/run/user/1000/docker.sock");
  ::setenv("DOCKER_HOST", "tcp://127.0.0.1:2375", 1);
  EXPECT_EQ(default_docker_socket(), "/var/run/docker.sock");
  ::unsetenv("DOCKER_HOST");
  EXPECT_EQ(default_docker_socket(), "/var/run/docker.sock");
  if (saved) ::setenv("DOCKER_HOST", saved_value.c_str(), 1);
}

// A unix socket server on a thread: for each connection, `reply` (empty: accept and never answer).
class FakeDaemon {
 public:
  FakeDaemon(std::string path, std::string reply) : path_(std::move(path)), reply_(std::move(reply)) {
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path_.c_str());
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 8) != 0) {
      throw std::runtime_error("fake daemon: cannot listen on " + path_);
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDaemon() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    for (int fd : held_) ::close(fd);
    ::close(listener_);
  }

 private:
  void serve() {
    while (!stopping_) {
      int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) return;
      if (reply_.empty()) {
        held_.push_back(connection);  // accepted, never answered
        continue;
      }
      char request[4096];
      [[maybe_unused]] auto n = ::recv(connection, request, sizeof request, 0);
      [[maybe_unused]] auto sent = ::send(connection, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(connection);
    }
  }

  std::string path_, reply_;
  int listener_ = -1;
  std::vector<int> held_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

DockerCollector collector_at(const std::string& path, std::chrono::milliseconds timeout = std::chrono::milliseconds(300)) {
  return DockerCollector(DockerOptions{.socket_path = path, .timeout = timeout});
}

TEST(DockerCollector, NoSocketSaysSo) {
  test::TempDir tmp;
  auto result = collector_at((tmp / "nowhere.sock").string()).collect();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().message.starts_with("no socket")) << result.error().message;
  EXPECT_EQ(result.error().kind, ErrorKind::unavailable);
  test::write_all(tmp / "plain-file", "x");
  auto not_socket = collector_at((tmp / "plain-file").string()).collect();
  ASSERT_FALSE(not_socket);
  EXPECT_TRUE(not_socket.error().message.starts_with("no socket")) << not_socket.error().message;
  EXPECT_EQ(not_socket.error().kind, ErrorKind::unavailable);
}

TEST(DockerCollector, A404IsNotFoundAndMeansTheContainerIsGone) {
  test::TempDir tmp;
  const std::string path = (tmp / "404.sock").string();
  FakeDaemon daemon(path, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  auto listed = collector_at(path).collect();
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().kind, ErrorKind::not_found) << listed.error().message;
  const std::string id(64, 'a');
  auto stopped = collector_at(path).stop(id, std::chrono::seconds(1));
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(*stopped, "gone");
  auto removed = collector_at(path).remove(id);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, "gone");
}

TEST(DockerCollector, NobodyListeningIsCannotConnect) {
  test::TempDir tmp;
  const std::string path = (tmp / "stale.sock").string();
  { FakeDaemon gone(path, "x"); }  // bound, then closed: the socket file stays behind
  auto result = collector_at(path).collect();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().message.starts_with("cannot connect")) << result.error().message;
}

TEST(DockerCollector, DaemonThatNeverAnswersTimesOutWithinItsBudget) {
  test::TempDir tmp;
  FakeDaemon hung((tmp / "hung.sock").string(), "");
  auto start = std::chrono::steady_clock::now();
  auto result = collector_at((tmp / "hung.sock").string()).collect();
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().message.starts_with("timeout")) << result.error().message;
  EXPECT_LT(took, std::chrono::seconds(3));  // the budget is 300 ms; generous for a loaded machine
}

TEST(DockerCollector, GarbageAndErrorsAreBadReplies) {
  test::TempDir tmp;
  {
    FakeDaemon garbage((tmp / "garbage.sock").string(), "garbage\r\n\r\n");
    auto result = collector_at((tmp / "garbage.sock").string()).collect();
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().message.starts_with("bad reply")) << result.error().message;
  }
  {
    FakeDaemon failing((tmp / "500.sock").string(),
                       "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    auto result = collector_at((tmp / "500.sock").string()).collect();
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().message.starts_with("bad reply: HTTP 500")) << result.error().message;
    EXPECT_EQ(result.error().kind, ErrorKind::failed);
  }
  {
    FakeDaemon not_json((tmp / "html.sock").string(),
                        "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<html>");
    auto result = collector_at((tmp / "html.sock").string()).collect();
    ASSERT_FALSE(result);
    EXPECT_TRUE(result.error().message.starts_with("bad reply")) << result.error().message;
  }
}

TEST(DockerCollector, EmptyEngineIsAnEmptyTable) {
  test::TempDir tmp;
  FakeDaemon empty((tmp / "empty.sock").string(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]");
  auto result = collector_at((tmp / "empty.sock").string()).collect();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->containers.empty());
  EXPECT_EQ(result->source, "docker unix://" + (tmp / "empty.sock").string());
}

}  // namespace
}  // namespace proctrail
