// The client behind a hook: Claude Code runs each hook as `client → /bin/sh -c CMD` (DESIGN.md), so
// the hook's nearest ancestor that is not a shell or a wrapper is the client whose session it reports.
#include <algorithm>
#include <array>
#include <string_view>

#include "common/fs_util.hpp"
#include "proctrail/hook.hpp"
#include "recorder/collect/procfs_parse.hpp"

namespace proctrail {
namespace {

bool is_shell_or_wrapper(std::string_view comm) {
  static constexpr std::array<std::string_view, 13> kWrappers = {
      "sh", "bash", "dash", "zsh", "fish", "ksh", "busybox", "env", "timeout", "nohup", "setsid", "nice", "proctrail"};
  return std::find(kWrappers.begin(), kWrappers.end(), comm) != kWrappers.end();
}

}  // namespace

std::optional<ProcessKey> find_hook_client(pid_t parent, const std::filesystem::path& proc_root) {
  std::string text;
  for (int depth = 0; depth < 16 && parent > 1; ++depth) {
    const std::string stat_path = (proc_root / std::to_string(parent) / "stat").string();
    if (fs::read_file_at(AT_FDCWD, stat_path.c_str(), text) != 0) return std::nullopt;
    auto stat = parse_stat(text);
    if (!stat) return std::nullopt;
    if (!is_shell_or_wrapper(stat->comm)) return ProcessKey{stat->pid, stat->starttime};
    parent = stat->ppid;
  }
  return std::nullopt;
}

}  // namespace proctrail
