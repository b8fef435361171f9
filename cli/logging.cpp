// The only place spdlog sinks are configured.
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "cli/app.hpp"

namespace proctrail::cli {
namespace {

spdlog::level::level_enum level_for(int verbosity) {
  if (verbosity >= 2) return spdlog::level::debug;
  if (verbosity == 1) return spdlog::level::info;
  return spdlog::level::warn;
}

}  // namespace

Logger make_stderr_logger(int verbosity) {
  auto logger = std::make_shared<spdlog::logger>("proctrail", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("proctrail: %l: %v");
  logger->set_level(level_for(verbosity));
  return logger;
}

Logger make_file_logger(const std::filesystem::path& file, int verbosity) {
  // Create it 0600 before spdlog opens it for appending.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
  auto logger = std::make_shared<spdlog::logger>(
      "proctrail-file", std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), false));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%P] %l: %v");
  logger->set_level(level_for(verbosity));
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace proctrail::cli
