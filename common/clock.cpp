#include "proctrail/clock.hpp"

#include "common/fs_util.hpp"

namespace proctrail {

Clock Clock::system() {
  return Clock{.realtime_us = [] { return fs::clock_us(CLOCK_REALTIME); },
               .boottime_ns = [] { return fs::clock_ns(CLOCK_BOOTTIME); }};
}

}  // namespace proctrail
