// proctrail sql: any statement text against a real (empty) trail through TrailReader::run_sql, the
// read-only connection with its authorizer, function allow list, timeout and heap bound. It must
// never crash, and never change the trail: a write that got past the authorizer aborts the run.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "proctrail/query.hpp"
#include "proctrail/store.hpp"

namespace {

std::filesystem::path trail_path;
std::optional<proctrail::TrailReader> reader;

struct FileState {
  off_t size = 0;
  int64_t modified_ns = 0;
  bool operator==(const FileState&) const = default;
};

FileState state_of(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  return {info.st_size, static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
}

FileState trail_state;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char pattern[] = "/tmp/proctrail-fuzz-sql.XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  if (!dir) std::abort();
  trail_path = std::filesystem::path(dir) / "trail.db";
  {
    auto store = proctrail::Store::open(trail_path);  // the whole schema, views included
    if (!store) std::abort();
  }
  auto opened = proctrail::TrailReader::open(trail_path);
  if (!opened) std::abort();
  reader.emplace(std::move(*opened));
  trail_state = state_of(trail_path);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string sql(reinterpret_cast<const char*>(data), size);
  reader->run_sql(sql, proctrail::SqlLimits{.timeout = std::chrono::milliseconds(200), .memory_bytes = 64 << 20});
  if (!(state_of(trail_path) == trail_state)) std::abort();  // the trail changed: a write got through
  return 0;
}
