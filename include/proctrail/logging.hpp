#pragma once
// Library classes take a logger; by default they log nowhere. Only cli/ configures sinks.
#include <memory>

#include <spdlog/logger.h>

namespace proctrail {

using Logger = std::shared_ptr<spdlog::logger>;

// A logger with a null sink, shared by every library object that was given none.
Logger null_logger();

// `logger` if set, else null_logger().
inline Logger or_null(Logger logger) { return logger ? std::move(logger) : null_logger(); }

}  // namespace proctrail
