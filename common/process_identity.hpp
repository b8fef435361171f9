#pragma once
// Whether a process recorded earlier is still the one running under its pid, from this machine's
// /proc, for rooms that may not use the collectors' parsers: the store, closing a cleanup run whose
// process died. Identity is (boot, pid, start_ticks); an answer that cannot be sure says unknown.
#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/fs_util.hpp"
#include "common/text_util.hpp"

namespace proctrail::fs {

enum class Presence {
  running,  // the recorded process runs (with no start time recorded: some process has its pid)
  gone,     // it does not: its boot ended on this machine, its pid is free, another process has it,
            // or it has exited and awaits its parent (a zombie)
  unknown,  // cannot tell: another machine's boot, or /proc could not be read
};

// A process as recorded: its boot's ids and its identity within that boot.
struct RecordedProcess {
  std::string boot_id;
  std::string machine_id;
  pid_t pid = 0;
  std::optional<uint64_t> start_ticks;  // nullopt: not recorded; then the pid alone is asked about
};

// This machine's facts to compare with: boot_id and machine-id, trimmed ("" when unreadable).
struct HereAndNow {
  std::string boot_id;
  std::string machine_id;
};

inline HereAndNow read_here(const std::string& proc_root = "/proc", const std::string& machine_id_path = "/etc/machine-id") {
  HereAndNow here;
  std::string text;
  if (read_file_at(AT_FDCWD, (proc_root + "/sys/kernel/random/boot_id").c_str(), text) == 0) here.boot_id = trim_line(text);
  if (read_file_at(AT_FDCWD, machine_id_path.c_str(), text) == 0) here.machine_id = trim_line(text);
  return here;
}

// (3) state and (22) starttime from the text of /proc/PID/stat: the 1st and 20th fields after
// comm's closing ')'.
struct StatIdentity {
  char state = '?';
  uint64_t start_ticks = 0;
};
inline std::optional<StatIdentity> stat_identity(std::string_view stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  const auto fields = text::split_fields(stat.substr(close + 1), 20);
  StatIdentity identity;
  if (fields.size() < 20 || fields[0].size() != 1 || !text::parse_int(fields[19], identity.start_ticks)) return std::nullopt;
  identity.state = fields[0][0];
  return identity;
}

inline Presence presence_of(const RecordedProcess& recorded, const HereAndNow& here, const std::string& proc_root = "/proc") {
  if (here.boot_id.empty()) return Presence::unknown;
  if (recorded.boot_id != here.boot_id) {
    // This machine has rebooted since; a trail shared with another machine tells nothing here.
    const bool same_machine = !here.machine_id.empty() && recorded.machine_id == here.machine_id;
    return same_machine ? Presence::gone : Presence::unknown;
  }
  std::string stat;
  const int error = read_file_at(AT_FDCWD, (proc_root + "/" + std::to_string(recorded.pid) + "/stat").c_str(), stat);
  if (error == ENOENT || error == ESRCH) return Presence::gone;
  if (error != 0) return Presence::unknown;
  const auto identity = stat_identity(stat);
  if (!identity) return Presence::unknown;
  if (recorded.start_ticks && identity->start_ticks != *recorded.start_ticks) return Presence::gone;
  if (identity->state == 'Z' || identity->state == 'X') return recorded.start_ticks ? Presence::gone : Presence::unknown;
  return Presence::running;
}

}  // namespace proctrail::fs
