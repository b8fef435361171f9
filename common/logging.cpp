#include <spdlog/sinks/null_sink.h>

#include "proctrail/logging.hpp"

namespace proctrail {

Logger null_logger() {
  static Logger logger = std::make_shared<spdlog::logger>("proctrail-null", std::make_shared<spdlog::sinks::null_sink_mt>());
  return logger;
}

}  // namespace proctrail
