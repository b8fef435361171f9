// The Docker Engine API over its unix socket, through libcurl (CURLOPT_UNIX_SOCKET_PATH).
//
// libcurl is loaded with dlopen the first time a daemon's socket exists: linked normally, its dozen
// dependent libraries cost every proctrail start ~12 ms (7 → 20 ms for `--version`), which a
// `snap --hook` on a machine without Docker should not pay.
//
// One budget (DockerOptions::timeout) covers the list and every inspect, so a daemon that accepts and
// never answers costs a snapshot at most that long. Failures are sorted into the kinds the snapshot
// row reports: no socket, permission denied, cannot connect, timeout, bad reply.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>
#include <cstring>
#include <memory>
#include <type_traits>

#include <dlfcn.h>

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "proctrail/containers.hpp"
#include "recorder/collect/container_parse.hpp"

namespace proctrail {
namespace {

constexpr size_t kMaxReplyBytes = 64u << 20;

// The libcurl entry points used here, resolved once from libcurl.so.4.
struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  std::string error;  // non-empty: libcurl could not be loaded
};

const CurlApi& curl_api() {
  static const CurlApi api = [] {
    CurlApi loaded;
    void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      loaded.error = std::string("cannot connect: libcurl.so.4 cannot be loaded: ") + ::dlerror();
      return loaded;
    }
    auto bind = [&](auto& slot, const char* name) {
      slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(::dlsym(library, name));
      if (slot == nullptr && loaded.error.empty()) loaded.error = std::string("cannot connect: libcurl lacks ") + name;
    };
    bind(loaded.global_init, "curl_global_init");
    bind(loaded.easy_init, "curl_easy_init");
    bind(loaded.easy_setopt, "curl_easy_setopt");
    bind(loaded.easy_perform, "curl_easy_perform");
    bind(loaded.easy_getinfo, "curl_easy_getinfo");
    bind(loaded.easy_cleanup, "curl_easy_cleanup");
    bind(loaded.easy_strerror, "curl_easy_strerror");
    if (loaded.error.empty()) loaded.global_init(CURL_GLOBAL_NOTHING);
    return loaded;
  }();
  return api;
}

struct CurlHandle {
  CURL* handle = nullptr;
  std::string body;
  bool too_big = false;
  ~CurlHandle() {
    if (handle != nullptr) curl_api().easy_cleanup(handle);
  }
};

size_t append_body(char* data, size_t size, size_t count, void* user) {
  auto* self = static_cast<CurlHandle*>(user);
  const size_t bytes = size * count;
  if (self->body.size() + bytes > kMaxReplyBytes) {
    self->too_big = true;
    return 0;  // aborts the transfer
  }
  self->body.append(data, bytes);
  return bytes;
}

Status check_socket(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == EACCES) return Error{"permission denied: cannot reach " + path, ErrorKind::permission};
    return Error{"no socket: " + path + ": " + std::strerror(errno), ErrorKind::unavailable};
  }
  if (!S_ISSOCK(info.st_mode)) return Error{"no socket: " + path + " is not a socket", ErrorKind::unavailable};
  if (::access(path.c_str(), R_OK | W_OK) != 0 && errno == EACCES) {
    return Error{"permission denied: " + path + " (not in the docker group?)", ErrorKind::permission};
  }
  return ok_status();
}

class EngineClient {
 public:
  EngineClient(const DockerOptions& options, std::chrono::steady_clock::time_point deadline)
      : options_(options), deadline_(deadline) {
    if (curl_api().error.empty()) curl_.handle = curl_api().easy_init();
  }

  Result<std::string> get(const std::string& path) { return request("GET", path, {200}); }

  // METHOD path → body when the status is one of `ok`, or an Error (not_found for HTTP 404).
  Result<std::string> request(const char* method, const std::string& path, std::initializer_list<long> ok) {
    const CurlApi& api = curl_api();
    if (!api.error.empty()) return Error{api.error};
    if (curl_.handle == nullptr) return Error{"cannot connect: libcurl could not start"};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0) return timeout_error();
    curl_.body.clear();
    curl_.too_big = false;
    CURL* h = curl_.handle;
    const std::string url = "http://localhost" + path;
    api.easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, options_.socket_path.c_str());
    api.easy_setopt(h, CURLOPT_URL, url.c_str());
    api.easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
    api.easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
    api.easy_setopt(h, CURLOPT_WRITEDATA, &curl_);
    CURLcode code = api.easy_perform(h);
    if (code != CURLE_OK) return transfer_error(code);
    long status = 0;
    api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (std::find(ok.begin(), ok.end(), status) == ok.end()) {
      return Error{"bad reply: HTTP " + std::to_string(status) + " for " + method + " " + path + " from " + options_.socket_path,
                   status == 404 ? ErrorKind::not_found : ErrorKind::failed};
    }
    return std::move(curl_.body);
  }

 private:
  Error timeout_error() const {
    return Error{"timeout: no complete reply from " + options_.socket_path + " within " +
                 std::to_string(options_.timeout.count()) + " ms"};
  }

  Error transfer_error(CURLcode code) const {
    const CurlApi& api = curl_api();
    if (code == CURLE_OPERATION_TIMEDOUT) return timeout_error();
    if (curl_.too_big) return Error{"bad reply: more than 64 MiB from " + options_.socket_path};
    if (code == CURLE_COULDNT_CONNECT) {
      long os_errno = 0;
      api.easy_getinfo(curl_.handle, CURLINFO_OS_ERRNO, &os_errno);
      if (os_errno == EACCES || os_errno == EPERM) {
        return Error{"permission denied: " + options_.socket_path, ErrorKind::permission};
      }
      return Error{"cannot connect: " + options_.socket_path + ": " +
                   (os_errno != 0 ? std::strerror(static_cast<int>(os_errno)) : api.easy_strerror(code))};
    }
    return Error{std::string("bad reply: ") + api.easy_strerror(code) + " from " + options_.socket_path};
  }

  const DockerOptions& options_;
  std::chrono::steady_clock::time_point deadline_;
  CurlHandle curl_;
};

}  // namespace

DockerCollector::DockerCollector(DockerOptions options, Logger logger)
    : options_(std::move(options)), logger_(or_null(std::move(logger))) {}

Result<ContainerTable> DockerCollector::collect() const {
  if (auto reachable = check_socket(options_.socket_path); !reachable) return reachable.error();
  EngineClient client(options_, std::chrono::steady_clock::now() + options_.timeout);
  auto listing = client.get("/containers/json?all=1");
  if (!listing) return listing.error();
  auto containers = parse_container_list(*listing);
  if (!containers) return containers.error();
  for (auto& container : *containers) {
    auto inspected = client.get("/containers/" + container.id + "/json");
    if (!inspected) {
      // Removed between the list and the inspect: it is gone, not a failure.
      if (inspected.error().kind == ErrorKind::not_found) {
        container.state = "removed";
        continue;
      }
      return inspected.error();
    }
    if (auto applied = apply_container_inspect(*inspected, container); !applied) return applied.error();
  }
  std::erase_if(*containers, [](const ContainerSample& c) { return c.state == "removed"; });
  return ContainerTable{std::move(*containers), "docker unix://" + options_.socket_path};
}

Result<std::string> DockerCollector::stop(const std::string& id, std::chrono::seconds grace) const {
  if (auto reachable = check_socket(options_.socket_path); !reachable) return reachable.error();
  // The daemon waits `grace` before it kills: the budget covers that plus our usual timeout.
  EngineClient client(options_, std::chrono::steady_clock::now() + grace + options_.timeout);
  auto stopped = client.request("POST", "/containers/" + id + "/stop?t=" + std::to_string(grace.count()), {204, 304});
  if (!stopped) {
    if (stopped.error().kind == ErrorKind::not_found) return std::string("gone");
    return stopped.error();
  }
  return std::string("stopped");
}

Result<std::string> DockerCollector::remove(const std::string& id) const {
  if (auto reachable = check_socket(options_.socket_path); !reachable) return reachable.error();
  EngineClient client(options_, std::chrono::steady_clock::now() + options_.timeout);
  auto removed = client.request("DELETE", "/containers/" + id, {204});
  if (!removed) {
    if (removed.error().kind == ErrorKind::not_found) return std::string("gone");
    return removed.error();
  }
  return std::string("removed");
}

}  // namespace proctrail
