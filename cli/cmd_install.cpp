// proctrail install-hooks claude [--guard] | uninstall-hooks claude [--settings PATH] [--scope user|project] [--dry-run]
// proctrail install-timer [--interval 5m] [--user|--system] [--print] [--cron] [--guard] | uninstall-timer [--user|--system]
#include <sys/stat.h>

#include <cstdlib>
#include <iostream>

#include "cli/app.hpp"
#include "cli/cmd_install.hpp"
#include "proctrail/duration.hpp"
#include "proctrail/install.hpp"
#include "proctrail/procfs.hpp"

namespace proctrail::cli {
namespace {

constexpr mode_t kNewSettingsMode = 0600;  // settings.json often ends up holding tokens in "env"
constexpr mode_t kUnitMode = 0644;
constexpr std::string_view kSystemDb = "/var/lib/proctrail/trail.db";
constexpr std::string_view kBackupSuffix = ".proctrail-backup";

const char* non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// The running binary, so that hooks and timers run this proctrail whatever $PATH says.
Result<std::string> own_binary() {
  std::error_code error;
  auto binary = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return Error{"finding this binary through /proc/self/exe: " + error.message()};
  return binary.string();
}

// The trail the user means, as an absolute path, written into every hook and unit (they run in other
// folders and other environments): --db, else $PROCTRAIL_DB, else the system trail for a system timer;
// empty otherwise (they then record to the user's default trail, as the command line would).
std::string db_argument(const GlobalOptions& global, bool system = false) {
  std::string db = global.db;
  if (db.empty()) {
    if (const char* from_environment = non_empty_env("PROCTRAIL_DB")) db = from_environment;
  }
  if (db.empty() && system) db = kSystemDb;
  if (db.empty()) return "";
  return std::filesystem::absolute(db).lexically_normal().string();
}

// --settings, else the settings.json of --scope; a symbolic link is followed, so a linked dotfile
// stays a link.
Result<std::filesystem::path> settings_path(const HooksOptions& options) {
  std::filesystem::path file;
  if (!options.settings.empty()) {
    file = options.settings;
  } else if (options.scope == "project") {
    file = std::filesystem::path(".claude") / "settings.json";
  } else if (const char* config = non_empty_env("CLAUDE_CONFIG_DIR")) {
    file = std::filesystem::path(config) / "settings.json";
  } else if (const char* home = non_empty_env("HOME")) {
    file = std::filesystem::path(home) / ".claude" / "settings.json";
  } else {
    return Error{"finding Claude Code's settings: HOME is not set (use --settings PATH)"};
  }
  file = std::filesystem::absolute(file);
  std::error_code missing;
  if (!std::filesystem::is_symlink(std::filesystem::symlink_status(file, missing))) return file;
  std::error_code error;
  auto target = std::filesystem::weakly_canonical(file, error);
  if (error) return Error{"resolving " + file.string() + ": " + error.message()};
  return target;
}

mode_t mode_of(const std::filesystem::path& file, mode_t otherwise) {
  struct stat info {};
  return ::stat(file.c_str(), &info) == 0 ? (info.st_mode & 07777) : otherwise;
}

struct SettingsFile {
  std::filesystem::path path;
  std::filesystem::path backup;
  std::optional<std::string> text;  // nullopt: no such file
};

Result<SettingsFile> read_settings(const HooksOptions& options) {
  auto path = settings_path(options);
  if (!path) return path.error();
  auto text = read_file_if_exists(*path);
  if (!text) return text.error();
  return SettingsFile{*path, path->string() + std::string(kBackupSuffix), *text};
}

// Writes `updated`, keeping the file's mode. The backup is the user's own text from before proctrail
// first changed the file: taken once, never overwritten by a later install or uninstall.
Status replace_settings(const SettingsFile& file, const std::string& updated) {
  const mode_t mode = mode_of(file.path, kNewSettingsMode);
  std::error_code error;
  std::filesystem::create_directories(file.path.parent_path(), error);
  if (error) return Error{"creating " + file.path.parent_path().string() + ": " + error.message()};
  if (file.text && !std::filesystem::exists(file.backup, error)) {
    if (auto saved = write_file_atomically(file.backup, *file.text, mode); !saved) return saved.error();
  }
  return write_file_atomically(file.path, updated, mode);
}

std::string event_names(const HookCommands& commands) {
  std::string names;
  for (const auto& hook : commands) names += (names.empty() ? "" : ", ") + hook.event;
  return names;
}

HookCommands hook_commands(const std::string& binary, const HooksOptions& options, const GlobalOptions& global) {
  return claude_hook_commands(binary, db_argument(global),
                              options.guard ? GuardAtSessionStart::yes : GuardAtSessionStart::no);
}

// The settings text without our hooks: the backup's exact bytes when our install (with or without the
// guard) is all that changed since it was taken, else the current text with our groups cut out.
Result<std::string> without_our_hooks(const SettingsFile& file, const std::string& binary, const GlobalOptions& global) {
  auto backup = read_file_if_exists(file.backup);
  if (!backup || !*backup) return remove_claude_hooks(*file.text);
  auto backup_cleaned = remove_claude_hooks(**backup);
  if (!backup_cleaned || *backup_cleaned != **backup) return remove_claude_hooks(*file.text);
  for (auto guard : {GuardAtSessionStart::no, GuardAtSessionStart::yes}) {
    auto backup_installed = add_claude_hooks(**backup, claude_hook_commands(binary, db_argument(global), guard));
    if (backup_installed && *backup_installed == *file.text) return **backup;
  }
  return remove_claude_hooks(*file.text);
}

// What install-hooks says it added: the events, and the guard when SessionStart starts it.
std::string added_hooks(const HookCommands& commands, const HooksOptions& options) {
  return "proctrail snap hooks for " + event_names(commands) +
         (options.guard ? " (SessionStart also starts proctrail guard --once, detached)" : "");
}

struct TimerPlace {
  std::filesystem::path folder;
  std::string systemctl;  // "systemctl --user" or "systemctl"
};

Result<TimerPlace> timer_place(const TimerOptions& options) {
  if (options.system) return TimerPlace{"/etc/systemd/system", "systemctl"};
  if (const char* config = non_empty_env("XDG_CONFIG_HOME")) {
    return TimerPlace{std::filesystem::path(config) / "systemd" / "user", "systemctl --user"};
  }
  if (const char* home = non_empty_env("HOME")) {
    return TimerPlace{std::filesystem::path(home) / ".config" / "systemd" / "user", "systemctl --user"};
  }
  return Error{"finding the systemd user unit folder: neither XDG_CONFIG_HOME nor HOME is set (or use --system)"};
}

// `binary --db DB` for what the timer runs (db_argument says which DB).
std::vector<std::string> timer_proctrail(const std::string& binary, const TimerOptions& options,
                                         const GlobalOptions& global) {
  const std::string db = db_argument(global, options.system);
  std::vector<std::string> command = {binary};
  if (!db.empty()) command.insert(command.end(), {"--db", db});
  return command;
}

struct TimerCommands {
  std::vector<std::string> snapshot;
  std::vector<std::string> guard;  // empty without --guard
};

TimerCommands timer_commands(const std::string& binary, const TimerOptions& options, const GlobalOptions& global) {
  TimerCommands commands;
  commands.snapshot = timer_proctrail(binary, options, global);
  commands.snapshot.insert(commands.snapshot.end(), {"snap", "--trigger", "timer"});
  if (options.guard) {
    commands.guard = timer_proctrail(binary, options, global);
    commands.guard.insert(commands.guard.end(), {"guard", "--once"});
  }
  return commands;
}

// "CMD every 5min" or "CMD, then GUARD, every 5min", for what install-timer says it wrote.
std::string timer_summary(const TimerCommands& commands, std::chrono::milliseconds interval) {
  std::string summary = quote_argv(commands.snapshot);
  if (!commands.guard.empty()) summary += ", then " + quote_argv(commands.guard) + ",";
  return summary + " every " + systemd_timespan(interval);
}

// Writes one unit unless it already says exactly that; refuses to replace a unit we did not write.
Result<bool> write_unit(const std::filesystem::path& file, const std::string& text) {
  auto existing = read_file_if_exists(file);
  if (!existing) return existing.error();
  if (*existing && **existing == text) return false;
  if (*existing && !(*existing)->starts_with(kTimerUnitHeader)) {
    return Error{file.string() + " exists and was not written by proctrail install-timer; left it untouched"};
  }
  if (auto written = write_file_atomically(file, text, kUnitMode); !written) return written.error();
  return true;
}

// "WHO: refusing FILE: why; left it untouched", of the kind of `why`.
int refuse(std::string_view who, const std::filesystem::path& file, const Error& why) {
  Error error = why.within(std::string(who) + ": refusing " + file.string());
  error.message += "; left it untouched";
  return fail_with(error);
}

void add_hooks_options(CLI::App& command, HooksOptions& options) {
  command.add_option("agent", options.agent, "Whose hooks (claude: Claude Code)")
      ->required()
      ->check(CLI::IsMember({"claude"}));
  auto* settings = command.add_option("--settings", options.settings,
                                      "The settings.json to edit (default: by --scope)");
  command.add_option("--scope", options.scope,
                     "user: $CLAUDE_CONFIG_DIR or ~/.claude/settings.json; project: ./.claude/settings.json")
      ->check(CLI::IsMember({"user", "project"}))
      ->excludes(settings);
  command.add_flag("--dry-run", options.dry_run, "Print the resulting file on stdout and write nothing");
}

void add_scope_flags(CLI::App& command, TimerOptions& options) {
  auto* user = command.add_flag("--user", options.user, "A systemd user unit (default): ~/.config/systemd/user");
  command.add_flag("--system", options.system, "A systemd system unit: /etc/systemd/system")->excludes(user);
}

}  // namespace

CLI::App* setup_install_hooks(CLI::App& app, HooksOptions& options) {
  auto* command = app.add_subcommand(
      "install-hooks", "Add hooks to Claude Code's settings.json: a snapshot at SessionStart, SessionEnd and Stop");
  add_hooks_options(*command, options);
  command->add_flag("--guard", options.guard,
                    "SessionStart also starts `proctrail guard --once`, detached, to reap what earlier sessions left");
  return command;
}

CLI::App* setup_uninstall_hooks(CLI::App& app, HooksOptions& options) {
  auto* command = app.add_subcommand("uninstall-hooks", "Remove the hooks install-hooks added, and nothing else");
  add_hooks_options(*command, options);
  return command;
}

CLI::App* setup_install_timer(CLI::App& app, TimerOptions& options) {
  auto* command = app.add_subcommand(
      "install-timer", "Write a systemd service + timer (proctrail-snap) that takes a snapshot every --interval");
  command->add_option("--interval", options.interval, "How often (e.g. 30s, 5m, 1h)");
  add_scope_flags(*command, options);
  auto* print = command->add_flag("--print", options.print, "Print the units on stdout and write nothing");
  command->add_flag("--cron", options.cron, "Print an equivalent crontab line instead")->excludes(print);
  command->add_flag("--guard", options.guard, "Each tick also runs `proctrail guard --once` after the snapshot");
  command->add_option("--exec", options.exec, "The proctrail binary the units run (default: this one)")->type_name("PATH");
  return command;
}

CLI::App* setup_uninstall_timer(CLI::App& app, TimerOptions& options) {
  auto* command = app.add_subcommand("uninstall-timer", "Remove the units install-timer wrote");
  add_scope_flags(*command, options);
  return command;
}

int run_install_hooks(const HooksOptions& options, const GlobalOptions& global) {
  auto binary = own_binary();
  if (!binary) return fail_with(binary.error().within("install-hooks"));
  auto file = read_settings(options);
  if (!file) return fail_with(file.error().within("install-hooks"));
  const HookCommands commands = hook_commands(*binary, options, global);
  auto updated = add_claude_hooks(file->text.value_or(""), commands);
  if (!updated) return refuse("install-hooks", file->path, updated.error());
  if (options.dry_run) {
    std::cout << *updated;
    return 0;
  }
  if (file->text && *updated == *file->text) {
    std::cout << "proctrail's Claude Code hooks are already in " << file->path.string() << "; left it unchanged\n";
    return 0;
  }
  if (auto written = replace_settings(*file, *updated); !written) return fail_with(written.error().within("install-hooks"));
  if (file->text) {
    std::cout << "added " << added_hooks(commands, options) << " to " << file->path.string()
              << "; the version from before proctrail first changed it is in " << file->backup.string() << '\n';
  } else {
    std::cout << "created " << file->path.string() << " with " << added_hooks(commands, options) << '\n';
  }
  return 0;
}

int run_uninstall_hooks(const HooksOptions& options, const GlobalOptions& global) {
  auto binary = own_binary();
  if (!binary) return fail_with(binary.error().within("uninstall-hooks"));
  auto file = read_settings(options);
  if (!file) return fail_with(file.error().within("uninstall-hooks"));
  if (!file->text) {
    std::cout << file->path.string() << " does not exist; nothing to remove\n";
    return 0;
  }
  auto updated = without_our_hooks(*file, *binary, global);
  if (!updated) return refuse("uninstall-hooks", file->path, updated.error());
  if (options.dry_run) {
    std::cout << *updated;
    return 0;
  }
  if (*updated == *file->text) {
    std::cout << "no proctrail hooks in " << file->path.string() << "; left it unchanged\n";
    return 0;
  }
  if (auto written = replace_settings(*file, *updated); !written) return fail_with(written.error().within("uninstall-hooks"));
  std::cout << "removed proctrail's hooks from " << file->path.string()
            << "; the version from before proctrail first changed it is in " << file->backup.string() << '\n';
  return 0;
}

int run_install_timer(const TimerOptions& options, const GlobalOptions& global) {
  auto interval = parse_duration(options.interval);
  if (!interval) return fail_with(interval.error().within("install-timer: --interval"));
  auto binary = options.exec.empty() ? own_binary() : Result<std::string>(options.exec);
  if (!binary) return fail_with(binary.error().within("install-timer"));
  const TimerCommands commands = timer_commands(*binary, options, global);
  if (options.cron) {
    auto line = snap_cron_line(commands.snapshot, *interval, commands.guard);
    if (!line) return fail_with(line.error().within("install-timer"));
    std::cout << *line << '\n';
    return 0;
  }
  auto place = timer_place(options);
  if (!place) return fail_with(place.error().within("install-timer"));
  const TimerUnits units = snap_timer_units(commands.snapshot, *interval, commands.guard);
  const auto service_file = place->folder / kTimerServiceName;
  const auto timer_file = place->folder / kTimerName;
  if (options.print) {
    std::cout << "### " << service_file.string() << '\n' << units.service << '\n'
              << "### " << timer_file.string() << '\n' << units.timer;
    return 0;
  }
  std::error_code error;
  std::filesystem::create_directories(place->folder, error);
  if (error) return fail_with(Error{"install-timer: creating " + place->folder.string() + ": " + error.message()});
  auto service_written = write_unit(service_file, units.service);
  if (!service_written) return fail_with(service_written.error().within("install-timer"));
  auto timer_written = write_unit(timer_file, units.timer);
  if (!timer_written) return fail_with(timer_written.error().within("install-timer"));
  std::cout << (*service_written || *timer_written ? "wrote " : "already up to date: ") << service_file.string()
            << " and " << timer_file.string() << " (" << timer_summary(commands, *interval) << ")\n"
            << "enable it with: " << place->systemctl << " daemon-reload && " << place->systemctl
            << " enable --now " << kTimerName << '\n';
  return 0;
}

int run_uninstall_timer(const TimerOptions& options, const GlobalOptions& /*global*/) {
  auto place = timer_place(options);
  if (!place) return fail_with(place.error().within("uninstall-timer"));
  std::vector<std::string> removed;
  for (std::string_view name : {kTimerServiceName, kTimerName}) {
    const auto file = place->folder / name;
    auto text = read_file_if_exists(file);
    if (!text) return fail_with(text.error().within("uninstall-timer"));
    if (!*text) continue;
    if (!(*text)->starts_with(kTimerUnitHeader)) {
      return fail_with(Error{"uninstall-timer: " + file.string() + " was not written by proctrail install-timer; left it untouched"});
    }
    std::error_code error;
    std::filesystem::remove(file, error);
    if (error) return fail_with(Error{"uninstall-timer: removing " + file.string() + ": " + error.message()});
    removed.push_back(file.string());
  }
  std::error_code ignored;
  const auto enabled = place->folder / "timers.target.wants" / kTimerName;
  if (std::filesystem::is_symlink(enabled, ignored) && std::filesystem::remove(enabled, ignored)) {
    removed.push_back(enabled.string());
  }
  if (removed.empty()) {
    std::cout << "no proctrail timer in " << place->folder.string() << "; nothing to remove\n";
    return 0;
  }
  std::cout << "removed";
  for (const auto& file : removed) std::cout << ' ' << file;
  std::cout << "\nstop the running timer with: " << place->systemctl << " stop " << kTimerName << " && "
            << place->systemctl << " daemon-reload\n";
  return 0;
}

}  // namespace proctrail::cli
