// --no-descriptors, --no-leak-evidence, --no-containers, --docker-socket, --docker-timeout: what snap, watch, cleanup and
// exec collect, shared by all four.
#include "cli/app.hpp"
#include "proctrail/duration.hpp"

namespace proctrail::cli {

void add_collect_options(CLI::App& command, CollectArgs& options) {
  command.add_flag("--no-descriptors", options.no_descriptors,
                   "Record processes only: no descriptors (/proc/PID/fd) and no socket table");
  command.add_flag("--no-leak-evidence", options.no_leak_evidence,
                   "Skip the verdicts' evidence: session markers (environ), I/O counts (io) and real memory (smaps_rollup)");
  command.add_flag("--no-containers", options.no_containers,
                   "Do not ask the Docker daemon for its containers (membership from cgroups is still recorded)");
  command.add_option("--docker-socket", options.docker_socket,
                     "Docker Engine API socket (default: $DOCKER_HOST if unix://, else /var/run/docker.sock)")
      ->type_name("PATH");
  command.add_option("--docker-timeout", options.docker_timeout, "Longest wait for the Docker daemon per snapshot")
      ->capture_default_str();
}

Result<std::unique_ptr<Sources>> make_sources(const CollectArgs& args, const Logger& logger) {
  auto timeout = parse_duration(args.docker_timeout);
  if (!timeout) return timeout.error().within("--docker-timeout");
  CollectOptions options{.descriptors = !args.no_descriptors,
                         .leak_evidence = !args.no_leak_evidence,
                         .containers = !args.no_containers,
                         .docker_socket = args.docker_socket,
                         .docker_timeout = *timeout};
  return std::make_unique<Sources>(options, logger);
}

}  // namespace proctrail::cli
