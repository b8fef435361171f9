// parse_lsof: `lsof -F` field output (Linux and macOS). Each field is one letter and its value,
// ended by a newline (or a NUL with -F0). A `p` field starts a process set (c R g u L follow), an
// `f` field starts a file set of that process (a t D i d n P T ... follow).
#include <algorithm>
#include <cctype>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "import/parse.hpp"
#include "import/import_util.hpp"

namespace proctrail {
namespace {

using import_util::parse_int;

struct Field {
  char letter = 0;
  std::string_view value;
  int64_t line_number = 0;
};

// Fields in order, each with the line it is on (with -F0 a whole set shares one line).
std::vector<Field> split_fields(std::string_view text) {
  std::vector<Field> fields;
  int64_t line = 1;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool end = i == text.size() || text[i] == '\n' || text[i] == '\0';
    if (!end) continue;
    std::string_view field = text.substr(start, i - start);
    if (!field.empty() && field.back() == '\r') field.remove_suffix(1);
    if (!field.empty()) fields.push_back(Field{field.front(), field.substr(1), line});
    if (i < text.size() && text[i] == '\n') ++line;
    start = i + 1;
  }
  return fields;
}

std::optional<uint64_t> parse_unsigned(std::string_view text) {
  auto value = parse_int(text);
  if (!value || *value < 0) return std::nullopt;
  return static_cast<uint64_t>(*value);
}

std::optional<uint64_t> parse_hex(std::string_view text) {
  if (!text.starts_with("0x")) return std::nullopt;
  text.remove_prefix(2);
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One file set as lsof printed it, before it becomes a descriptor.
struct FileSet {
  std::string fd;
  std::optional<std::string> access, type, name, protocol, tcp_state;
  std::optional<uint64_t> inode, dev;
  std::optional<std::string> device_text;  // d: Linux prints an inet socket's inode here
};

std::string kind_of(const FileSet& file) {
  const std::string type = file.type.value_or("");
  if (type == "FIFO") return file.name == "pipe" ? "pipe" : "fifo";
  if (type == "PIPE") return "pipe";
  if (type == "unix" || type == "IPv4" || type == "IPv6" || type == "sock" || type == "systm") return "socket";
  if (type == "REG") return "file";
  if (type == "DIR") return "dir";
  if (type == "CHR") return "chr";
  if (type == "BLK") return "blk";
  if (type == "a_inode" || type == "KQUEUE") return "anon";
  return "other";
}

std::optional<std::string> mode_of(const std::optional<std::string>& access) {
  if (access == "r") return "r";
  if (access == "w") return "w";
  if (access == "u") return "rw";
  return std::nullopt;
}

struct Endpoint {
  std::optional<std::string> address;
  std::optional<int> port;
};

// "127.0.0.1:5000", "[::1]:5000", "*:22", "localhost:http".
Endpoint endpoint_of(std::string_view text, bool inet6) {
  Endpoint endpoint;
  size_t colon = std::string_view::npos;
  std::string_view address;
  if (text.starts_with("[")) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return endpoint;
    address = text.substr(1, close - 1);
    colon = close + 1 < text.size() && text[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    colon = text.rfind(':');
    address = text.substr(0, colon);
  }
  if (address == "*") address = inet6 ? "::" : "0.0.0.0";
  if (!address.empty()) endpoint.address = std::string(address);
  if (colon != std::string_view::npos) {
    auto port = parse_int(text.substr(colon + 1));
    if (port && *port >= 0 && *port <= 65535) endpoint.port = static_cast<int>(*port);
  }
  return endpoint;
}

std::optional<SocketSample> inet_socket(const FileSet& file, uint64_t inode) {
  SocketSample socket;
  socket.inode = inode;
  const bool inet6 = file.type == "IPv6";
  socket.family = inet6 ? "inet6" : "inet";
  socket.protocol = file.protocol ? lower(*file.protocol) : "unknown";
  std::string_view name = file.name ? std::string_view(*file.name) : std::string_view{};
  if (auto space = name.find(' '); space != std::string_view::npos) name = name.substr(0, space);  // " (LISTEN)"
  const size_t arrow = name.find("->");
  Endpoint local = endpoint_of(name.substr(0, arrow), inet6);
  socket.local_address = local.address;
  socket.local_port = local.port;
  if (arrow != std::string_view::npos) {
    Endpoint remote = endpoint_of(name.substr(arrow + 2), inet6);
    socket.remote_address = remote.address;
    socket.remote_port = remote.port;
  }
  socket.state = file.tcp_state.value_or(socket.protocol == "udp" ? "UNCONN" : "UNKNOWN");
  return socket;
}

// Linux lsof names a unix socket "/path type=STREAM" or "type=DGRAM ->INO=1234 ...".
SocketSample unix_socket(const FileSet& file, uint64_t inode) {
  SocketSample socket;
  socket.inode = inode;
  socket.family = "unix";
  socket.protocol = "unknown";
  const std::string name = file.name.value_or("");
  if (auto type = name.find("type="); type != std::string::npos) {
    socket.protocol = lower(name.substr(type + 5, name.find(' ', type) - (type + 5)));
  }
  if (!name.empty() && (name.front() == '/' || name.front() == '@')) socket.path = name.substr(0, name.find(' '));
  if (auto peer = name.find("->INO="); peer != std::string::npos) {
    socket.peer_inode = parse_unsigned(std::string_view(name).substr(peer + 6, name.find_first_of(" ,", peer + 6) - (peer + 6)));
  }
  const std::string state = file.tcp_state.value_or("UNKNOWN");
  socket.state = state == "CONNECTED" ? "ESTABLISHED" : state;
  return socket;
}

class LsofReader {
 public:
  ImportedTable read(const std::vector<Field>& fields) {
    for (const auto& field : fields) {
      ++table_.lines_read;
      if (auto reason = take(field)) {
        skip(field, *reason);
      } else {
        ++table_.lines_taken;
      }
    }
    finish_file();
    table_.format = "lsof -F";
    return std::move(table_);
  }

 private:
  void skip(const Field& field, const std::string& reason) {
    // With -F0 a whole set is one line: report the line once.
    if (!table_.skipped.empty() && table_.skipped.back().line_number == field.line_number) return;
    std::string text = std::string(1, field.letter) + std::string(field.value);
    table_.skipped.push_back(SkippedLine{field.line_number, reason, text.substr(0, kSkippedTextMax)});
  }

  ImportedProcess* current() { return discarding_ || table_.processes.empty() ? nullptr : &table_.processes.back(); }

  // nullopt: taken; else why not.
  std::optional<std::string> take(const Field& field) {
    if (field.letter == 'p') return start_process(field);
    if (folding_) return std::nullopt;  // a thread's repeat of its process's set: taken into it already
    if (discarding_) return "belongs to the skipped process on line " + std::to_string(discarded_at_);
    if (!std::isalpha(static_cast<unsigned char>(field.letter))) return std::string("not an lsof -F field");
    ImportedProcess* process = current();
    if (!process) return std::string("field before any process (p) field");
    if (field.letter == 'f') {
      finish_file();
      file_ = FileSet{.fd = std::string(field.value)};
      return std::nullopt;
    }
    if (file_) return take_file_field(field);
    return take_process_field(field, *process);
  }

  std::optional<std::string> start_process(const Field& field) {
    finish_file();
    auto pid = parse_int(field.value);
    discarding_ = true;
    folding_ = false;
    discarded_at_ = field.line_number;
    if (!pid || *pid <= 0 || *pid > std::numeric_limits<pid_t>::max()) return "p is not a pid: '" + std::string(field.value) + "'";
    discarding_ = false;
    if (!pids_.insert(static_cast<pid_t>(*pid)).second) {
      // lsof lists a process again for each of its threads (a K task id follows): the same files.
      folding_ = true;
      ++table_.thread_repeats;
      return std::nullopt;
    }
    table_.processes.push_back(ImportedProcess{.pid = static_cast<pid_t>(*pid)});
    return std::nullopt;
  }

  static std::optional<std::string> take_process_field(const Field& field, ImportedProcess& process) {
    auto number = [&](auto& out) -> std::optional<std::string> {
      auto value = parse_int(field.value);
      if (!value || *value < 0) return std::string(1, field.letter) + " is not a number: '" + std::string(field.value) + "'";
      out = static_cast<std::remove_reference_t<decltype(*out)>>(*value);
      return std::nullopt;
    };
    switch (field.letter) {
      case 'c': process.comm = std::string(field.value); return std::nullopt;
      case 'L': process.user = std::string(field.value); return std::nullopt;
      case 'R': return number(process.ppid);
      case 'g': return number(process.pgid);
      case 'u': return number(process.uid);
      default: return std::nullopt;  // other process fields (K task id, ...) are not kept
    }
  }

  std::optional<std::string> take_file_field(const Field& field) {
    const std::string value(field.value);
    switch (field.letter) {
      case 'a': file_->access = value; return std::nullopt;
      case 't': file_->type = value; return std::nullopt;
      case 'n': file_->name = value; return std::nullopt;
      case 'P': file_->protocol = value; return std::nullopt;
      case 'd': file_->device_text = value; return std::nullopt;
      case 'T':
        if (value.starts_with("ST=")) file_->tcp_state = value.substr(3);
        return std::nullopt;
      case 'i':
        file_->inode = parse_unsigned(value);
        return file_->inode ? std::nullopt : std::optional<std::string>("i is not an inode: '" + value + "'");
      case 'D':
        file_->dev = parse_hex(value);
        if (!file_->dev) file_->dev = parse_unsigned(value);
        return file_->dev ? std::nullopt : std::optional<std::string>("D is not a device number: '" + value + "'");
      default: return std::nullopt;  // s, o, l, k, G, ...: not kept
    }
  }

  void finish_file() {
    if (!file_) return;
    FileSet file = std::move(*file_);
    file_.reset();
    ImportedProcess* process = current();
    if (!process) return;
    if (file.fd == "cwd") {
      process->cwd = file.name;
      return;
    }
    auto fd = parse_int(file.fd);
    if (!fd || *fd < 0 || *fd > std::numeric_limits<int>::max()) {  // txt, mem, rtd, DEL, ...
      ++table_.fds_not_numbered;
      return;
    }
    add_descriptor(static_cast<int>(*fd), file, *process);
  }

  void add_descriptor(int fd, const FileSet& file, ImportedProcess& process) {
    FdSample sample;
    sample.fd = fd;
    sample.kind = kind_of(file);
    sample.inode = file.inode;
    const bool inet = file.type == "IPv4" || file.type == "IPv6";
    if (!sample.inode && inet && file.device_text) sample.inode = parse_unsigned(*file.device_text);
    sample.dev = file.dev;
    sample.mode = mode_of(file.access);
    const bool named_by_inode = (sample.kind == "pipe" || sample.kind == "socket") && sample.inode;
    if (!named_by_inode) sample.target = file.name;
    if (sample.kind == "socket" && sample.inode) add_socket(file, *sample.inode, inet);
    process.fds.push_back(std::move(sample));
  }

  void add_socket(const FileSet& file, uint64_t inode, bool inet) {
    if (!socket_inodes_.insert(inode).second) return;  // one row per socket, whoever holds it
    if (inet) {
      if (auto socket = inet_socket(file, inode)) table_.sockets.push_back(std::move(*socket));
    } else if (file.type == "unix") {
      table_.sockets.push_back(unix_socket(file, inode));
    }
  }

  ImportedTable table_;
  std::optional<FileSet> file_;
  bool discarding_ = false;     // inside the set of a skipped p field
  bool folding_ = false;        // inside a thread's repeat of a process already listed
  int64_t discarded_at_ = 0;
  std::unordered_set<pid_t> pids_;
  std::unordered_set<uint64_t> socket_inodes_;
};

}  // namespace

Result<ImportedTable> parse_lsof(std::string_view text) {
  auto fields = split_fields(text);
  if (std::none_of(fields.begin(), fields.end(), [](const Field& f) { return f.letter == 'p'; })) {
    return Error{"not lsof -F output (no p field naming a process)", ErrorKind::corrupt};
  }
  return LsofReader().read(fields);
}

}  // namespace proctrail
