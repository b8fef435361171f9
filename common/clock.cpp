#include "proctrail/clock.hpp"

#include "common/fs_util.hpp"

namespace proctrail {

Clock Clock::system() { return Clock{.realtime_us = now_realtime_us, .boottime_ns = now_boottime_ns}; }

int64_t now_realtime_us() { return fs::clock_us(CLOCK_REALTIME); }

int64_t now_boottime_ns() { return fs::clock_ns(CLOCK_BOOTTIME); }

}  // namespace proctrail
