#pragma once
// Where the store reads the time. The real clocks by default; tests inject their own, so a history
// stamped with fixture times is judged by fixture times and not by this machine's uptime.
#include <cstdint>
#include <functional>

namespace proctrail {

struct Clock {
  std::function<int64_t()> realtime_us;  // CLOCK_REALTIME: µs since the Unix epoch
  std::function<int64_t()> boottime_ns;  // CLOCK_BOOTTIME: ns since this boot, counting suspend

  static Clock system();
};

// The real clocks, read once: what Clock::system() reads.
int64_t now_realtime_us();  // CLOCK_REALTIME, µs since the Unix epoch
int64_t now_boottime_ns();  // CLOCK_BOOTTIME, ns since this boot

}  // namespace proctrail
