// The only place spdlog sinks are configured.
#include <fcntl.h>
#include <unistd.h>

#include <mutex>
#include <stdexcept>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "cli/app.hpp"
#include "proctrail/paths.hpp"

namespace proctrail::cli {
namespace {

spdlog::level::level_enum level_for(int verbosity) {
  if (verbosity >= 2) return spdlog::level::debug;
  if (verbosity == 1) return spdlog::level::info;
  return spdlog::level::warn;
}

// Appends each formatted line to a descriptor opened by open_private_append (0600, never through a
// symbolic link); spdlog's file sink would reopen the path itself.
class PrivateFileSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit PrivateFileSink(int fd) : fd_(fd) {}
  ~PrivateFileSink() override { ::close(fd_); }
  PrivateFileSink(const PrivateFileSink&) = delete;
  PrivateFileSink& operator=(const PrivateFileSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t line;
    formatter_->format(message, line);
    size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
      if (n <= 0 && errno != EINTR) return;  // a full disk drops the line; the snapshot itself is unaffected
      if (n > 0) written += static_cast<size_t>(n);
    }
  }
  void flush_() override {}

 private:
  int fd_;
};

}  // namespace

Logger make_stderr_logger(int verbosity) {
  auto logger = std::make_shared<spdlog::logger>("proctrail", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("proctrail: %l: %v");
  logger->set_level(level_for(verbosity));
  return logger;
}

Logger make_file_logger(const std::filesystem::path& file, int verbosity) {
  auto fd = open_private_append(file);
  if (!fd) throw std::runtime_error(fd.error().message);
  auto logger = std::make_shared<spdlog::logger>("proctrail-file", std::make_shared<PrivateFileSink>(*fd));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%P] %l: %v");
  logger->set_level(level_for(verbosity));
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace proctrail::cli
