// Pure parsers of /proc text. No I/O here: each takes the file's content.
#include <sys/stat.h>

#include <charconv>
#include <string>

#include "recorder/collect/procfs_parse.hpp"

#include "common/text_util.hpp"

namespace proctrail {
namespace {

using text::Lines;
using text::parse_int;
using text::trim;

using text::split_fields;

Error stat_error(const char* what) { return Error{std::string("malformed stat: ") + what}; }

bool is_shell_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '@' || c == '%' || c == '+' || c == '=' || c == ':' || c == ',' ||
         c == '.' || c == '/' || c == '-';
}

}  // namespace

Result<StatFields> parse_stat(std::string_view text) {
  StatFields fields;
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return stat_error("no (comm)");
  }
  // (1) pid
  if (!parse_int(trim(text.substr(0, open)), fields.pid)) return stat_error("bad pid");
  // (2) comm: everything between the first '(' and the last ')'
  fields.comm = std::string(text.substr(open + 1, close - open - 1));

  // (3) onwards; we need up to (24) rss, i.e. 22 tokens.
  constexpr size_t kNeeded = 22;
  auto tokens = split_fields(text.substr(close + 1), kNeeded);
  if (tokens.size() < kNeeded) return stat_error("too few fields");
  auto field = [&](int number) { return tokens[static_cast<size_t>(number - 3)]; };

  if (field(3).size() != 1) return stat_error("bad state");
  fields.state = field(3)[0];                                                // (3) state
  if (!parse_int(field(4), fields.ppid)) return stat_error("bad ppid");       // (4) ppid
  if (!parse_int(field(5), fields.pgrp)) return stat_error("bad pgrp");       // (5) pgrp
  if (!parse_int(field(6), fields.session)) return stat_error("bad session"); // (6) session
  if (!parse_int(field(7), fields.tty_nr)) return stat_error("bad tty_nr");   // (7) tty_nr
  if (!parse_int(field(9), fields.flags)) return stat_error("bad flags");     // (9) flags
  if (!parse_int(field(14), fields.utime)) return stat_error("bad utime");    // (14) utime
  if (!parse_int(field(15), fields.stime)) return stat_error("bad stime");    // (15) stime
  if (!parse_int(field(20), fields.num_threads)) return stat_error("bad num_threads");  // (20)
  if (!parse_int(field(22), fields.starttime)) return stat_error("bad starttime");      // (22)
  if (!parse_int(field(24), fields.rss_pages)) return stat_error("bad rss");            // (24)
  return fields;
}

StatusFields parse_status(std::string_view text) {
  StatusFields fields;
  std::optional<uint64_t> voluntary, involuntary;
  Lines lines(text);
  std::string_view line;
  auto counter = [](std::string_view value) -> std::optional<uint64_t> {
    uint64_t count = 0;
    auto tokens = split_fields(value, 1);
    if (tokens.empty() || !parse_int(tokens[0], count)) return std::nullopt;
    return count;
  };
  while (lines.next(line)) {
    if (line.starts_with("State:")) {
      auto tokens = split_fields(line.substr(6), 1);
      if (!tokens.empty() && !tokens[0].empty()) fields.state = tokens[0][0];
    } else if (line.starts_with("Uid:")) {
      // Uid: real effective saved fs
      auto tokens = split_fields(line.substr(4), 2);
      uid_t value = 0;
      if (!tokens.empty() && parse_int(tokens[0], value)) fields.uid = value;
      if (tokens.size() > 1 && parse_int(tokens[1], value)) fields.euid = value;
    } else if (line.starts_with("voluntary_ctxt_switches:")) {
      voluntary = counter(line.substr(24));
    } else if (line.starts_with("nonvoluntary_ctxt_switches:")) {
      involuntary = counter(line.substr(27));
    } else if (line.starts_with("VmSwap:")) {
      if (auto kb = counter(line.substr(7))) fields.swap_kb = static_cast<int64_t>(*kb);  // "VmSwap:\t  1234 kB"
    }
  }
  if (voluntary && involuntary) fields.context_switches = *voluntary + *involuntary;
  return fields;
}

std::optional<uint64_t> parse_io_syscalls(std::string_view text) {
  std::optional<uint64_t> reads, writes;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    uint64_t value = 0;
    if (line.starts_with("syscr:") && parse_int(trim(line.substr(6)), value)) reads = value;
    if (line.starts_with("syscw:") && parse_int(trim(line.substr(6)), value)) writes = value;
  }
  if (!reads || !writes) return std::nullopt;
  return *reads + *writes;
}

std::optional<MemorySample> parse_smaps_rollup(std::string_view text) {
  MemorySample rollup;
  bool rss = false, pss = false;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the header line: "00400000-7ffd... ---p 00000000 00:00 0 [rollup]"
    auto tokens = split_fields(line.substr(colon + 1), 1);
    int64_t kb = 0;
    if (tokens.empty() || !parse_int(tokens[0], kb)) continue;
    const std::string_view key = line.substr(0, colon);
    if (key == "Rss") rollup.rss_kb = kb, rss = true;
    else if (key == "Pss") rollup.pss_kb = kb, pss = true;
    else if (key == "Private_Clean" || key == "Private_Dirty") rollup.uss_kb += kb;
    else if (key == "Swap") rollup.swap_kb = kb;
  }
  if (!rss || !pss) return std::nullopt;
  return rollup;
}

std::optional<EnvironMarker> find_environ_marker(std::string_view environ, const std::vector<std::string_view>& names) {
  std::optional<EnvironMarker> found;
  size_t found_rank = names.size();
  while (!environ.empty()) {
    const size_t end = environ.find('\0');
    const std::string_view entry = environ.substr(0, end);
    environ = end == std::string_view::npos ? std::string_view{} : environ.substr(end + 1);
    const size_t equals = entry.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view name = entry.substr(0, equals);
    for (size_t rank = 0; rank < found_rank; ++rank) {
      if (names[rank] != name) continue;
      std::string value(entry.substr(equals + 1, kMaxSessionMarkerBytes));
      for (char& c : value) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // control bytes never reach a terminal
      }
      found = EnvironMarker{std::string(name), std::move(value)};
      found_rank = rank;
      break;
    }
  }
  return found;
}

std::vector<std::string> parse_cmdline(std::string_view text) {
  std::vector<std::string> argv;
  if (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  if (text.empty()) return argv;
  size_t pos = 0;
  while (true) {
    size_t end = text.find('\0', pos);
    if (end == std::string_view::npos) {
      argv.emplace_back(text.substr(pos));
      break;
    }
    argv.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return argv;
}

std::string quote_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    bool safe = !arg.empty();
    for (char c : arg) safe = safe && is_shell_safe(c);
    if (safe) {
      out += arg;
      continue;
    }
    out += '\'';
    for (char c : arg) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

std::vector<CgroupLine> split_cgroup_lines(std::string_view text) {
  std::vector<CgroupLine> out;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    size_t first = line.find(':');
    if (first == std::string_view::npos) continue;
    size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    out.push_back(CgroupLine{line.substr(0, first), line.substr(first + 1, second - first - 1), line.substr(second + 1)});
  }
  return out;
}

std::optional<std::string> parse_cgroup(std::string_view text) {
  std::optional<std::string> systemd_path;
  std::optional<std::string> first_path;
  for (const auto& line : split_cgroup_lines(text)) {
    if (line.hierarchy == "0" && line.controllers.empty()) return std::string(line.path);
    if (line.controllers == "name=systemd") systemd_path = std::string(line.path);
    if (!first_path) first_path = std::string(line.path);
  }
  return systemd_path ? systemd_path : first_path;
}

std::optional<uint64_t> parse_ns_link(std::string_view target) {
  size_t open = target.find(":[");
  if (open == std::string_view::npos || target.empty() || target.back() != ']') return std::nullopt;
  uint64_t inode = 0;
  if (!parse_int(target.substr(open + 2, target.size() - open - 3), inode)) return std::nullopt;
  return inode;
}

std::optional<SchedStat> parse_schedstat(std::string_view text) {
  auto tokens = split_fields(text, 3);
  SchedStat stat;
  if (tokens.size() < 3 || !parse_int(tokens[0], stat.run_ns) || !parse_int(tokens[2], stat.pcount)) return std::nullopt;
  return stat;
}

Result<int64_t> parse_boot_time(std::string_view text) {
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    if (!line.starts_with("btime ")) continue;
    int64_t value = 0;
    if (parse_int(trim(line.substr(6)), value)) return value;
    return Error{"malformed btime line in /proc/stat"};
  }
  return Error{"no btime line in /proc/stat"};
}

}  // namespace proctrail

namespace proctrail {

FdInfo parse_fdinfo(std::string_view text) {
  FdInfo info;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    while (!value.empty() && value.front() == '\t') value.remove_prefix(1);
    if (key == "flags") {
      uint32_t flags = 0;
      if (parse_int(value, flags, 8)) info.flags = flags;
    } else if (key == "ino") {
      uint64_t inode = 0;
      if (parse_int(value, inode)) info.inode = inode;
    } else if (key == "pos") {
      uint64_t pos = 0;
      if (parse_int(value, pos)) info.pos = pos;
    }
  }
  return info;
}

std::string access_mode(uint32_t flags) {
  switch (flags & 03) {  // O_ACCMODE
    case 0: return "r";
    case 1: return "w";
    default: return "rw";
  }
}

bool is_proc_fd_link_mode(uint32_t mode) {
  return (mode & S_IFMT) == S_IFLNK && (mode & (S_IRWXG | S_IRWXO)) == 0;
}

std::optional<std::string> access_mode_of_link(uint32_t mode) {
  const bool reads = (mode & S_IRUSR) != 0;
  const bool writes = (mode & S_IWUSR) != 0;
  if (reads && writes) return "rw";
  if (reads) return "r";
  if (writes) return "w";
  return std::nullopt;  // O_PATH: open for neither
}

std::optional<std::string> access_mode_of_kind(std::string_view kind) {
  if (kind == "socket") return "rw";
  return std::nullopt;
}

FdLink classify_fd_link(std::string_view target) {
  auto bracketed = [&](std::string_view prefix) -> std::optional<uint64_t> {
    if (!target.starts_with(prefix) || !target.ends_with("]")) return std::nullopt;
    uint64_t inode = 0;
    if (!parse_int(target.substr(prefix.size(), target.size() - prefix.size() - 1), inode)) return std::nullopt;
    return inode;
  };
  if (auto inode = bracketed("pipe:[")) return FdLink{"pipe", inode};
  if (auto inode = bracketed("socket:[")) return FdLink{"socket", inode};
  if (target.starts_with("anon_inode:")) return FdLink{"anon", std::nullopt};
  if (target.starts_with("/")) return FdLink{"path", std::nullopt};
  return FdLink{"other", std::nullopt};
}

}  // namespace proctrail
