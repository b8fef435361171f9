// Containers against a real Docker daemon (scripts/with-dockerd provides one and exports DOCKER_HOST).
// Images are made here with `docker import` of a busybox-static root filesystem (no registry is
// reachable). Every container runs with --network none, carries this run's label, and is removed
// by the id `docker` printed for it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "proctrail/cleanup.hpp"
#include "proctrail/guard.hpp"
#include "proctrail/policy.hpp"
#include "proctrail/containers.hpp"
#include "proctrail/query.hpp"
#include "proctrail/recorder.hpp"
#include "tests/support/child.hpp"
#include "tests/support/temp_dir.hpp"

namespace proctrail {
namespace {

using test::Child;
using test::run_command;

const std::string kImage = "proctrail-test/busybox:1";

std::string run_label() {
  static const std::string label = "proctrail.test-run=" + std::to_string(::getpid()) + "-" + std::to_string(::time(nullptr));
  return label;
}

// The daemon, once per test binary: its socket, or why there is none.
struct Daemon {
  bool available = false;
  std::string why;
};

const Daemon& daemon_state() {
  static const Daemon daemon = [] {
    Daemon d;
    auto ping = run_command({"docker", "version", "--format", "{{.Server.Version}}"});
    if (ping.status != 0) {
      d.why = "no Docker daemon answers (run the tests through scripts/with-dockerd)";
      return d;
    }
    // Test processes run in parallel: one lock around check-then-import, or a second import would
    // move the tag off the image a running test's containers were created from.
    test::TempDir root;
    const std::string fs = root.path().string() + "/fs";
    auto made = run_command({"flock", "/tmp/proctrail-test-image.lock", "sh", "-c",
        "docker image inspect " + kImage + " >/dev/null 2>&1 && exit 0; set -e; mkdir -p '" + fs +
        "/bin'; cp /bin/busybox '" + fs + "/bin/busybox'; for c in sh sleep cat echo; do ln -s busybox '" + fs +
        "/bin/'$c; done; tar -C '" + fs + "' -cf - . | docker import - " + kImage + " >/dev/null"});
    if (made.status != 0) {
      d.why = "could not import the busybox test image (is busybox-static installed?)";
      return d;
    }
    d.available = true;
    return d;
  }();
  return daemon;
}

// Removes each container it was given, by id, when the test ends.
class ContainerIds {
 public:
  ~ContainerIds() {
    for (const auto& id : ids_) run_command({"docker", "rm", "-f", id});
  }
  std::string add(const std::string& id) {
    ids_.push_back(id);
    return id;
  }

 private:
  std::vector<std::string> ids_;
};

class Containers : public ::testing::Test {
 protected:
  test::TempDir tmp;
  std::optional<Store> store;
  ProcfsCollector collector;
  DockerCollector docker;
  ContainerIds cleanup;

  void SetUp() override {
    const auto& daemon = daemon_state();
    if (!daemon.available) {
      if (std::getenv("PROCTRAIL_REQUIRE_DOCKER") != nullptr) FAIL() << daemon.why;
      GTEST_SKIP() << daemon.why;
    }
    auto opened = Store::open(tmp / "trail.db");
    ASSERT_TRUE(opened) << opened.error().message;
    store.emplace(std::move(opened.value()));
  }

  // docker run -d … → the full id.
  std::string start(std::vector<std::string> extra, std::vector<std::string> command) {
    std::vector<std::string> argv = {"docker", "run", "-d", "--network", "none", "--label", run_label()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(kImage);
    argv.insert(argv.end(), command.begin(), command.end());
    auto started = run_command(argv);
    EXPECT_EQ(started.status, 0) << "docker run failed";
    return cleanup.add(started.out);
  }

  SnapshotSummary snap() {
    Recorder recorder(*store, collector);
    recorder.set_containers(&docker);
    auto summary = recorder.snapshot(SnapshotRequest{});
    EXPECT_TRUE(summary) << summary.error().message;
    return summary ? *summary : SnapshotSummary{};
  }

  std::string value(const std::string& sql, int64_t snapshot, const std::string& id) {
    SQLite::Statement query(store->database(), sql);
    query.bind(1, snapshot);
    query.bind(2, id);
    if (!query.executeStep()) return "<no row>";
    return query.getColumn(0).isNull() ? "NULL" : query.getColumn(0).getString();
  }
  std::string container(int64_t snapshot, const std::string& id, const std::string& column) {
    return value("SELECT " + column + " FROM snapshot_containers WHERE snapshot_id = ?1 AND container_id = ?2", snapshot, id);
  }
};

TEST_F(Containers, RunningExitedAndLabelledContainersAreRecordedWithStateAndLabels) {
  std::string running = start({}, {"sleep", "600"});
  std::string exited = start({}, {"sh", "-c", "exit 3"});
  std::string labelled = start({"--label", "com.docker.compose.project=shop", "--label", "com.docker.compose.service=db",
                                "--label", "org.testcontainers.sessionId=5e55-1011"},
                               {"sleep", "600"});
  ASSERT_EQ(run_command({"docker", "wait", exited}).out, "3");
  auto summary = snap();
  ASSERT_TRUE(summary.containers_seen);
  EXPECT_GE(*summary.containers_seen, 3);
  EXPECT_EQ(summary.containers_source, "docker " + std::string(std::getenv("DOCKER_HOST") ? std::getenv("DOCKER_HOST") : "unix:///var/run/docker.sock"));
  const int64_t s = summary.snapshot_id;

  EXPECT_EQ(container(s, running, "state"), "running");
  EXPECT_EQ(container(s, running, "init_pid"), run_command({"docker", "inspect", "-f", "{{.State.Pid}}", running}).out);
  EXPECT_EQ(container(s, running, "image"), kImage);
  EXPECT_EQ(container(s, running, "command"), "sleep 600");
  EXPECT_NE(container(s, running, "started_at_us"), "NULL");
  EXPECT_EQ(container(s, exited, "state"), "exited");
  EXPECT_EQ(container(s, exited, "exit_code"), "3");
  EXPECT_EQ(container(s, exited, "init_pid"), "NULL");
  EXPECT_NE(container(s, exited, "finished_at_us"), "NULL");
  EXPECT_EQ(container(s, labelled, "compose_project"), "shop");
  EXPECT_EQ(container(s, labelled, "compose_service"), "db");
  EXPECT_EQ(container(s, labelled, "testcontainers_session"), "5e55-1011");
  const std::string run_key = run_label().substr(0, run_label().find('='));
  EXPECT_EQ(container(s, labelled, "json_extract(labels, '$.\"" + run_key + "\"')"), run_label().substr(run_key.size() + 1));

  auto trail = TrailReader::open(tmp / "trail.db");
  ASSERT_TRUE(trail) << trail.error().message;
  auto answer = query_containers(*trail, s, ContainerFilter{.label = "com.docker.compose.project=shop", .state = "running"});
  ASSERT_TRUE(answer) << answer.error().message;
  ASSERT_EQ(answer->rows.size(), 1u) << render_table(*answer);
  auto exited_only = query_containers(*trail, s, ContainerFilter{.label = run_label(), .state = "exited"});
  ASSERT_TRUE(exited_only) << exited_only.error().message;
  EXPECT_EQ(exited_only->rows.size(), 1u) << render_table(*exited_only);
}

TEST_F(Containers, InitAndExecProcessesAreLinkedToTheirContainer) {
  std::string id = start({}, {"sleep", "600"});
  ASSERT_EQ(run_command({"docker", "exec", "-d", id, "sleep", "601"}).status, 0);
  pid_t init_pid = std::stoi(run_command({"docker", "inspect", "-f", "{{.State.Pid}}", id}).out);
  ASSERT_TRUE(test::eventually([&] {
    return run_command({"sh", "-c", "grep -l 'sleep.601' /proc/[0-9]*/cmdline 2>/dev/null | head -1"}).out != "";
  }));
  auto summary = snap();
  const int64_t s = summary.snapshot_id;
  auto process_container = [&](const std::string& where) {
    return value("SELECT group_concat(DISTINCT container_id) FROM snapshot_processes WHERE snapshot_id = ?1 AND " + where +
                     " AND ?2 = ?2",
                 s, id);
  };
  EXPECT_EQ(process_container("pid = " + std::to_string(init_pid)), id);
  EXPECT_EQ(process_container("argv = 'sleep 601'"), id);
  EXPECT_EQ(value("SELECT processes FROM container_overview WHERE snapshot_id = ?1 AND container_id = ?2", s, id), "2");
}

TEST_F(Containers, StoppingAndRemovingAreRecordedInTheNextSnapshots) {
  std::string id = start({}, {"sleep", "600"});
  auto first = snap();
  EXPECT_EQ(container(first.snapshot_id, id, "state"), "running");
  ASSERT_EQ(run_command({"docker", "stop", "-t", "0", id}).status, 0);
  auto second = snap();
  EXPECT_EQ(container(second.snapshot_id, id, "state"), "exited");
  EXPECT_EQ(container(second.snapshot_id, id, "init_pid"), "NULL");
  EXPECT_EQ(container(first.snapshot_id, id, "state"), "running");  // history stays as it was
  ASSERT_EQ(run_command({"docker", "rm", id}).status, 0);
  auto third = snap();
  EXPECT_EQ(container(third.snapshot_id, id, "state"), "<no row>");
  EXPECT_EQ(value("SELECT gone_by FROM containers WHERE ?1 = ?1 AND container_id = ?2", third.snapshot_id, id),
            std::to_string(third.snapshot_id));
  auto verified = store->verify();  // container rows are inside the hash chain
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_FALSE(verified->first_bad_snapshot) << verified->problem;
  store->database().exec("UPDATE container_changes SET state = 'running' WHERE state = 'exited'");
  auto tampered = store->verify();
  ASSERT_TRUE(tampered);
  EXPECT_EQ(tampered->first_bad_snapshot, second.snapshot_id);
}

TEST_F(Containers, TheClientThatRunsAContainerIsItsCreator) {
  // A foreground `docker run` client stays alive as long as its container, so a snapshot sees it.
  Child client({"docker", "run", "--rm", "--network", "none", "--label", run_label(), "--name",
                "proctrail-creator-" + std::to_string(::getpid()), kImage, "sleep", "600"},
               {.pipe_stdout = true});
  std::string id;
  ASSERT_TRUE(test::eventually([&] {
    id = run_command({"docker", "ps", "-q", "--no-trunc", "--filter", "name=proctrail-creator-" + std::to_string(::getpid())}).out;
    return !id.empty();
  }, std::chrono::seconds(20)));
  cleanup.add(id);
  auto summary = snap();
  EXPECT_EQ(value("SELECT creator_pid FROM container_overview WHERE snapshot_id = ?1 AND container_id = ?2",
                  summary.snapshot_id, id),
            std::to_string(client.pid()));
  run_command({"docker", "rm", "-f", id});
  client.wait_for(std::chrono::seconds(20));
}

// A guard container rule stops, by label, only the containers whose creating client has exited: the
// client of one is killed (its container keeps running), the client of the other still runs.
TEST_F(Containers, AGuardContainerRuleStopsOnlyWhatAnExitedClientLeftRunning) {
  const std::string tag = std::to_string(::getpid());
  auto run_client = [&](const std::string& name) {
    return std::make_unique<Child>(std::vector<std::string>{"docker", "run", "--rm", "--network", "none", "--label", run_label(),
                                                            "--label", "proctrail.guard=" + tag, "--name", name, kImage, "sleep", "600"},
                                   test::SpawnOptions{.pipe_stdout = true});
  };
  auto id_of = [&](const std::string& name) {
    std::string id;
    test::eventually([&] {
      id = run_command({"docker", "ps", "-q", "--no-trunc", "--filter", "name=" + name}).out;
      return !id.empty();
    }, std::chrono::seconds(20));
    return id;
  };
  const std::string left_name = "proctrail-guard-left-" + tag, kept_name = "proctrail-guard-kept-" + tag;
  auto left_client = run_client(left_name);
  auto kept_client = run_client(kept_name);
  const std::string left = cleanup.add(id_of(left_name)), kept = cleanup.add(id_of(kept_name));
  ASSERT_FALSE(left.empty());
  ASSERT_FALSE(kept.empty());
  snap();  // sees both clients: the creators
  ::kill(left_client->pid(), SIGKILL);  // not forwarded: the container keeps running without its client
  left_client->wait();
  snap();

  auto policy = parse_policy("[[rule]]\nname = \"left by tests\"\ncontainers = true\ncontainer_label = \"proctrail.guard=" +
                             tag + "\"\nremove = true\ngrace = \"1s\"\n");
  ASSERT_TRUE(policy) << policy.error().message;
  Recorder recorder(*store, collector);
  recorder.set_containers(&docker);
  proctrail::Guard guard(*store, recorder, std::move(*policy), CleanerOptions{.docker = &docker});
  auto report = guard.run_once(GuardRunOptions{.own_argv = "test guard"});
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->rules.size(), 1u);
  ASSERT_EQ(report->rules[0].plan.size(), 1u);
  EXPECT_EQ(report->rules[0].plan[0].container_id, left);
  ASSERT_EQ(report->rules[0].actions.size(), 1u);
  EXPECT_EQ(report->rules[0].actions[0].signal, "stop+remove");
  EXPECT_TRUE(run_command({"docker", "ps", "-q", "--no-trunc", "--filter", "id=" + left}).out.empty()) << "stopped";
  EXPECT_EQ(run_command({"docker", "ps", "-q", "--no-trunc", "--filter", "id=" + kept}).out, kept) << "its client still runs";
  run_command({"docker", "rm", "-f", kept});
  kept_client->wait_for(std::chrono::seconds(20));
}

TEST_F(Containers, CleanupStopsOnlyTheSelectedContainerAfterTheEvidence) {
  const std::string name = "proctrail-cleanup-" + std::to_string(::getpid());
  std::string chosen = start({"--name", name, "--label", "proctrail.cleanup=yes"}, {"sleep", "600"});
  std::string spared = start({"--label", "proctrail.cleanup=no"}, {"sleep", "600"});
  Recorder recorder(*store, collector);
  recorder.set_containers(&docker);
  Cleaner cleaner(*store, recorder, &docker);
  CleanupSelectors selectors;
  selectors.containers = true;
  selectors.container_label = "proctrail.cleanup=yes";
  selectors.match = name;
  selectors.remove = true;
  selectors.grace = std::chrono::milliseconds(1000);
  auto plan = cleaner.plan(selectors, "test");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->plan.size(), 1u);
  EXPECT_EQ(plan->plan[0].container_id, chosen);
  EXPECT_EQ(container(plan->evidence_snapshot_id, chosen, "state"), "running");  // evidence first
  auto done = cleaner.execute(std::move(*plan), selectors);
  ASSERT_TRUE(done) << done.error().message;
  ASSERT_EQ(done->actions.size(), 1u);
  EXPECT_EQ(done->actions[0].signal, "stop+remove");
  EXPECT_EQ(done->actions[0].outcome, "removed") << done->actions[0].detail;
  EXPECT_NE(run_command({"docker", "inspect", chosen}).status, 0);  // gone
  EXPECT_EQ(run_command({"docker", "inspect", "-f", "{{.State.Status}}", spared}).out, "running");
}

// Without a daemon that answers, the snapshot still succeeds, records why, and says it once per run.
// proctrail exec: a container its command started and left running is a leak, found by the run's
// marker passed as a label, and one started without the label by its creation time.
TEST_F(Containers, ExecReportsTheContainersItsCommandLeftRunning) {
  const auto json = tmp / "leaks.json";
  const std::string run = "docker run -d --network none --label " + run_label() + " ";
  const std::string command = run + "--label proctrail.run=\"${PROCTRAIL_RUN##*:}\" " + kImage + " sleep 300 && " + run +
                              kImage + " sleep 301 && " + run + kImage + " echo done";
  auto exec = run_command({PROCTRAIL_BIN, "--db", (tmp / "exec.db").string(), "exec", "--grace", "200ms",
                           "--fail-on-leak", "--json", json.string(), "--", "sh", "-c", command + " >/dev/null"});
  // All three are removed when the test ends, found by this binary's run label.
  auto labelled = run_command({"docker", "ps", "-aq", "--no-trunc", "--filter", "label=" + run_label()});
  std::istringstream ids(labelled.out);
  for (std::string id; std::getline(ids, id);) cleanup.add(id);
  std::ifstream in(json);
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(exec.status, 2);
  ASSERT_EQ(report["containers"].size(), 2u) << report.dump(2) << "(the third exited: no leak)";
  std::multiset<std::string> found_by;
  for (const auto& c : report["containers"]) found_by.insert(c["found_by"].get<std::string>());
  EXPECT_EQ(found_by, (std::multiset<std::string>{"label", "time"}));
}

TEST(ContainersUnavailable, SnapshotSucceedsRecordsWhyAndLogsOncePerRun) {
  test::TempDir tmp;
  auto store = Store::open(tmp / "trail.db");
  ASSERT_TRUE(store) << store.error().message;
  std::ostringstream log_text;
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_text));
  ProcfsCollector collector;
  DockerCollector docker(DockerOptions{.socket_path = (tmp / "nowhere.sock").string()});
  Recorder recorder(*store, collector, nullptr, logger);
  recorder.set_containers(&docker);
  logger->set_level(spdlog::level::info);
  auto first = recorder.snapshot(SnapshotRequest{});
  auto second = recorder.snapshot(SnapshotRequest{});
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->containers_seen);
  EXPECT_TRUE(second->containers_source.starts_with("unavailable: no socket")) << second->containers_source;
  std::string text = log_text.str();
  size_t said = 0;
  for (size_t at = text.find("containers not recorded"); at != std::string::npos; at = text.find("containers not recorded", at + 1)) ++said;
  EXPECT_EQ(said, 1u) << text;
  SQLite::Database db((tmp / "trail.db").string());
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM container_collections WHERE source LIKE 'unavailable: no socket%'").getInt(), 2);
}

}  // namespace
}  // namespace proctrail
