// proctrail query holders|peers|reachable|containers [--format table|csv|json] [--snapshot ID|last|last~N]
#include <iostream>

#include "cli/app.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/query.hpp"

namespace proctrail::cli {
namespace {

void add_common(CLI::App& question, QueryOptions& options) {
  question.add_option("--format", options.format, "Output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  question.add_option("--snapshot", options.snapshot, "Snapshot id, last, or last~N")->capture_default_str();
}

Result<ResultTable> containers_answer(TrailReader& trail, int64_t snapshot, const QueryOptions& options) {
  ContainerFilter filter;
  filter.state = options.state;
  if (!options.label.empty()) filter.label = options.label;
  if (!options.older_than.empty()) {
    auto age = parse_duration(options.older_than);
    if (!age) return Error{"--older-than: " + age.error().message};
    filter.older_than_s = age->count() / 1000;
  }
  return query_containers(trail, snapshot, filter);
}

}  // namespace

CLI::App* setup_query(CLI::App& app, QueryOptions& options) {
  auto* query = app.add_subcommand("query", "Answer a question from the trail (read-only)");
  query->require_subcommand(1);
  auto* holders = query->add_subcommand("holders", "Every process holding pipe or socket INODE, with its end");
  holders->add_option("--inode", options.inode, "Pipe or socket inode (as in pipe:[INODE])")->required();
  add_common(*holders, options);
  auto* peers = query->add_subcommand("peers", "For each pipe and socket of a process, who holds the other end");
  peers->add_option("--pid", options.pid, "The process")->required();
  peers->add_option("--start-ticks", options.start_ticks, "Its start_ticks, when the pid was reused");
  add_common(*peers, options);
  auto* reachable = query->add_subcommand(
      "reachable", "Is anything still talking to the processes whose argv matches? connected, listening or orphaned");
  reachable->add_option("--match", options.match, "Regular expression (ECMAScript) over argv")->required();
  add_common(*reachable, options);
  auto* containers = query->add_subcommand(
      "containers", "Each container's age, state, origin labels, processes and RSS, and the process that created it");
  containers->add_option("--older-than", options.older_than, "Only containers created at least this long ago (2h, 7d)");
  containers->add_option("--label", options.label, "Only containers with this label, KEY=VALUE");
  containers->add_option("--state", options.state, "running (with paused and restarting), exited, created, dead or all")
      ->check(CLI::IsMember({"running", "exited", "created", "dead", "all"}))
      ->capture_default_str();
  add_common(*containers, options);
  return query;
}

int run_query(CLI::App& query, const QueryOptions& options, const GlobalOptions& global) {
  auto db = resolve_db_path(global);
  if (!db) {
    print_error(db.error().message);
    return 1;
  }
  auto trail = TrailReader::open(*db);
  if (!trail) {
    print_error("query: " + trail.error().message);
    return 1;
  }
  auto snapshot = trail->resolve_snapshot(options.snapshot);
  if (!snapshot) {
    print_error("query: " + snapshot.error().message);
    return 1;
  }
  Result<ResultTable> answer = Error{"no question"};
  if (query.got_subcommand("holders")) answer = query_holders(*trail, *snapshot, options.inode);
  if (query.got_subcommand("peers")) answer = query_peers(*trail, *snapshot, options.pid, options.start_ticks);
  if (query.got_subcommand("reachable")) answer = query_reachable(*trail, *snapshot, options.match);
  if (query.got_subcommand("containers")) answer = containers_answer(*trail, *snapshot, options);
  if (!answer) {
    print_error("query: " + answer.error().message);
    return 1;
  }
  auto text = render(*answer, options.format);
  if (!text) {
    print_error("query: " + text.error().message);
    return 2;
  }
  std::cout << *text;
  return 0;
}

}  // namespace proctrail::cli
