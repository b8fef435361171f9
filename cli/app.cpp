#include "cli/app.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/unknown_command.hpp"
#include "proctrail/paths.hpp"
#include "proctrail/procfs.hpp"

namespace proctrail::cli {

std::unique_ptr<Cli> make_cli() {
  auto cli = std::make_unique<Cli>();
  CLI::App& app = cli->app;
  app.set_version_flag("--version", std::string("proctrail ") + PROCTRAIL_VERSION);
  app.add_option("--db", cli->global.db,
                 "Trail database (default: $PROCTRAIL_DB, else $XDG_STATE_HOME/proctrail/trail.db, "
                 "else ~/.local/state/proctrail/trail.db)")
      ->type_name("FILE");
  app.add_flag("-v,--verbose", cli->global.verbosity, "More log output on stderr (repeat for debug)");
  app.add_flag("--wide", cli->global.wide,
               "Tables show every cell whole (by default, on a terminal or with $COLUMNS, long cells are cut to fit)");
  app.fallthrough();  // global options may follow the subcommand
  app.require_subcommand(1);
  for (auto& subcommand : all_subcommands()) {
    CLI::App* command = subcommand->setup(app);
    cli->subcommands.push_back(Cli::Entry{std::move(subcommand), command});
  }
  app.footer(exit_codes_help());  // after the subcommands, which would otherwise inherit it
  return cli;
}

CLI::App* Cli::command(std::string_view name) const {
  for (const auto& entry : subcommands) {
    if (entry.app->get_name() == name) return entry.app;
  }
  return nullptr;
}

int dispatch(Cli& cli) {
  for (auto& entry : cli.subcommands) {
    if (entry.app->parsed()) return entry.subcommand->run(RunContext{cli.global, cli.app, *entry.app, cli.own_argv});
  }
  print_error("no subcommand");
  return exit_code::usage;
}

// The names of the subcommands `app` offers, as typed.
std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

int main_entry(int argc, char** argv) {
  auto cli = make_cli();
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  if (auto word = unknown_command(args, command_names(cli->app))) {
    print_error(unknown_command_message(*word, command_names(cli->app)));
    const bool hook = std::find(args.begin(), args.end(), "--hook") != args.end();
    return hook ? exit_code::ok : exit_code::usage;  // a hook never fails its caller
  }
  try {
    cli->app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    bool hook = false;
    for (int i = 1; i < argc; ++i) hook = hook || std::strcmp(argv[i], "--hook") == 0;
    const int code = cli->app.exit(e);  // prints the help, the version or the error
    if (hook || code == 0) return exit_code::ok;  // a hook never fails its caller, even when misconfigured
    return exit_code::usage;  // CLI11's own codes (105 and up) are one kind of failure here: usage
  }
  cli->own_argv = quote_argv(std::vector<std::string>(argv, argv + argc));
  return dispatch(*cli);
}

Result<std::filesystem::path> chosen_db_path(const GlobalOptions& global) {
  if (!global.db.empty()) return std::filesystem::path(global.db);
  return default_db_path([](const char* name) { return std::getenv(name); });
}

Result<std::filesystem::path> resolve_db_path(const GlobalOptions& global) {
  auto path = chosen_db_path(global);
  if (!path) return path.error();
  if (auto dir = ensure_private_dir(path->parent_path()); !dir) return dir.error();
  return path;
}

Result<std::filesystem::path> existing_trail_path(const GlobalOptions& global) {
  auto path = chosen_db_path(global);
  if (!path) return path.error();
  std::error_code error;
  if (std::filesystem::exists(*path, error)) return path;
  return Error{"no trail at " + path->string() + " (record one with proctrail snap, or name it with --db)",
               ErrorKind::not_found};
}

TableLayout table_layout(const GlobalOptions& global) {
  if (global.wide) return TableLayout{};
  struct winsize size {};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return TableLayout{.width = size.ws_col};
  }
  const char* columns = std::getenv("COLUMNS");
  if (columns == nullptr) return TableLayout{};
  char* end = nullptr;
  const long width = std::strtol(columns, &end, 10);
  if (end == columns || *end != '\0' || width <= 0) return TableLayout{};
  return TableLayout{.width = static_cast<size_t>(width)};
}

void print_error(const std::string& message) { std::cerr << "proctrail: " << message << '\n'; }

std::string summary_line(const SnapshotSummary& s, int64_t elapsed_ms) {
  std::string line = "snapshot " + std::to_string(s.snapshot_id) + ": " + std::to_string(s.seen) + " processes, " +
                     std::to_string(s.created) + " new, " + std::to_string(s.gone) + " gone, " +
                     std::to_string(s.changed) + " changes, ";
  if (s.fds_seen > 0) line += std::to_string(s.fds_seen) + " descriptors, ";
  if (s.sockets_seen) line += std::to_string(*s.sockets_seen) + " sockets, ";
  if (s.containers_seen) {
    line += std::to_string(*s.containers_seen) + " containers, ";
  } else if (!s.containers_source.empty()) {
    line += "no containers (" + s.containers_source + "), ";
  }
  line += std::to_string(elapsed_ms) + " ms";
  if (s.coalesced_with) line += " (shares the collection of snapshot " + std::to_string(*s.coalesced_with) + ")";
  if (s.vanished > 0) line += ", " + std::to_string(s.vanished) + " exited during the scan";
  if (s.parse_errors > 0) line += ", " + std::to_string(s.parse_errors) + " unparsed (see log)";
  return line;
}

std::string summary_json(const SnapshotSummary& s, int64_t elapsed_ms, const std::filesystem::path& db) {
  nlohmann::json json = {
      {"snapshot_id", s.snapshot_id}, {"processes", s.seen},     {"new", s.created},
      {"gone", s.gone},               {"changes", s.changed},    {"vanished", s.vanished},
      {"parse_errors", s.parse_errors}, {"elapsed_ms", elapsed_ms}, {"hash", s.hash_hex},
      {"db", db.string()},
  };
  json["coalesced_with"] = s.coalesced_with ? nlohmann::json(*s.coalesced_with) : nlohmann::json(nullptr);
  json["descriptors"] = s.fds_seen;
  json["descriptors_new"] = s.fds_new;
  json["descriptors_gone"] = s.fds_gone;
  json["sockets"] = s.sockets_seen ? nlohmann::json(*s.sockets_seen) : nlohmann::json(nullptr);
  json["sockets_source"] = s.sockets_source;
  json["containers"] = s.containers_seen ? nlohmann::json(*s.containers_seen) : nlohmann::json(nullptr);
  json["containers_source"] = s.containers_source;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace proctrail::cli
